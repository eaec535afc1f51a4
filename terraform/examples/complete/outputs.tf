# The same outputs as the root module, so `brewsync --from-terraform .` works from here too.

output "bucket" {
  description = "Name of the mirror bucket."
  value       = module.brewsync.bucket
}

output "region" {
  description = "Region of the deployment."
  value       = module.brewsync.region
}

output "prefix" {
  description = "Prefix every name derives from."
  value       = module.brewsync.prefix
}

output "lambda_function_name" {
  description = "Name of the orchestrator function."
  value       = module.brewsync.lambda_function_name
}

output "ecs_cluster" {
  description = "Name of the ECS cluster."
  value       = module.brewsync.ecs_cluster
}

output "task_family" {
  description = "Family of the worker task definition."
  value       = module.brewsync.task_family
}

output "schedule_rule" {
  description = "Name of the schedule rule."
  value       = module.brewsync.schedule_rule
}

output "slack_secret_id" {
  description = "Name of the Slack webhook secret."
  value       = module.brewsync.slack_secret_id
}

output "sns_topic_arn" {
  description = "ARN of the alerts topic."
  value       = module.brewsync.sns_topic_arn
}

output "subnets" {
  description = "Private subnets of the worker tasks."
  value       = module.brewsync.subnets
}

output "security_groups" {
  description = "Security groups of the worker tasks."
  value       = module.brewsync.security_groups
}

output "cdn_url" {
  description = "Base URL of the CDN for HOMEBREW_ARTIFACT_DOMAIN."
  value       = module.brewsync.cdn_url
}

output "ecr_repository_url" {
  description = "Where to push the worker image."
  value       = module.brewsync.ecr_repository_url
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value       = module.brewsync.alarm_names
}
