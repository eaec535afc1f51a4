# The whole deployment wired together, with the default settings and with the CDN on.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  lambda_zip_path = "tests/fixtures/lambda.zip"
  region          = "us-east-1"
}

run "defaults" {
  command = apply

  assert {
    condition     = output.lambda_function_name == "homebrew-sync-orchestrator" && output.ecs_cluster == "homebrew-sync" && output.task_family == "homebrew-bottles-sync"
    error_message = "default function, cluster and task family"
  }
  assert {
    condition     = output.schedule_rule == "homebrew-sync-schedule" && output.schedule_expression == "cron(0 3 ? * SUN *)"
    error_message = "default schedule"
  }
  assert {
    condition     = output.slack_secret_id == "homebrew-sync/slack-webhook" && output.bucket == "homebrew-sync-bottles-123456789012"
    error_message = "default secret and bucket"
  }
  assert {
    condition     = toset(output.alarm_names) == toset(["homebrew-sync-lambda-errors", "homebrew-sync-ecs-failures", "homebrew-sync-lambda-duration", "homebrew-sync-stale-mirror"])
    error_message = "the alarm set"
  }
  assert {
    condition     = length(output.subnets) == 2 && length(output.security_groups) == 1 && output.cdn_url == null
    error_message = "two private subnets, one task security group, no CDN"
  }
  assert {
    condition     = module.orchestrator.timeout_seconds == 900 && module.orchestrator.memory_mb == 2048
    error_message = "function timeout 900 s and memory 2048 MB"
  }
  assert {
    condition     = module.orchestrator.environment.SUBNETS == join(",", output.subnets) && module.orchestrator.environment.SECURITY_GROUPS == join(",", output.security_groups)
    error_message = "the orchestrator starts tasks in the network Terraform built"
  }
  assert {
    condition     = module.orchestrator.environment.SLACK_SECRET_ID == output.slack_secret_id && module.orchestrator.environment.BUCKET == output.bucket
    error_message = "the orchestrator reads the deployment's secret and bucket"
  }
}

run "custom_prefix_and_cdn" {
  command = apply

  variables {
    prefix      = "acme-sync"
    bucket_name = "acme-bottles"
    enable_cdn  = true
  }

  assert {
    condition     = output.lambda_function_name == "acme-sync-orchestrator" && output.task_family == "acme-bottles-sync" && output.bucket == "acme-bottles"
    error_message = "names follow the prefix"
  }
  assert {
    condition     = output.cdn_url == "https://dmock.cloudfront.net"
    error_message = "the CDN's URL is an output"
  }
}

run "memory_below_1024_is_rejected" {
  command = plan

  variables {
    lambda_memory_mb = 1000
  }

  expect_failures = [var.lambda_memory_mb]
}
