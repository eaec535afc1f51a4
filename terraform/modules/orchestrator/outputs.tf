output "function_name" {
  description = "Name of the orchestrator function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the orchestrator function."
  value       = aws_lambda_function.this.arn
}

output "timeout_seconds" {
  description = "Timeout of the function in seconds (900, Lambda's maximum)."
  value       = aws_lambda_function.this.timeout
}

output "memory_mb" {
  description = "Memory of the function in MB."
  value       = aws_lambda_function.this.memory_size
}

output "role_name" {
  description = "Name of the function's IAM role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the function's IAM role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "environment" {
  description = "Environment variables the function runs with (no secrets: the webhook is read from Secrets Manager at run time)."
  value       = local.environment
}
