output "alarm_names" {
  description = "Names of the alarms, keyed lambda_errors, ecs_failures, lambda_duration, stale_mirror."
  value = {
    lambda_errors   = aws_cloudwatch_metric_alarm.lambda_errors.alarm_name
    ecs_failures    = aws_cloudwatch_metric_alarm.ecs_failures.alarm_name
    lambda_duration = aws_cloudwatch_metric_alarm.lambda_duration.alarm_name
    stale_mirror    = aws_cloudwatch_metric_alarm.stale_mirror.alarm_name
  }
}

output "alarm_arns" {
  description = "ARNs of the alarms, keyed like alarm_names."
  value = {
    lambda_errors   = aws_cloudwatch_metric_alarm.lambda_errors.arn
    ecs_failures    = aws_cloudwatch_metric_alarm.ecs_failures.arn
    lambda_duration = aws_cloudwatch_metric_alarm.lambda_duration.arn
    stale_mirror    = aws_cloudwatch_metric_alarm.stale_mirror.arn
  }
}

output "duration_threshold_ms" {
  description = "Duration in milliseconds at which the duration alarm fires."
  value       = local.duration_threshold_ms
}

output "ecs_failure_rule_name" {
  description = "Name of the EventBridge rule matching failed worker tasks."
  value       = aws_cloudwatch_event_rule.ecs_failures.name
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "metrics_namespace" {
  description = "Namespace of the custom metrics the stale-mirror alarm and the dashboard read."
  value       = aws_cloudwatch_metric_alarm.stale_mirror.namespace
}
