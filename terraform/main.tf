# brewsync: a private mirror of Homebrew bottles in S3, synced weekly by a Lambda orchestrator
# that hands large work to ECS Fargate. Names come from names.tf (mirror of sync_runtime/names.py).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  bucket_name = coalesce(var.bucket_name, local.extra_names.bucket_default)
}

module "storage" {
  source = "./modules/storage"

  bucket_name           = local.bucket_name
  force_destroy         = var.force_destroy
  kms_alias_name        = local.extra_names.kms_alias
  index_key             = local.names.index_key
  runs_expiration_days  = var.runs_expiration_days
  index_noncurrent_days = var.index_noncurrent_days
  log_group_names = [
    local.names.lambda_log_group,
    local.names.ecs_log_group,
    local.extra_names.flow_log_group,
  ]

  enable_cdn_access           = var.enable_cdn
  cloudfront_distribution_arn = var.enable_cdn ? module.cdn[0].distribution_arn : null
}

module "network" {
  source = "./modules/network"

  name                    = local.names.vpc
  security_group_name     = local.names.security_group
  cidr_block              = var.vpc_cidr
  az_count                = var.az_count
  one_nat_gateway_per_az  = var.one_nat_gateway_per_az
  kms_key_arn             = module.storage.kms_key_arn
  flow_log_group_name     = local.extra_names.flow_log_group
  flow_log_role_name      = local.extra_names.flow_log_role
  flow_log_retention_days = var.log_retention_days
}

module "notifications" {
  source = "./modules/notifications"

  secret_name           = local.names.slack_secret
  topic_name            = local.names.sns_topic
  name_prefix           = var.prefix
  kms_key_arn           = module.storage.kms_key_arn
  slack_webhook_url     = var.slack_webhook_url
  alert_email_addresses = var.alert_email_addresses
}

module "worker" {
  source = "./modules/worker"

  cluster_name            = local.names.ecs_cluster
  task_family             = local.names.task_family
  container_name          = local.names.container_name
  ecr_repository_name     = local.names.ecr_repository
  log_group_name          = local.names.ecs_log_group
  task_role_name          = local.names.ecs_task_role
  execution_role_name     = local.names.ecs_execution_role
  name_prefix             = var.prefix
  cpu                     = var.worker_cpu
  memory_mb               = var.worker_memory_mb
  ephemeral_storage_gib   = var.worker_ephemeral_storage_gib
  cpu_architecture        = var.worker_cpu_architecture
  image_tag               = var.worker_image_tag
  image_tag_mutability    = var.worker_image_tag_mutability
  force_delete_repository = var.force_destroy
  log_retention_days      = var.log_retention_days
  kms_key_arn             = module.storage.kms_key_arn
  bucket_name             = module.storage.bucket_name
  bucket_arn              = module.storage.bucket_arn
  slack_secret_arn        = module.notifications.slack_secret_arn
  slack_secret_id         = module.notifications.slack_secret_id
  api_url                 = var.api_url

  enable_efs_scratch     = var.enable_efs_scratch
  vpc_id                 = module.network.vpc_id
  subnet_ids             = module.network.private_subnet_ids
  task_security_group_id = module.network.security_group_id
}

module "orchestrator" {
  source = "./modules/orchestrator"

  function_name        = local.names.lambda_function
  role_name            = local.names.lambda_role
  name_prefix          = var.prefix
  zip_path             = var.lambda_zip_path
  memory_mb            = var.lambda_memory_mb
  architecture         = var.lambda_architecture
  reserved_concurrency = var.lambda_reserved_concurrency
  log_retention_days   = var.log_retention_days
  kms_key_arn          = module.storage.kms_key_arn

  bucket_name       = module.storage.bucket_name
  bucket_arn        = module.storage.bucket_arn
  mirror_tags       = var.mirror_tags
  size_threshold_gb = var.size_threshold_gb
  shard_count       = var.shard_count
  api_url           = var.api_url
  prune_after_days  = var.prune_after_days

  ecs_cluster_name   = module.worker.cluster_name
  ecs_cluster_arn    = module.worker.cluster_arn
  task_family        = module.worker.task_family
  task_role_arn      = module.worker.task_role_arn
  execution_role_arn = module.worker.execution_role_arn
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.security_group_id]

  slack_secret_arn      = module.notifications.slack_secret_arn
  slack_secret_id       = module.notifications.slack_secret_id
  dead_letter_topic_arn = module.notifications.sns_topic_arn
}

module "schedule" {
  source = "./modules/schedule"

  rule_name           = local.names.schedule_rule
  schedule_expression = var.schedule_expression
  enabled             = var.schedule_enabled
  function_name       = module.orchestrator.function_name
  function_arn        = module.orchestrator.function_arn
}

module "monitoring" {
  source = "./modules/monitoring"

  alarm_names = {
    lambda_errors   = local.names.alarm_lambda_errors
    ecs_failures    = local.names.alarm_ecs_failures
    lambda_duration = local.names.alarm_lambda_duration
    stale_mirror    = local.names.alarm_stale_mirror
  }
  dashboard_name          = local.names.dashboard
  ecs_failure_rule_name   = local.names.ecs_failure_rule
  sns_topic_arn           = module.notifications.sns_topic_arn
  function_name           = module.orchestrator.function_name
  lambda_timeout_seconds  = module.orchestrator.timeout_seconds
  ecs_cluster_name        = module.worker.cluster_name
  ecs_cluster_arn         = module.worker.cluster_arn
  bucket_name             = module.storage.bucket_name
  log_group_names         = [module.orchestrator.log_group_name, module.worker.log_group_name]
  metrics_namespace       = local.names.metrics_namespace
  stale_after_days        = var.stale_after_days
  stale_metric_dimensions = var.stale_metric_dimensions
}

module "cdn" {
  source = "./modules/cdn"
  count  = var.enable_cdn ? 1 : 0

  name                        = var.prefix
  bucket_regional_domain_name = module.storage.bucket_regional_domain_name
  price_class                 = var.cdn_price_class
}
