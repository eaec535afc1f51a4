# The orchestrator function's settings and its IAM policy, with a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  function_name         = "homebrew-sync-orchestrator"
  role_name             = "homebrew-sync-lambda-orchestrator-role"
  name_prefix           = "homebrew-sync"
  zip_path              = "tests/fixtures/lambda.zip"
  kms_key_arn           = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  bucket_name           = "homebrew-sync-bottles-123456789012"
  bucket_arn            = "arn:aws:s3:::homebrew-sync-bottles-123456789012"
  ecs_cluster_name      = "homebrew-sync"
  ecs_cluster_arn       = "arn:aws:ecs:us-east-1:123456789012:cluster/homebrew-sync"
  task_family           = "homebrew-bottles-sync"
  task_role_arn         = "arn:aws:iam::123456789012:role/homebrew-sync-ecs-task-role"
  execution_role_arn    = "arn:aws:iam::123456789012:role/homebrew-sync-ecs-execution-role"
  subnet_ids            = ["subnet-aaa", "subnet-bbb"]
  security_group_ids    = ["sg-123"]
  slack_secret_arn      = "arn:aws:secretsmanager:us-east-1:123456789012:secret:homebrew-sync/slack-webhook-AbCdEf"
  slack_secret_id       = "homebrew-sync/slack-webhook"
  dead_letter_topic_arn = "arn:aws:sns:us-east-1:123456789012:homebrew-sync-alerts"
}

run "function_settings" {
  command = apply

  module {
    source = "./modules/orchestrator"
  }

  assert {
    condition     = aws_lambda_function.this.function_name == "homebrew-sync-orchestrator"
    error_message = "function name"
  }
  assert {
    condition     = aws_lambda_function.this.timeout == 900
    error_message = "the orchestrator's timeout must be 900 s"
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 2048
    error_message = "default memory must be 2048 MB"
  }
  assert {
    condition     = aws_lambda_function.this.handler == "sync_runtime.orchestrator.handler" && aws_lambda_function.this.runtime == "python3.12"
    error_message = "handler and runtime"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/homebrew-sync-orchestrator"
    error_message = "log group name"
  }
  assert {
    condition = toset(keys(aws_lambda_function.this.environment[0].variables)) == toset([
      "BUCKET", "TAGS", "SIZE_THRESHOLD_GB", "SHARD_COUNT", "ECS_CLUSTER", "TASK_DEFINITION",
      "SUBNETS", "SECURITY_GROUPS", "SLACK_SECRET_ID", "API_URL", "BREWSYNC_PREFIX",
    ])
    error_message = "environment variables (PRUNE_AFTER_DAYS must be absent by default)"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables.TAGS == "arm64_sonoma,arm64_ventura,monterey"
    error_message = "TAGS is a comma list of the default tags"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables.SIZE_THRESHOLD_GB == "20"
    error_message = "SIZE_THRESHOLD_GB defaults to 20"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables.SUBNETS == "subnet-aaa,subnet-bbb" && aws_lambda_function.this.environment[0].variables.SECURITY_GROUPS == "sg-123"
    error_message = "SUBNETS and SECURITY_GROUPS are comma lists"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables.TASK_DEFINITION == "homebrew-bottles-sync" && aws_lambda_function.this.environment[0].variables.ECS_CLUSTER == "homebrew-sync"
    error_message = "routing settings"
  }
}

run "iam_least_privilege" {
  command = apply

  module {
    source = "./modules/orchestrator"
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.this.statement : !contains(s.actions, "*") && alltrue([for a in s.actions : !endswith(a, ":*")])])
    error_message = "no wildcard actions"
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.this.statement : !contains(s.resources, "*")])
    error_message = "no '*' resources (X-Ray is off by default)"
  }
  assert {
    condition = toset([for s in data.aws_iam_policy_document.this.statement : s.sid]) == toset([
      "WriteOwnLogs", "ListMirrorBucket", "ReadWriteMirrorObjects", "UseDeploymentKeyThroughItsServices",
      "RunWorkerTaskFamily", "DescribeWorkerTasks", "PassWorkerRolesToEcs",
      "ReadSlackWebhook", "PublishFailedInvocations",
    ])
    error_message = "the policy's statements"
  }
  assert {
    condition = one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "ReadWriteMirrorObjects"]) == toset(["arn:aws:s3:::homebrew-sync-bottles-123456789012/*"]) && one([for s in data.aws_iam_policy_document.this.statement : s.actions if s.sid == "ReadWriteMirrorObjects"]) == toset([
      "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject",
    ])
    error_message = "objects: only this bucket's keys"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "ListMirrorBucket"]) == toset(["arn:aws:s3:::homebrew-sync-bottles-123456789012"])
    error_message = "list: only this bucket"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "RunWorkerTaskFamily"]) == toset(["arn:aws:ecs:us-east-1:123456789012:task-definition/homebrew-bottles-sync:*"])
    error_message = "RunTask: only the worker task family"
  }
  assert {
    condition     = one(one([for s in data.aws_iam_policy_document.this.statement : s.condition if s.sid == "RunWorkerTaskFamily"])).values == tolist(["arn:aws:ecs:us-east-1:123456789012:cluster/homebrew-sync"])
    error_message = "RunTask: only on the worker cluster"
  }
  assert {
    condition = one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "PassWorkerRolesToEcs"]) == toset([
      "arn:aws:iam::123456789012:role/homebrew-sync-ecs-task-role",
      "arn:aws:iam::123456789012:role/homebrew-sync-ecs-execution-role",
    ])
    error_message = "PassRole: only the two worker roles"
  }
  assert {
    condition     = one(one([for s in data.aws_iam_policy_document.this.statement : s.condition if s.sid == "PassWorkerRolesToEcs"])).values == tolist(["ecs-tasks.amazonaws.com"])
    error_message = "PassRole: only to ECS tasks"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "ReadSlackWebhook"]) == toset(["arn:aws:secretsmanager:us-east-1:123456789012:secret:homebrew-sync/slack-webhook-AbCdEf"])
    error_message = "secrets: only the Slack webhook"
  }
  assert {
    condition     = toset(flatten([for p in data.aws_iam_policy_document.assume.statement[0].principals : p.identifiers])) == toset(["lambda.amazonaws.com"])
    error_message = "only Lambda assumes the role"
  }
}

run "pruning_is_opt_in" {
  command = plan

  module {
    source = "./modules/orchestrator"
  }

  variables {
    prune_after_days = 45
    memory_mb        = 1024
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables.PRUNE_AFTER_DAYS == "45"
    error_message = "PRUNE_AFTER_DAYS when set"
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 1024
    error_message = "1024 MB is allowed"
  }
}

run "memory_below_1024_is_rejected" {
  command = plan

  module {
    source = "./modules/orchestrator"
  }

  variables {
    memory_mb = 512
  }

  expect_failures = [var.memory_mb]
}
