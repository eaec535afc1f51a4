# Every default name of a deployment, derived from var.prefix exactly as
# sync_runtime/names.py derives them (Names.as_dict()). tests/terraform compares the two:
# change a name there and here together.

locals {
  # "homebrew-sync" -> "homebrew": the task family keeps its historical name
  # "homebrew-bottles-sync" while everything else is "<prefix>-…".
  base = trimsuffix(var.prefix, "-sync") == "" ? var.prefix : trimsuffix(var.prefix, "-sync")

  names = {
    prefix                = var.prefix
    lambda_function       = "${var.prefix}-orchestrator"
    lambda_log_group      = "/aws/lambda/${var.prefix}-orchestrator"
    lambda_role           = "${var.prefix}-lambda-orchestrator-role"
    ecs_cluster           = var.prefix
    task_family           = "${local.base}-bottles-sync"
    ecr_repository        = "${local.base}-bottles-sync"
    ecs_log_group         = "/aws/ecs/${var.prefix}"
    ecs_task_role         = "${var.prefix}-ecs-task-role"
    ecs_execution_role    = "${var.prefix}-ecs-execution-role"
    container_name        = "worker"
    schedule_rule         = "${var.prefix}-schedule"
    ecs_failure_rule      = "${var.prefix}-ecs-task-failed"
    slack_secret          = "${var.prefix}/slack-webhook"
    sns_topic             = "${var.prefix}-alerts"
    alarm_lambda_errors   = "${var.prefix}-lambda-errors"
    alarm_ecs_failures    = "${var.prefix}-ecs-failures"
    alarm_lambda_duration = "${var.prefix}-lambda-duration"
    alarm_stale_mirror    = "${var.prefix}-stale-mirror"
    dashboard             = var.prefix
    security_group        = "${var.prefix}-tasks"
    vpc                   = var.prefix
    index_key             = "bottles_hash.json"
    schedule_expression   = var.schedule_expression
    metrics_namespace     = "HomebrewSync"
  }

  # Names Terraform needs beyond those the CLI knows; same prefix.
  extra_names = {
    bucket_default = "${var.prefix}-bottles-${data.aws_caller_identity.current.account_id}"
    kms_alias      = var.prefix
    flow_log_group = "/aws/vpc/${var.prefix}-flow-logs"
    flow_log_role  = "${var.prefix}-vpc-flow-logs-role"
  }
}
