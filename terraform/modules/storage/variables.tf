variable "bucket_name" {
  description = "Name of the mirror bucket (globally unique). The root module defaults it to <prefix>-bottles-<account id>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a bucket that still holds bottles and their versions. Keep false outside throw-away environments."
  type        = bool
  default     = false
}

variable "kms_alias_name" {
  description = "Alias (without the `alias/` part) of the customer-managed KMS key this module creates for the deployment: bucket, log groups, ECR, secret, SNS and EFS."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,250}$", var.kms_alias_name)) && !startswith(var.kms_alias_name, "aws/")
    error_message = "kms_alias_name may hold letters, digits, '/', '_' and '-', and must not start with 'aws/'."
  }
}

variable "kms_deletion_window_days" {
  description = "Days a deleted KMS key stays recoverable (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "log_group_names" {
  description = "CloudWatch log groups allowed to encrypt with the deployment key (the Lambda, ECS and VPC flow log groups)."
  type        = list(string)
  default     = []
}

variable "enable_cdn_access" {
  description = "Grant the CloudFront distribution in cloudfront_distribution_arn read access to the public mirror prefixes (bucket policy and key policy)."
  type        = bool
  default     = false
}

variable "cloudfront_distribution_arn" {
  description = "ARN of the CloudFront distribution that reads the bucket through origin access control; used only when enable_cdn_access is true."
  type        = string
  default     = null
}

variable "public_prefixes" {
  description = "Key prefixes that `brew` clients read (and the CDN may serve): OCI layout, flat bottles and the signed API files."
  type        = list(string)
  default     = ["v2/", "bottles/", "api/"]

  validation {
    condition     = alltrue([for p in var.public_prefixes : can(regex("^[A-Za-z0-9._-]+/$", p))])
    error_message = "Each public prefix must be one path segment ending in '/', e.g. \"v2/\"."
  }
}

variable "index_key" {
  description = "Key of the mirror index at the bucket root."
  type        = string
  default     = "bottles_hash.json"
}

variable "runs_expiration_days" {
  description = "Days after which run records under runs/ (plans, shard results, reports) expire."
  type        = number
  default     = 30

  validation {
    condition     = var.runs_expiration_days >= 1
    error_message = "runs_expiration_days must be at least 1."
  }
}

variable "index_noncurrent_days" {
  description = "Days a replaced version of the index stays restorable with `brewsync hash restore --version`."
  type        = number
  default     = 90

  validation {
    condition     = var.index_noncurrent_days >= 1
    error_message = "index_noncurrent_days must be at least 1."
  }
}

variable "mirror_noncurrent_days" {
  description = "Days a pruned or overwritten bottle, manifest or API file stays recoverable as a noncurrent version."
  type        = number
  default     = 30

  validation {
    condition     = var.mirror_noncurrent_days >= 1
    error_message = "mirror_noncurrent_days must be at least 1."
  }
}

variable "abort_multipart_days" {
  description = "Days after which incomplete multipart uploads (an interrupted bottle transfer) are aborted and their parts deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_multipart_days >= 1
    error_message = "abort_multipart_days must be at least 1."
  }
}
