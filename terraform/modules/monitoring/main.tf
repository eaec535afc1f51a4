# What tells people the mirror is unhealthy: four alarms on the alerts topic, an EventBridge rule
# that turns a failed worker task into a metric and a message, and one dashboard.

data "aws_region" "current" {}

locals {
  region                      = data.aws_region.current.name
  duration_threshold_ms       = var.lambda_timeout_seconds * 1000 * var.duration_alarm_percent / 100
  alarm_actions               = [var.sns_topic_arn]
  custom_metrics              = ["BottlesDownloaded", "BytesDownloaded", "BottlesFailed", "SyncDuration", "PlanBytes"]
  stale_dimensions_for_widget = flatten([for k in sort(keys(var.stale_metric_dimensions)) : [k, var.stale_metric_dimensions[k]]])
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  alarm_name          = var.alarm_names.lambda_errors
  alarm_description   = "The orchestrator raised an error. See runbooks/lambda.md."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = var.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_duration" {
  alarm_name          = var.alarm_names.lambda_duration
  alarm_description   = "An orchestrator run came within ${100 - var.duration_alarm_percent}% of its ${var.lambda_timeout_seconds}s timeout: it should hand work to ECS sooner. See runbooks/lambda.md."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = var.function_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = local.duration_threshold_ms
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# ECS publishes no "task failed" metric; this rule matches stopped worker tasks that failed to
# start or exited non-zero, and EventBridge counts its matches (AWS/Events MatchedEvents).
resource "aws_cloudwatch_event_rule" "ecs_failures" {
  name        = var.ecs_failure_rule_name
  description = "brewsync: a worker task failed to start or exited non-zero"
  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn = [var.ecs_cluster_arn]
      lastStatus = ["STOPPED"]
      "$or" = [
        { stopCode = ["TaskFailedToStart"] },
        { containers = { exitCode = [{ "anything-but" = 0 }] } },
      ]
    }
  })
}

resource "aws_cloudwatch_event_target" "ecs_failures" {
  rule      = aws_cloudwatch_event_rule.ecs_failures.name
  target_id = "alerts-topic"
  arn       = var.sns_topic_arn

  input_transformer {
    input_paths = {
      task   = "$.detail.taskArn"
      group  = "$.detail.group"
      reason = "$.detail.stoppedReason"
    }
    input_template = "\"brewsync worker task <task> (<group>) stopped: <reason>. See runbooks/ecs.md.\""
  }
}

resource "aws_cloudwatch_metric_alarm" "ecs_failures" {
  alarm_name          = var.alarm_names.ecs_failures
  alarm_description   = "A worker task failed to start or exited non-zero. See runbooks/ecs.md."
  namespace           = "AWS/Events"
  metric_name         = "MatchedEvents"
  dimensions          = { RuleName = aws_cloudwatch_event_rule.ecs_failures.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# A completed run emits its metric once a week. No datapoint for stale_after_days daily periods
# (missing data counts as breaching) means no run has completed: the mirror is going stale.
resource "aws_cloudwatch_metric_alarm" "stale_mirror" {
  alarm_name          = var.alarm_names.stale_mirror
  alarm_description   = "No completed sync (${var.metrics_namespace}/${var.stale_metric_name}) for ${var.stale_after_days} days. See runbooks/schedule.md."
  namespace           = var.metrics_namespace
  metric_name         = var.stale_metric_name
  dimensions          = length(var.stale_metric_dimensions) > 0 ? var.stale_metric_dimensions : null
  statistic           = "SampleCount"
  period              = 86400
  evaluation_periods  = var.stale_after_days
  datapoints_to_alarm = var.stale_after_days
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.dashboard_name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "alarm", x = 0, y = 0, width = 24, height = 3
        properties = {
          title = "Alarms"
          alarms = [
            aws_cloudwatch_metric_alarm.lambda_errors.arn,
            aws_cloudwatch_metric_alarm.ecs_failures.arn,
            aws_cloudwatch_metric_alarm.lambda_duration.arn,
            aws_cloudwatch_metric_alarm.stale_mirror.arn,
          ]
        }
      },
      {
        type = "metric", x = 0, y = 3, width = 12, height = 6
        properties = {
          title  = "Orchestrator"
          region = local.region
          stat   = "Sum"
          period = 3600
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", var.function_name],
            [".", "Errors", ".", "."],
            [".", "Throttles", ".", "."],
            [".", "Duration", ".", ".", { stat = "Maximum", yAxis = "right" }],
          ]
          annotations = { horizontal = [{ label = "alarm", value = local.duration_threshold_ms, yAxis = "right" }] }
        }
      },
      {
        type = "metric", x = 12, y = 3, width = 12, height = 6
        properties = {
          title  = "Workers"
          region = local.region
          period = 300
          metrics = [
            ["AWS/ECS", "CPUUtilization", "ClusterName", var.ecs_cluster_name, { stat = "Maximum" }],
            [".", "MemoryUtilization", ".", ".", { stat = "Maximum" }],
            ["AWS/Events", "MatchedEvents", "RuleName", aws_cloudwatch_event_rule.ecs_failures.name, { stat = "Sum", yAxis = "right", label = "failed tasks" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 9, width = 12, height = 6
        properties = {
          title   = "Sync (${var.metrics_namespace})"
          region  = local.region
          stat    = "Sum"
          period  = 86400
          metrics = [for m in local.custom_metrics : concat([var.metrics_namespace, m], local.stale_dimensions_for_widget)]
        }
      },
      {
        type = "metric", x = 12, y = 9, width = 12, height = 6
        properties = {
          title  = "Mirror bucket"
          region = local.region
          stat   = "Average"
          period = 86400
          metrics = [
            ["AWS/S3", "BucketSizeBytes", "BucketName", var.bucket_name, "StorageType", "StandardStorage"],
            [".", "NumberOfObjects", ".", ".", ".", "AllStorageTypes", { yAxis = "right" }],
          ]
        }
      },
      {
        type = "log", x = 0, y = 15, width = 24, height = 6
        properties = {
          title  = "Recent errors"
          region = local.region
          query  = "SOURCE ${join(" | SOURCE ", [for g in var.log_group_names : "'${g}'"])} | fields @timestamp, @logStream, @message | filter @message like /(?i)(error|exception|traceback)/ | sort @timestamp desc | limit 50"
          view   = "table"
        }
      },
    ]
  })
}
