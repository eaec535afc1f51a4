variable "cluster_name" {
  description = "Name of the ECS cluster."
  type        = string
}

variable "task_family" {
  description = "Family of the Fargate task definition the orchestrator runs."
  type        = string
}

variable "container_name" {
  description = "Name of the worker container in the task definition (the orchestrator's overrides target it)."
  type        = string
  default     = "worker"
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository holding the worker image."
  type        = string
}

variable "log_group_name" {
  description = "Name of the worker's CloudWatch log group."
  type        = string
}

variable "task_role_name" {
  description = "Name of the IAM role the worker code runs as."
  type        = string
}

variable "execution_role_name" {
  description = "Name of the IAM role ECS uses to pull the image and ship logs."
  type        = string
}

variable "name_prefix" {
  description = "Deployment prefix (BREWSYNC_PREFIX in the container; names EFS resources)."
  type        = string
}

variable "cpu" {
  description = "Task CPU units (Fargate: 256, 512, 1024, 2048, 4096, 8192 or 16384)."
  type        = number
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "memory_mb" {
  description = "Task memory in MiB; the worker container gets the same container-level `memory` hard limit."
  type        = number
  default     = 4096

  validation {
    condition     = var.memory_mb >= 512 && var.memory_mb <= 122880
    error_message = "memory_mb must be between 512 and 122880."
  }
}

variable "ephemeral_storage_gib" {
  description = "Fargate ephemeral storage in GiB (21-200); the writable /tmp of the read-only container lives here."
  type        = number
  default     = 21

  validation {
    condition     = var.ephemeral_storage_gib >= 21 && var.ephemeral_storage_gib <= 200
    error_message = "ephemeral_storage_gib must be between 21 and 200."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the worker image: X86_64 or ARM64 (Graviton, cheaper; build the image for it)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "image" {
  description = "Full worker image reference. Null (the default) uses this module's ECR repository with image_tag."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Tag of the worker image in the ECR repository (what `brewsync package` pushed)."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid image tag."
  }
}

variable "image_tag_mutability" {
  description = "MUTABLE lets each release re-push image_tag (e.g. latest); IMMUTABLE forbids overwriting tags (then pin image_tag to version tags)."
  type        = string
  default     = "MUTABLE"

  validation {
    condition     = contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)
    error_message = "image_tag_mutability must be MUTABLE or IMMUTABLE."
  }
}

variable "images_to_keep" {
  description = "Number of worker images the ECR lifecycle policy keeps."
  type        = number
  default     = 10

  validation {
    condition     = var.images_to_keep >= 1
    error_message = "images_to_keep must be at least 1."
  }
}

variable "force_delete_repository" {
  description = "Let `terraform destroy` delete the ECR repository while it still holds images."
  type        = bool
  default     = false
}

variable "container_insights" {
  description = "Enable CloudWatch Container Insights on the cluster (per-task CPU/memory for `brewsync perf`)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the worker log group, in days (a CloudWatch Logs retention value)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "kms_key_arn" {
  description = "Deployment KMS key: encrypts the log group, the ECR repository and EFS; the task decrypts bucket objects and the secret with it."
  type        = string
}

variable "bucket_name" {
  description = "Name of the mirror bucket (BUCKET in the container)."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the mirror bucket; the task role may use only its keys."
  type        = string
}

variable "slack_secret_arn" {
  description = "ARN of the Slack webhook secret the last shard reads to send the run summary."
  type        = string
}

variable "slack_secret_id" {
  description = "Name of the Slack webhook secret (SLACK_SECRET_ID in the container)."
  type        = string
}

variable "api_url" {
  description = "Base URL of the Homebrew API (API_URL in the container)."
  type        = string
}

variable "environment" {
  description = "Extra environment variables for the worker container (merged over the ones this module sets)."
  type        = map(string)
  default     = {}
}

variable "enable_efs_scratch" {
  description = "Mount an encrypted EFS file system at /mnt/scratch (SCRATCH_DIR) for work larger than ephemeral storage."
  type        = bool
  default     = false
}

variable "efs_throughput_mode" {
  description = "EFS throughput mode when enable_efs_scratch is true: elastic (pay per use, suits a weekly burst) or bursting."
  type        = string
  default     = "elastic"

  validation {
    condition     = contains(["elastic", "bursting"], var.efs_throughput_mode)
    error_message = "efs_throughput_mode must be elastic or bursting."
  }
}

variable "vpc_id" {
  description = "VPC of the tasks; used for the EFS security group."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Private subnets of the tasks; EFS mount targets are created in each."
  type        = list(string)
  default     = []
}

variable "task_security_group_id" {
  description = "Security group of the tasks; with EFS it gains egress 2049/tcp to the EFS security group only."
  type        = string
  default     = null
}

variable "efs_posix_uid" {
  description = "POSIX uid/gid the EFS access point maps every client to (the container's non-root user)."
  type        = number
  default     = 1000
}
