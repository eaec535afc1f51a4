# The mirror bucket and the deployment's KMS key.
#
# Layout (see ARCHITECTURE.md): v2/ (OCI blobs and manifests), bottles/ (flat bottle names),
# api/ (signed API files), runs/<run-id>/ (plans, shard results, reports) and the index
# bottles_hash.json at the root. Versioning keeps the index history for `brewsync hash restore`.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
}

resource "aws_kms_key" "this" {
  description             = "brewsync ${var.kms_alias_name}: mirror bucket, logs, ECR, secret, SNS and EFS"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.kms_alias_name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Server access logs would need a second bucket per deployment; CloudTrail data events are the audit trail where required, and runs/ records every sync.
  #checkov:skip=CKV_AWS_144:A mirror is re-creatable from upstream Homebrew; cross-region replication would double storage cost for data that is public anyway.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events: the orchestrator and workers write the run report themselves, so event notifications would have no target.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    # One data key per bucket instead of one KMS call per object: tens of thousands of bottles.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # Lifecycle rules apply to versions, so versioning must exist first.
  depends_on = [aws_s3_bucket_versioning.this]

  rule {
    id     = "expire-run-records"
    status = "Enabled"

    filter {
      prefix = "runs/"
    }

    expiration {
      days = var.runs_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "expire-old-index-versions"
    status = "Enabled"

    filter {
      prefix = var.index_key
    }

    noncurrent_version_expiration {
      noncurrent_days = var.index_noncurrent_days
    }
  }

  # Pruned or replaced mirror objects (v2/, bottles/, api/) stay recoverable for a while.
  # Written out rather than generated with `dynamic`, so scanners see every rule.
  rule {
    id     = "expire-noncurrent-v2"
    status = "Enabled"

    filter {
      prefix = "v2/"
    }

    noncurrent_version_expiration {
      noncurrent_days = var.mirror_noncurrent_days
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "expire-noncurrent-bottles"
    status = "Enabled"

    filter {
      prefix = "bottles/"
    }

    noncurrent_version_expiration {
      noncurrent_days = var.mirror_noncurrent_days
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "expire-noncurrent-api"
    status = "Enabled"

    filter {
      prefix = "api/"
    }

    noncurrent_version_expiration {
      noncurrent_days = var.mirror_noncurrent_days
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_multipart_days
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # A bucket policy put before the public access block can race with it.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
