output "cluster_name" {
  description = "Name of the ECS cluster (ECS_CLUSTER of the orchestrator)."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "task_family" {
  description = "Family of the worker task definition (TASK_DEFINITION of the orchestrator: RunTask uses its latest revision)."
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_arn" {
  description = "ARN of the current revision of the worker task definition."
  value       = aws_ecs_task_definition.this.arn
}

output "container_name" {
  description = "Name of the worker container (target of RunTask overrides)."
  value       = var.container_name
}

output "task_role_arn" {
  description = "ARN of the task role (the orchestrator may pass it to ECS)."
  value       = aws_iam_role.task.arn
}

output "task_role_name" {
  description = "Name of the task role."
  value       = aws_iam_role.task.name
}

output "execution_role_arn" {
  description = "ARN of the execution role (the orchestrator may pass it to ECS)."
  value       = aws_iam_role.execution.arn
}

output "execution_role_name" {
  description = "Name of the execution role."
  value       = aws_iam_role.execution.name
}

output "ecr_repository_url" {
  description = "URL of the worker image repository (`docker push <url>:<tag>`)."
  value       = aws_ecr_repository.this.repository_url
}

output "image" {
  description = "Image reference the task definition runs."
  value       = local.image
}

output "log_group_name" {
  description = "Name of the worker log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "efs_file_system_id" {
  description = "ID of the EFS scratch file system, or null when EFS scratch is disabled."
  value       = var.enable_efs_scratch ? aws_efs_file_system.scratch[0].id : null
}

output "ecr_repository_name" {
  description = "Name of the worker image repository."
  value       = aws_ecr_repository.this.name
}
