# Where large syncs run: an ECS cluster, the Fargate task definition the orchestrator starts
# (one task per shard, `python -m sync_runtime.worker`), the image repository and the log group.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  image      = coalesce(var.image, "${aws_ecr_repository.this.repository_url}:${var.image_tag}")

  scratch_dir = "/mnt/scratch"

  environment = merge(
    {
      BUCKET             = var.bucket_name
      SLACK_SECRET_ID    = var.slack_secret_id
      API_URL            = var.api_url
      BREWSYNC_PREFIX    = var.name_prefix
      AWS_DEFAULT_REGION = local.region
      TMPDIR             = "/tmp"
    },
    var.enable_efs_scratch ? { SCRATCH_DIR = local.scratch_dir } : {},
    var.environment,
  )

  mount_points = concat(
    [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }],
    var.enable_efs_scratch ? [{ sourceVolume = "scratch", containerPath = local.scratch_dir, readOnly = false }] : [],
  )

  container_definitions = [
    {
      name      = var.container_name
      image     = local.image
      essential = true
      command   = ["python", "-m", "sync_runtime.worker"]
      # Container-level hard limit as well as the task's: moto's RunTask requires it, and it
      # makes an out-of-memory shard fail visibly (exit 137) instead of starving siblings.
      memory                 = var.memory_mb
      cpu                    = var.cpu
      readonlyRootFilesystem = true
      environment            = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
      mountPoints            = local.mount_points
      linuxParameters        = { initProcessEnabled = true }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = aws_cloudwatch_log_group.this.name
          "awslogs-region"        = local.region
          "awslogs-stream-prefix" = var.container_name
        }
      }
    },
  ]
}

resource "aws_ecs_cluster" "this" {
  name = var.cluster_name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_ecr_repository" "this" {
  #checkov:skip=CKV_AWS_51:Tags are mutable by default because each release re-pushes the tag the task definition follows; set image_tag_mutability = "IMMUTABLE" and pin image_tag to version tags to forbid overwrites.
  name                 = var.ecr_repository_name
  image_tag_mutability = var.image_tag_mutability
  force_delete         = var.force_delete_repository

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.images_to_keep} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.images_to_keep
      }
      action = { type = "expire" }
    }]
  })
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.task_family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory_mb)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.container_definitions)

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  ephemeral_storage {
    size_in_gib = var.ephemeral_storage_gib
  }

  # The root file system is read-only; /tmp is a task-local bind mount on ephemeral storage.
  volume {
    name = "tmp"
  }

  dynamic "volume" {
    for_each = var.enable_efs_scratch ? [1] : []
    content {
      name = "scratch"

      efs_volume_configuration {
        file_system_id     = aws_efs_file_system.scratch[0].id
        transit_encryption = "ENABLED"

        authorization_config {
          access_point_id = aws_efs_access_point.scratch[0].id
          iam             = "ENABLED"
        }
      }
    }
  }
}

# Optional EFS scratch space --------------------------------------------------------------

resource "aws_efs_file_system" "scratch" {
  #checkov:skip=CKV2_AWS_18:Scratch space holds only transient partial downloads; the bucket is the record, so backing it up would store garbage.
  count = var.enable_efs_scratch ? 1 : 0

  creation_token   = "${var.name_prefix}-scratch"
  encrypted        = true
  kms_key_id       = var.kms_key_arn
  performance_mode = "generalPurpose"
  throughput_mode  = var.efs_throughput_mode

  lifecycle_policy {
    transition_to_ia = "AFTER_7_DAYS"
  }

  tags = { Name = "${var.name_prefix}-scratch" }
}

resource "aws_efs_access_point" "scratch" {
  count = var.enable_efs_scratch ? 1 : 0

  file_system_id = aws_efs_file_system.scratch[0].id

  posix_user {
    uid = var.efs_posix_uid
    gid = var.efs_posix_uid
  }

  root_directory {
    path = "/scratch"
    creation_info {
      owner_uid   = var.efs_posix_uid
      owner_gid   = var.efs_posix_uid
      permissions = "0750"
    }
  }
}

resource "aws_efs_file_system_policy" "scratch" {
  count = var.enable_efs_scratch ? 1 : 0

  file_system_id = aws_efs_file_system.scratch[0].id
  policy         = data.aws_iam_policy_document.efs[0].json
}

resource "aws_security_group" "efs" {
  count = var.enable_efs_scratch ? 1 : 0

  name        = "${var.name_prefix}-efs"
  description = "brewsync EFS scratch: NFS from the worker tasks only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name_prefix}-efs" }

  lifecycle {
    precondition {
      condition     = var.vpc_id != null && var.task_security_group_id != null && length(var.subnet_ids) > 0
      error_message = "enable_efs_scratch needs vpc_id, subnet_ids and task_security_group_id."
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "efs_from_tasks" {
  count = var.enable_efs_scratch ? 1 : 0

  security_group_id            = aws_security_group.efs[0].id
  description                  = "NFS from the worker tasks"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = var.task_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_efs" {
  count = var.enable_efs_scratch ? 1 : 0

  security_group_id            = var.task_security_group_id
  description                  = "NFS to the EFS scratch mount targets only"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.efs[0].id
}

resource "aws_efs_mount_target" "scratch" {
  count = var.enable_efs_scratch ? length(var.subnet_ids) : 0

  file_system_id  = aws_efs_file_system.scratch[0].id
  subnet_id       = var.subnet_ids[count.index]
  security_groups = [aws_security_group.efs[0].id]
}
