# Everything switched on: a second deployment next to the default one (its own prefix), a
# daily schedule, more tags, NAT per AZ, EFS scratch for the workers, the CDN, e-mail alerts,
# pruning, Graviton workers with pinned, immutable image tags.

module "brewsync" {
  source = "../.."

  region          = var.region
  prefix          = var.prefix
  lambda_zip_path = var.lambda_zip_path
  tags            = { Environment = "production", Owner = "platform" }

  lambda_memory_mb            = 3008
  lambda_reserved_concurrency = 2
  mirror_tags                 = ["arm64_sequoia", "arm64_sonoma", "arm64_ventura", "sonoma", "x86_64_linux", "all"]
  size_threshold_gb           = 10
  shard_count                 = 8
  prune_after_days            = 30

  schedule_expression = "cron(0 2 * * ? *)"
  schedule_enabled    = true

  vpc_cidr               = "10.60.0.0/16"
  az_count               = 3
  one_nat_gateway_per_az = true

  worker_cpu                   = 2048
  worker_memory_mb             = 8192
  worker_ephemeral_storage_gib = 100
  worker_cpu_architecture      = "ARM64"
  worker_image_tag             = var.worker_image_tag
  worker_image_tag_mutability  = "IMMUTABLE"
  enable_efs_scratch           = true

  log_retention_days    = 400
  alert_email_addresses = var.alert_email_addresses
  stale_after_days      = 2
  runs_expiration_days  = 14
  index_noncurrent_days = 180

  enable_cdn      = true
  cdn_price_class = "PriceClass_All"
}
