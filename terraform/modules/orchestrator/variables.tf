variable "function_name" {
  description = "Name of the orchestrator Lambda function; its log group is /aws/lambda/<function_name>."
  type        = string
}

variable "role_name" {
  description = "Name of the orchestrator's IAM role."
  type        = string
}

variable "name_prefix" {
  description = "Deployment prefix (BREWSYNC_PREFIX)."
  type        = string
}

variable "zip_path" {
  description = "Path of the Lambda deployment package built by `brewsync package` (sync_runtime and its non-boto3 dependencies)."
  type        = string

  validation {
    condition     = endswith(var.zip_path, ".zip")
    error_message = "zip_path must point at the .zip file `brewsync package` builds."
  }
}

variable "memory_mb" {
  description = "Memory of the function in MB; also buys CPU and network throughput for the copies it makes."
  type        = number
  default     = 2048

  validation {
    condition     = var.memory_mb >= 1024 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 1024 (the orchestrator's minimum) and 10240."
  }
}

variable "architecture" {
  description = "Instruction set of the function: x86_64 or arm64 (build the zip for it when it carries compiled wheels)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; null leaves the function unreserved (new accounts with a concurrency limit of 10 cannot reserve any)."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1, false)
    error_message = "reserved_concurrency must be null or at least 1 (0 would throttle every invocation)."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing: PassThrough (trace only sampled upstream requests, no extra permissions) or Active (grants xray:PutTraceSegments)."
  type        = string
  default     = "PassThrough"

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be PassThrough or Active."
  }
}

variable "async_retry_attempts" {
  description = "Retries of a failed asynchronous (scheduled) invocation, 0-2. Default 0: a failed run alerts at once rather than re-running a 15-minute job twice."
  type        = number
  default     = 0

  validation {
    condition     = var.async_retry_attempts >= 0 && var.async_retry_attempts <= 2
    error_message = "async_retry_attempts must be 0, 1 or 2."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days (a CloudWatch Logs retention value)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "kms_key_arn" {
  description = "Deployment KMS key: encrypts the log group and environment; decrypts bucket objects, the secret and the topic through their services."
  type        = string
}

variable "bucket_name" {
  description = "Name of the mirror bucket (BUCKET)."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the mirror bucket; the function may use only its keys."
  type        = string
}

variable "mirror_tags" {
  description = "Bottle tags to mirror (TAGS, comma-separated)."
  type        = list(string)
  default     = ["arm64_sonoma", "arm64_ventura", "monterey"]

  validation {
    condition     = length(var.mirror_tags) > 0 && alltrue([for t in var.mirror_tags : can(regex("^[a-z0-9_]+$", t))])
    error_message = "mirror_tags must be a non-empty list of bottle tags such as arm64_sonoma or x86_64_linux."
  }
}

variable "size_threshold_gb" {
  description = "Plan size in GB at or above which everything goes to ECS (SIZE_THRESHOLD_GB)."
  type        = number
  default     = 20

  validation {
    condition     = var.size_threshold_gb > 0
    error_message = "size_threshold_gb must be positive."
  }
}

variable "shard_count" {
  description = "Number of ECS tasks a hand-off is split into (SHARD_COUNT)."
  type        = number
  default     = 4

  validation {
    condition     = var.shard_count >= 1 && var.shard_count <= 100 && floor(var.shard_count) == var.shard_count
    error_message = "shard_count must be a whole number between 1 and 100."
  }
}

variable "api_url" {
  description = "Base URL of the Homebrew API (API_URL)."
  type        = string
  default     = "https://formulae.brew.sh/api"

  validation {
    condition     = can(regex("^https?://", var.api_url))
    error_message = "api_url must be an http(s) URL."
  }
}

variable "prune_after_days" {
  description = "Delete bottles no longer in the index after this many days (PRUNE_AFTER_DAYS); null (the default) never prunes."
  type        = number
  default     = null

  validation {
    condition     = var.prune_after_days == null || try(var.prune_after_days >= 1, false)
    error_message = "prune_after_days must be null (off) or at least 1."
  }
}

variable "ecs_cluster_name" {
  description = "Name of the ECS cluster (ECS_CLUSTER)."
  type        = string
}

variable "ecs_cluster_arn" {
  description = "ARN of the ECS cluster; RunTask is allowed on this cluster only."
  type        = string
}

variable "task_family" {
  description = "Family of the worker task definition (TASK_DEFINITION); RunTask is allowed for its revisions only."
  type        = string
}

variable "task_role_arn" {
  description = "ARN of the worker task role, the first of the two roles the function may pass to ECS."
  type        = string
}

variable "execution_role_arn" {
  description = "ARN of the worker execution role, the second of the two roles the function may pass to ECS."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the worker tasks (SUBNETS, comma-separated)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the worker tasks (SECURITY_GROUPS, comma-separated)."
  type        = list(string)
}

variable "slack_secret_arn" {
  description = "ARN of the Slack webhook secret; the only secret the function may read."
  type        = string
}

variable "slack_secret_id" {
  description = "Name of the Slack webhook secret (SLACK_SECRET_ID)."
  type        = string
}

variable "dead_letter_topic_arn" {
  description = "SNS topic that receives scheduled invocations that failed (the alerts topic)."
  type        = string
}

variable "environment" {
  description = "Extra environment variables, merged over the ones this module sets."
  type        = map(string)
  default     = {}
}
