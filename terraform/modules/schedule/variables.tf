variable "rule_name" {
  description = "Name of the EventBridge rule that starts the weekly sync."
  type        = string
}

variable "schedule_expression" {
  description = "When the sync runs: an EventBridge cron() or rate() expression, in UTC."
  type        = string
  default     = "cron(0 3 ? * SUN *)"

  validation {
    condition     = can(regex("^(cron\\(([^ ]+ ){5}[^ ]+\\)|rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\))$", var.schedule_expression))
    error_message = "schedule_expression must be cron(<6 fields>) or rate(<n> <unit>)."
  }
}

variable "enabled" {
  description = "Whether the rule fires (`brewsync schedule disable` flips the same switch in AWS)."
  type        = bool
  default     = true
}

variable "function_name" {
  description = "Name of the orchestrator function the rule invokes."
  type        = string
}

variable "function_arn" {
  description = "ARN of the orchestrator function the rule invokes."
  type        = string
}

variable "input" {
  description = "Event the orchestrator receives from the schedule."
  type        = map(string)
  default     = { source = "schedule" }
}
