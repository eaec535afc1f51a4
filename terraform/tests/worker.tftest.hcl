# The Fargate task definition and the two ECS roles.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  cluster_name        = "homebrew-sync"
  task_family         = "homebrew-bottles-sync"
  ecr_repository_name = "homebrew-bottles-sync"
  log_group_name      = "/aws/ecs/homebrew-sync"
  task_role_name      = "homebrew-sync-ecs-task-role"
  execution_role_name = "homebrew-sync-ecs-execution-role"
  name_prefix         = "homebrew-sync"
  kms_key_arn         = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  bucket_name         = "homebrew-sync-bottles-123456789012"
  bucket_arn          = "arn:aws:s3:::homebrew-sync-bottles-123456789012"
  slack_secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:homebrew-sync/slack-webhook-AbCdEf"
  slack_secret_id     = "homebrew-sync/slack-webhook"
  api_url             = "https://formulae.brew.sh/api"
}

run "task_definition" {
  command = apply

  module {
    source = "./modules/worker"
  }

  assert {
    condition     = aws_ecs_task_definition.this.family == "homebrew-bottles-sync"
    error_message = "task family"
  }
  assert {
    condition     = aws_ecs_task_definition.this.requires_compatibilities == toset(["FARGATE"]) && aws_ecs_task_definition.this.network_mode == "awsvpc"
    error_message = "Fargate with awsvpc networking"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].name == "worker"
    error_message = "the container is called worker"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].memory == 4096
    error_message = "the container has a container-level memory limit"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].command == ["python", "-m", "sync_runtime.worker"]
    error_message = "the container runs the worker module"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.options["awslogs-group"] == "/aws/ecs/homebrew-sync"
    error_message = "logs go to /aws/ecs/homebrew-sync"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/ecs/homebrew-sync" && aws_ecs_cluster.this.name == "homebrew-sync" && aws_ecr_repository.this.name == "homebrew-bottles-sync"
    error_message = "log group, cluster and repository names"
  }
  assert {
    condition     = aws_iam_role.task.name == "homebrew-sync-ecs-task-role" && aws_iam_role.execution.name == "homebrew-sync-ecs-execution-role"
    error_message = "role names"
  }
  assert {
    condition     = length(aws_efs_file_system.scratch) == 0
    error_message = "EFS scratch is off by default"
  }
}

run "iam_least_privilege" {
  command = apply

  module {
    source = "./modules/worker"
  }

  assert {
    condition     = alltrue([for s in concat(data.aws_iam_policy_document.task.statement, data.aws_iam_policy_document.execution.statement) : !contains(s.actions, "*") && alltrue([for a in s.actions : !endswith(a, ":*")])])
    error_message = "no wildcard actions"
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.task.statement : !contains(s.resources, "*")])
    error_message = "the task role has no '*' resource"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.execution.statement : s.sid if contains(s.resources, "*")] == ["GetEcrToken"]
    error_message = "only ecr:GetAuthorizationToken (which has no resource-level permissions) may use '*'"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.task.statement : s.resources if s.sid == "ReadWriteMirrorObjects"]) == toset(["arn:aws:s3:::homebrew-sync-bottles-123456789012/*"])
    error_message = "the task may use only this bucket's keys"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.task.statement : s.resources if s.sid == "ReadSlackWebhook"]) == toset(["arn:aws:secretsmanager:us-east-1:123456789012:secret:homebrew-sync/slack-webhook-AbCdEf"])
    error_message = "the task may read only the Slack secret"
  }
}

run "efs_scratch" {
  command = apply

  module {
    source = "./modules/worker"
  }

  variables {
    enable_efs_scratch     = true
    vpc_id                 = "vpc-123"
    subnet_ids             = ["subnet-a", "subnet-b"]
    task_security_group_id = "sg-tasks"
  }

  assert {
    condition     = length(aws_efs_mount_target.scratch) == 2 && aws_efs_file_system.scratch[0].encrypted
    error_message = "an encrypted file system with a mount target per subnet"
  }
  assert {
    condition     = one([for v in aws_ecs_task_definition.this.volume : v if v.name == "scratch"]).efs_volume_configuration[0].transit_encryption == "ENABLED"
    error_message = "EFS traffic is encrypted in transit"
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.tasks_to_efs[0].from_port == 2049 && aws_vpc_security_group_egress_rule.tasks_to_efs[0].referenced_security_group_id == aws_security_group.efs[0].id
    error_message = "tasks reach NFS on the EFS security group only"
  }
}

run "efs_needs_network" {
  command = plan

  module {
    source = "./modules/worker"
  }

  variables {
    enable_efs_scratch = true
  }

  expect_failures = [aws_security_group.efs]
}
