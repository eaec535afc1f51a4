output "rule_name" {
  description = "Name of the schedule rule."
  value       = aws_cloudwatch_event_rule.this.name
}

output "rule_arn" {
  description = "ARN of the schedule rule."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "schedule_expression" {
  description = "The schedule expression the rule uses."
  value       = aws_cloudwatch_event_rule.this.schedule_expression
}

output "state" {
  description = "ENABLED or DISABLED."
  value       = aws_cloudwatch_event_rule.this.state
}
