# Where people hear about the mirror: the Slack webhook secret (read by the Lambda and the last
# ECS shard) and the SNS topic the alarms publish to.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

resource "aws_secretsmanager_secret" "slack_webhook" {
  #checkov:skip=CKV2_AWS_57:A Slack incoming-webhook URL is issued by Slack and cannot be rotated by a Lambda; replace it with `brewsync slack set-webhook` when Slack revokes it.
  name                    = var.secret_name
  description             = "Slack incoming-webhook URL for brewsync run notifications"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
}

# Only when a URL is given: otherwise the value never passes through Terraform state.
resource "aws_secretsmanager_secret_version" "slack_webhook" {
  count = nonsensitive(var.slack_webhook_url != null) ? 1 : 0

  secret_id     = aws_secretsmanager_secret.slack_webhook.id
  secret_string = var.slack_webhook_url
}

resource "aws_sns_topic" "alerts" {
  name              = var.topic_name
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alert_email_addresses)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}
