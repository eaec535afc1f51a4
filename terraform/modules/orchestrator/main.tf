# The weekly orchestrator: plans, copies what fits in its time budget, hands the rest to ECS.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # Lambda's maximum; the handler budgets its copies against get_remaining_time_in_millis().
  timeout_seconds = 900
  handler         = "sync_runtime.orchestrator.handler"
  runtime         = "python3.12"
  log_group_name  = "/aws/lambda/${var.function_name}"

  environment = merge(
    {
      BUCKET            = var.bucket_name
      TAGS              = join(",", var.mirror_tags)
      SIZE_THRESHOLD_GB = tostring(var.size_threshold_gb)
      SHARD_COUNT       = tostring(var.shard_count)
      ECS_CLUSTER       = var.ecs_cluster_name
      TASK_DEFINITION   = var.task_family
      SUBNETS           = join(",", var.subnet_ids)
      SECURITY_GROUPS   = join(",", var.security_group_ids)
      SLACK_SECRET_ID   = var.slack_secret_id
      API_URL           = var.api_url
      BREWSYNC_PREFIX   = var.name_prefix
    },
    var.prune_after_days == null ? {} : { PRUNE_AFTER_DAYS = tostring(var.prune_after_days) },
    var.environment,
  )
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The function talks only to public HTTPS endpoints (Homebrew, S3, ECS, Secrets Manager, Slack); a VPC attachment would need ENI permissions on "*" and a NAT for no isolation gain. The ECS workers do run in the private VPC.
  #checkov:skip=CKV_AWS_272:The zip is built and deployed from the same checkout by `brewsync package` and Terraform; there is no signing profile in the release process to enforce.
  #checkov:skip=CKV_AWS_115:Concurrency is opt-in through var.reserved_concurrency, because new accounts with a 10-execution limit cannot reserve any; the index's conditional writes make overlapping runs safe.
  function_name    = var.function_name
  description      = "brewsync orchestrator: plans the weekly Homebrew bottle sync and hands large work to ECS"
  role             = aws_iam_role.this.arn
  handler          = local.handler
  runtime          = local.runtime
  architectures    = [var.architecture]
  timeout          = local.timeout_seconds
  memory_size      = var.memory_mb
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  kms_key_arn      = var.kms_key_arn

  reserved_concurrent_executions = var.reserved_concurrency == null ? -1 : var.reserved_concurrency

  environment {
    variables = local.environment
  }

  dead_letter_config {
    target_arn = var.dead_letter_topic_arn
  }

  tracing_config {
    mode = var.tracing_mode
  }

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.this,
  ]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.async_retry_attempts
  maximum_event_age_in_seconds = 3600
}
