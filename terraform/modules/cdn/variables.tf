variable "name" {
  description = "Name of the origin access control, cache policy and response headers policy (the deployment prefix)."
  type        = string
}

variable "bucket_regional_domain_name" {
  description = "Regional domain name of the mirror bucket, the distribution's origin."
  type        = string
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100 (North America, Europe), PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "default_ttl_seconds" {
  description = "Default cache lifetime. Blobs are content-addressed and never change; manifests and API files are re-read after this."
  type        = number
  default     = 3600

  validation {
    condition     = var.default_ttl_seconds >= 0
    error_message = "default_ttl_seconds must not be negative."
  }
}

variable "web_acl_id" {
  description = "Optional AWS WAF web ACL ARN to attach (WAFv2 for CloudFront lives in us-east-1)."
  type        = string
  default     = null
}

variable "access_log_bucket_domain_name" {
  description = "Optional <bucket>.s3.amazonaws.com that receives standard access logs; null disables logging."
  type        = string
  default     = null
}
