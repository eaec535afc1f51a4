variable "alarm_names" {
  description = "Names of the four alarms: lambda_errors, ecs_failures, lambda_duration and stale_mirror."
  type = object({
    lambda_errors   = string
    ecs_failures    = string
    lambda_duration = string
    stale_mirror    = string
  })
}

variable "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  type        = string
}

variable "ecs_failure_rule_name" {
  description = "Name of the EventBridge rule that matches failed worker tasks (its MatchedEvents metric feeds the ECS failures alarm)."
  type        = string
}

variable "sns_topic_arn" {
  description = "Alerts topic that alarms (on ALARM and OK) and the ECS failure rule publish to."
  type        = string
}

variable "function_name" {
  description = "Name of the orchestrator function."
  type        = string
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the orchestrator; the duration alarm fires near it."
  type        = number
  default     = 900
}

variable "duration_alarm_percent" {
  description = "Percentage of the timeout at which the duration alarm fires (the orchestrator should hand work to ECS long before)."
  type        = number
  default     = 80

  validation {
    condition     = var.duration_alarm_percent > 0 && var.duration_alarm_percent < 100
    error_message = "duration_alarm_percent must be between 0 and 100."
  }
}

variable "ecs_cluster_name" {
  description = "Name of the ECS cluster."
  type        = string
}

variable "ecs_cluster_arn" {
  description = "ARN of the ECS cluster; the failure rule matches its tasks only."
  type        = string
}

variable "bucket_name" {
  description = "Name of the mirror bucket (storage widgets of the dashboard)."
  type        = string
}

variable "log_group_names" {
  description = "Log groups of the orchestrator and the workers (the dashboard's recent-errors widget)."
  type        = list(string)
}

variable "metrics_namespace" {
  description = "Namespace of the custom metrics the runtime emits through the Embedded Metric Format."
  type        = string
  default     = "HomebrewSync"
}

variable "stale_metric_name" {
  description = "Custom metric emitted once per completed run; its absence means the mirror is stale."
  type        = string
  default     = "SyncDuration"
}

variable "stale_metric_dimensions" {
  description = "Dimensions the runtime puts on stale_metric_name (an alarm matches one exact dimension set; {} means none)."
  type        = map(string)
  default     = {}
}

variable "stale_after_days" {
  description = "Days without a completed run before the stale-mirror alarm fires. CloudWatch caps an alarm's range (period x evaluation periods) at 7 days, so 7 is the most it can express."
  type        = number
  default     = 7

  validation {
    condition     = var.stale_after_days >= 1 && var.stale_after_days <= 7 && floor(var.stale_after_days) == var.stale_after_days
    error_message = "stale_after_days must be a whole number from 1 to 7 (CloudWatch evaluates at most 7 days)."
  }
}
