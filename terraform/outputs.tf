# `brewsync --from-terraform DIR` runs `terraform output -json` in DIR and reads these.

output "bucket" {
  description = "Name of the mirror bucket (brewsync --bucket / BREWSYNC_BUCKET)."
  value       = module.storage.bucket_name
}

output "region" {
  description = "Region the deployment lives in (brewsync --region / AWS_REGION)."
  value       = data.aws_region.current.name
}

output "prefix" {
  description = "Prefix every name derives from (brewsync --prefix / BREWSYNC_PREFIX)."
  value       = var.prefix
}

output "lambda_function_name" {
  description = "Name of the orchestrator Lambda function."
  value       = module.orchestrator.function_name
}

output "ecs_cluster" {
  description = "Name of the ECS cluster the workers run in."
  value       = module.worker.cluster_name
}

output "task_family" {
  description = "Family of the worker task definition."
  value       = module.worker.task_family
}

output "schedule_rule" {
  description = "Name of the EventBridge rule that starts the weekly sync."
  value       = module.schedule.rule_name
}

output "schedule_expression" {
  description = "When the weekly sync runs."
  value       = module.schedule.schedule_expression
}

output "slack_secret_id" {
  description = "Name of the Secrets Manager secret holding the Slack webhook URL."
  value       = module.notifications.slack_secret_id
}

output "sns_topic_arn" {
  description = "ARN of the alerts SNS topic."
  value       = module.notifications.sns_topic_arn
}

output "subnets" {
  description = "Private subnets the worker tasks run in."
  value       = module.network.private_subnet_ids
}

output "security_groups" {
  description = "Security groups of the worker tasks."
  value       = [module.network.security_group_id]
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value       = values(module.monitoring.alarm_names)
}

output "dashboard" {
  description = "Name of the CloudWatch dashboard."
  value       = module.monitoring.dashboard_name
}

output "ecr_repository_url" {
  description = "Where to push the worker image built by `brewsync package`."
  value       = module.worker.ecr_repository_url
}

output "kms_key_arn" {
  description = "ARN of the deployment's KMS key."
  value       = module.storage.kms_key_arn
}

output "cdn_url" {
  description = "Base URL of the CDN for HOMEBREW_ARTIFACT_DOMAIN, or null when the CDN is disabled."
  value       = var.enable_cdn ? module.cdn[0].url : null
}

output "names" {
  description = "Every default name of this deployment, keyed as sync_runtime.names.Names.as_dict()."
  value       = local.names
}
