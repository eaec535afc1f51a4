# The bucket, the private network and the CDN.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "bucket" {
  command = apply

  module {
    source = "./modules/storage"
  }

  variables {
    bucket_name    = "homebrew-sync-bottles-123456789012"
    kms_alias_name = "homebrew-sync"
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "versioning keeps the index history"
  }
  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "public access is blocked"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "objects are encrypted with the deployment key"
  }
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.filter[0].prefix if r.id == "expire-run-records"]) == "runs/"
    error_message = "run records expire"
  }
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r if r.id == "expire-old-index-versions"]).filter[0].prefix == "bottles_hash.json" && one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r if r.id == "expire-old-index-versions"]).noncurrent_version_expiration[0].noncurrent_days == 90
    error_message = "old index versions expire after 90 days"
  }
  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "the key rotates"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.bucket.statement : s.sid] == ["DenyInsecureTransport"]
    error_message = "without the CDN the bucket policy only denies plain HTTP"
  }
}

run "network" {
  command = apply

  module {
    source = "./modules/network"
  }

  variables {
    name                = "homebrew-sync"
    security_group_name = "homebrew-sync-tasks"
    kms_key_arn         = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    flow_log_group_name = "/aws/vpc/homebrew-sync-flow-logs"
    flow_log_role_name  = "homebrew-sync-vpc-flow-logs-role"
  }

  assert {
    condition     = aws_vpc.this.enable_dns_hostnames && aws_vpc.this.enable_dns_support
    error_message = "VPC DNS hostnames are on (Fargate, and moto's RunTask)"
  }
  assert {
    condition     = length(aws_subnet.private) == 2 && length(aws_nat_gateway.this) == 1
    error_message = "two private subnets share one NAT gateway by default"
  }
  assert {
    condition     = alltrue([for r in aws_route.private_nat : r.destination_cidr_block == "0.0.0.0/0" && r.nat_gateway_id == aws_nat_gateway.this[0].id])
    error_message = "private subnets route 0.0.0.0/0 to the NAT gateway"
  }
  assert {
    condition     = aws_security_group.tasks.name == "homebrew-sync-tasks"
    error_message = "task security group name"
  }
  assert {
    condition = toset([
      for r in [aws_vpc_security_group_egress_rule.https, aws_vpc_security_group_egress_rule.dns_udp, aws_vpc_security_group_egress_rule.dns_tcp] :
      "${r.ip_protocol}/${r.from_port}-${r.to_port}"
    ]) == toset(["tcp/443-443", "udp/53-53", "tcp/53-53"])
    error_message = "egress: 443/tcp, 53/udp and 53/tcp only"
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.dns_udp.cidr_ipv4 == "10.42.0.2/32"
    error_message = "DNS goes to the VPC resolver"
  }
}

run "cdn" {
  command = apply

  module {
    source = "./modules/cdn"
  }

  variables {
    name                        = "homebrew-sync"
    bucket_regional_domain_name = "homebrew-sync-bottles-123456789012.s3.us-east-1.amazonaws.com"
  }

  assert {
    condition     = aws_cloudfront_cache_policy.this.parameters_in_cache_key_and_forwarded_to_origin[0].headers_config[0].header_behavior == "none"
    error_message = "no viewer header (Authorization included) reaches the origin"
  }
  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].origin_request_policy_id == null || aws_cloudfront_distribution.this.default_cache_behavior[0].origin_request_policy_id == ""
    error_message = "no origin request policy forwards headers"
  }
  assert {
    condition     = aws_cloudfront_origin_access_control.this.signing_behavior == "always"
    error_message = "CloudFront signs every origin request (replacing any Authorization header)"
  }
  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].viewer_protocol_policy == "redirect-to-https"
    error_message = "HTTPS for clients"
  }
}
