# The weekly EventBridge trigger.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  rule_name     = "homebrew-sync-schedule"
  function_name = "homebrew-sync-orchestrator"
  function_arn  = "arn:aws:lambda:us-east-1:123456789012:function:homebrew-sync-orchestrator"
}

run "weekly_rule" {
  command = apply

  module {
    source = "./modules/schedule"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.name == "homebrew-sync-schedule"
    error_message = "rule name"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.this.schedule_expression == "cron(0 3 ? * SUN *)"
    error_message = "Sundays at 03:00 UTC"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.this.state == "ENABLED"
    error_message = "enabled by default"
  }
  assert {
    condition     = aws_cloudwatch_event_target.orchestrator.arn == var.function_arn && jsondecode(aws_cloudwatch_event_target.orchestrator.input) == { source = "schedule" }
    error_message = "the target is the orchestrator, with {\"source\": \"schedule\"}"
  }
  assert {
    condition     = aws_lambda_permission.events.principal == "events.amazonaws.com" && aws_lambda_permission.events.source_arn == aws_cloudwatch_event_rule.this.arn && aws_lambda_permission.events.function_name == "homebrew-sync-orchestrator"
    error_message = "EventBridge may invoke the function, from this rule only"
  }
}

run "disabled" {
  command = plan

  module {
    source = "./modules/schedule"
  }

  variables {
    enabled = false
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.state == "DISABLED"
    error_message = "enabled = false disables the rule"
  }
}

run "invalid_expression_is_rejected" {
  command = plan

  module {
    source = "./modules/schedule"
  }

  variables {
    schedule_expression = "0 3 * * 0"
  }

  expect_failures = [var.schedule_expression]
}
