output "slack_secret_arn" {
  description = "ARN of the Slack webhook secret."
  value       = aws_secretsmanager_secret.slack_webhook.arn
}

output "slack_secret_id" {
  description = "Name of the Slack webhook secret (what SLACK_SECRET_ID holds)."
  value       = aws_secretsmanager_secret.slack_webhook.name
}

output "sns_topic_arn" {
  description = "ARN of the alerts SNS topic."
  value       = aws_sns_topic.alerts.arn
}

output "sns_topic_name" {
  description = "Name of the alerts SNS topic."
  value       = aws_sns_topic.alerts.name
}
