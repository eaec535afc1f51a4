output "bucket_name" {
  description = "Name of the mirror bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the mirror bucket (identity policies add `/*` for its keys)."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket, the CDN's origin."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "kms_key_arn" {
  description = "ARN of the deployment's customer-managed KMS key."
  value       = aws_kms_key.this.arn
}

output "kms_key_alias" {
  description = "Alias of the deployment's KMS key."
  value       = aws_kms_alias.this.name
}

output "index_key" {
  description = "Key of the mirror index at the bucket root."
  value       = var.index_key
}
