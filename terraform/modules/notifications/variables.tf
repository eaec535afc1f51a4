variable "secret_name" {
  description = "Name of the Secrets Manager secret holding the Slack incoming-webhook URL."
  type        = string
}

variable "topic_name" {
  description = "Name of the SNS topic that alarms and the ECS failure rule publish to."
  type        = string
}

variable "name_prefix" {
  description = "Deployment prefix; the topic accepts messages only from CloudWatch alarms and EventBridge rules whose names start with it."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secret and the topic."
  type        = string
}

variable "slack_webhook_url" {
  description = "Optional Slack incoming-webhook URL. Left null (the default) the secret is created empty and no value ever enters Terraform state: set it with `brewsync slack set-webhook` or `aws secretsmanager put-secret-value`."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.slack_webhook_url == null || can(regex("^https://hooks\\.slack\\.com/", var.slack_webhook_url))
    error_message = "slack_webhook_url must be a https://hooks.slack.com/... URL, or null."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret stays recoverable (0 deletes at once; otherwise 7-30)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "alert_email_addresses" {
  description = "E-mail addresses subscribed to the alerts topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alert_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "Each alert e-mail address must look like name@example.com."
  }
}
