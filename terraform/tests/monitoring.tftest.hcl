# The alarm set, the ECS failure rule and the dashboard.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  alarm_names = {
    lambda_errors   = "homebrew-sync-lambda-errors"
    ecs_failures    = "homebrew-sync-ecs-failures"
    lambda_duration = "homebrew-sync-lambda-duration"
    stale_mirror    = "homebrew-sync-stale-mirror"
  }
  dashboard_name        = "homebrew-sync"
  ecs_failure_rule_name = "homebrew-sync-ecs-task-failed"
  sns_topic_arn         = "arn:aws:sns:us-east-1:123456789012:homebrew-sync-alerts"
  function_name         = "homebrew-sync-orchestrator"
  ecs_cluster_name      = "homebrew-sync"
  ecs_cluster_arn       = "arn:aws:ecs:us-east-1:123456789012:cluster/homebrew-sync"
  bucket_name           = "homebrew-sync-bottles-123456789012"
  log_group_names       = ["/aws/lambda/homebrew-sync-orchestrator", "/aws/ecs/homebrew-sync"]
}

run "alarms" {
  command = apply

  module {
    source = "./modules/monitoring"
  }

  assert {
    condition = toset([
      aws_cloudwatch_metric_alarm.lambda_errors.alarm_name,
      aws_cloudwatch_metric_alarm.ecs_failures.alarm_name,
      aws_cloudwatch_metric_alarm.lambda_duration.alarm_name,
      aws_cloudwatch_metric_alarm.stale_mirror.alarm_name,
    ]) == toset(["homebrew-sync-lambda-errors", "homebrew-sync-ecs-failures", "homebrew-sync-lambda-duration", "homebrew-sync-stale-mirror"])
    error_message = "the four alarms"
  }
  assert {
    condition = alltrue([for a in [
      aws_cloudwatch_metric_alarm.lambda_errors, aws_cloudwatch_metric_alarm.ecs_failures,
      aws_cloudwatch_metric_alarm.lambda_duration, aws_cloudwatch_metric_alarm.stale_mirror,
    ] : a.alarm_actions == toset([var.sns_topic_arn])])
    error_message = "every alarm notifies the alerts topic"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.lambda_errors.namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.lambda_errors.metric_name == "Errors" && aws_cloudwatch_metric_alarm.lambda_errors.dimensions.FunctionName == "homebrew-sync-orchestrator"
    error_message = "errors alarm watches the orchestrator's Errors"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.lambda_duration.metric_name == "Duration" && aws_cloudwatch_metric_alarm.lambda_duration.statistic == "Maximum" && aws_cloudwatch_metric_alarm.lambda_duration.threshold == 720000
    error_message = "duration alarm at 80% of the 900 s timeout"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.ecs_failures.namespace == "AWS/Events" && aws_cloudwatch_metric_alarm.ecs_failures.dimensions.RuleName == "homebrew-sync-ecs-task-failed"
    error_message = "ECS failures alarm counts the failure rule's matches"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.ecs_failures.event_pattern).detail.clusterArn == [var.ecs_cluster_arn] && jsondecode(aws_cloudwatch_event_rule.ecs_failures.event_pattern).detail.lastStatus == ["STOPPED"]
    error_message = "the failure rule matches stopped tasks of this cluster"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.stale_mirror.namespace == "HomebrewSync" && aws_cloudwatch_metric_alarm.stale_mirror.metric_name == "SyncDuration" && aws_cloudwatch_metric_alarm.stale_mirror.treat_missing_data == "breaching"
    error_message = "stale mirror: missing HomebrewSync/SyncDuration counts as breaching"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.stale_mirror.period * aws_cloudwatch_metric_alarm.stale_mirror.evaluation_periods <= 604800
    error_message = "CloudWatch rejects alarms that evaluate more than 7 days"
  }
  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "homebrew-sync" && length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) >= 5
    error_message = "the dashboard"
  }
}

run "stale_window_is_capped" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    stale_after_days = 8
  }

  expect_failures = [var.stale_after_days]
}
