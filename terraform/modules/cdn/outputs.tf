output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the distribution; the bucket and key policies grant it read access."
  value       = aws_cloudfront_distribution.this.arn
}

output "domain_name" {
  description = "Domain name of the distribution (d123.cloudfront.net)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "url" {
  description = "Base URL for HOMEBREW_ARTIFACT_DOMAIN (append /bottles for HOMEBREW_BOTTLE_DOMAIN, /api for HOMEBREW_API_DOMAIN)."
  value       = "https://${aws_cloudfront_distribution.this.domain_name}"
}

output "cache_policy_id" {
  description = "ID of the cache policy (path-only cache key; Authorization is not forwarded)."
  value       = aws_cloudfront_cache_policy.this.id
}
