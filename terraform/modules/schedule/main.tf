# The weekly trigger: an EventBridge rule that invokes the orchestrator with {"source": "schedule"}.

resource "aws_cloudwatch_event_rule" "this" {
  name                = var.rule_name
  description         = "brewsync: start the weekly Homebrew bottle sync"
  schedule_expression = var.schedule_expression
  state               = var.enabled ? "ENABLED" : "DISABLED"
}

resource "aws_cloudwatch_event_target" "orchestrator" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "orchestrator"
  arn       = var.function_arn
  input     = jsonencode(var.input)
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowExecutionFromEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this.arn
}
