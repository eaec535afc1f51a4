variable "region" {
  description = "AWS region to deploy to; null uses the provider's usual lookup (AWS_REGION, the profile)."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "prefix" {
  description = "Prefix every resource name derives from (sync_runtime.names.Names). Use another prefix for a second deployment in the same account."
  type        = string
  default     = "homebrew-sync"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-32 lowercase letters, digits or '-', starting and ending with a letter or digit."
  }
}

variable "tags" {
  description = "Tags added to every resource (as provider default_tags)."
  type        = map(string)
  default     = {}
}

variable "bucket_name" {
  description = "Name of the mirror bucket; null uses <prefix>-bottles-<account id>."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Let `terraform destroy` remove the bucket with its bottles and the ECR repository with its images. Only for throw-away deployments."
  type        = bool
  default     = false
}

variable "lambda_zip_path" {
  description = "Path of the orchestrator zip built by `brewsync package`."
  type        = string
}

variable "lambda_memory_mb" {
  description = "Memory of the orchestrator in MB (at least 1024)."
  type        = number
  default     = 2048

  validation {
    condition     = var.lambda_memory_mb >= 1024 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 1024 and 10240."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the orchestrator: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency of the orchestrator; null leaves it unreserved."
  type        = number
  default     = null
}

variable "mirror_tags" {
  description = "Bottle tags to mirror (the orchestrator's TAGS)."
  type        = list(string)
  default     = ["arm64_sonoma", "arm64_ventura", "monterey"]

  validation {
    condition     = length(var.mirror_tags) > 0 && alltrue([for t in var.mirror_tags : can(regex("^[a-z0-9_]+$", t))])
    error_message = "mirror_tags must be a non-empty list of bottle tags such as arm64_sonoma."
  }
}

variable "size_threshold_gb" {
  description = "Plan size in GB at or above which the whole sync goes to ECS."
  type        = number
  default     = 20

  validation {
    condition     = var.size_threshold_gb > 0
    error_message = "size_threshold_gb must be positive."
  }
}

variable "shard_count" {
  description = "Number of ECS tasks one hand-off is split into."
  type        = number
  default     = 4

  validation {
    condition     = var.shard_count >= 1 && var.shard_count <= 100
    error_message = "shard_count must be between 1 and 100."
  }
}

variable "api_url" {
  description = "Base URL of the Homebrew API the sync reads."
  type        = string
  default     = "https://formulae.brew.sh/api"

  validation {
    condition     = can(regex("^https?://", var.api_url))
    error_message = "api_url must be an http(s) URL."
  }
}

variable "prune_after_days" {
  description = "Delete bottles that left the index this many days ago; null (the default) never prunes."
  type        = number
  default     = null
}

variable "schedule_expression" {
  description = "When the weekly sync runs (EventBridge cron/rate expression, UTC)."
  type        = string
  default     = "cron(0 3 ? * SUN *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be cron(...) or rate(...)."
  }
}

variable "schedule_enabled" {
  description = "Whether the weekly schedule fires."
  type        = bool
  default     = true
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the workers' VPC (/16 to /20)."
  type        = string
  default     = "10.42.0.0/16"
}

variable "az_count" {
  description = "Availability zones the private subnets span."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 4
    error_message = "az_count must be between 1 and 4."
  }
}

variable "one_nat_gateway_per_az" {
  description = "One NAT gateway per AZ instead of one shared NAT gateway."
  type        = bool
  default     = false
}

variable "worker_cpu" {
  description = "CPU units of each worker task (Fargate values: 256 … 16384)."
  type        = number
  default     = 1024
}

variable "worker_memory_mb" {
  description = "Memory of each worker task in MiB (also the container-level limit)."
  type        = number
  default     = 4096
}

variable "worker_ephemeral_storage_gib" {
  description = "Ephemeral storage of each worker task in GiB (21-200)."
  type        = number
  default     = 21
}

variable "worker_cpu_architecture" {
  description = "CPU architecture of the worker image: X86_64 or ARM64."
  type        = string
  default     = "X86_64"
}

variable "worker_image_tag" {
  description = "Tag of the worker image in the ECR repository."
  type        = string
  default     = "latest"
}

variable "worker_image_tag_mutability" {
  description = "MUTABLE (re-push the same tag each release) or IMMUTABLE (pin worker_image_tag to versions)."
  type        = string
  default     = "MUTABLE"
}

variable "enable_efs_scratch" {
  description = "Give the workers an encrypted EFS scratch file system at /mnt/scratch."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the Lambda, ECS and flow log groups, in days."
  type        = number
  default     = 365
}

variable "slack_webhook_url" {
  description = "Optional Slack webhook URL. Leave null so the URL never enters Terraform state, and set it with `brewsync slack set-webhook`."
  type        = string
  default     = null
  sensitive   = true
}

variable "alert_email_addresses" {
  description = "E-mail addresses subscribed to the alerts topic."
  type        = list(string)
  default     = []
}

variable "stale_after_days" {
  description = "Days without a completed sync before the stale-mirror alarm fires (CloudWatch allows at most 7)."
  type        = number
  default     = 7
}

variable "stale_metric_dimensions" {
  description = "Dimensions the runtime puts on its SyncDuration metric ({} for none)."
  type        = map(string)
  default     = {}
}

variable "runs_expiration_days" {
  description = "Days after which run records under runs/ expire."
  type        = number
  default     = 30
}

variable "index_noncurrent_days" {
  description = "Days an old version of bottles_hash.json stays restorable."
  type        = number
  default     = 90
}

variable "enable_cdn" {
  description = "Put a CloudFront distribution in front of the bucket for brew clients (it drops the Authorization header)."
  type        = bool
  default     = false
}

variable "cdn_price_class" {
  description = "CloudFront price class of the CDN."
  type        = string
  default     = "PriceClass_100"
}
