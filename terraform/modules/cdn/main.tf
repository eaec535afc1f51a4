# An optional CDN for `brew` clients. It reads the private bucket through origin access control
# (SigV4-signed), and it never forwards the client's Authorization header: brew sends
# "Authorization: Bearer …" for manifests, which plain S3 would reject with 400.

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = var.name
  description                       = "brewsync mirror bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# No headers, cookies or query strings in the cache key, and no origin request policy: so the
# Authorization header is neither cached on nor forwarded to S3.
resource "aws_cloudfront_cache_policy" "this" {
  name        = "${var.name}-mirror"
  comment     = "brewsync: cache by path only; drops Authorization"
  default_ttl = var.default_ttl_seconds
  max_ttl     = 31536000
  min_ttl     = 0

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    headers_config {
      header_behavior = "none"
    }

    cookies_config {
      cookie_behavior = "none"
    }

    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "this" {
  name    = "${var.name}-mirror"
  comment = "brewsync: security headers"

  security_headers_config {
    content_type_options {
      override = true
    }

    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_68:WAF is optional through var.web_acl_id: the mirror serves public, immutable Homebrew bottles and a web ACL costs more than the traffic it would filter.
  #checkov:skip=CKV2_AWS_47:No web ACL is attached by default (see CKV_AWS_68); attach one with the managed rule groups through var.web_acl_id.
  #checkov:skip=CKV_AWS_86:Access logging is optional through var.access_log_bucket_domain_name, because it needs a log bucket with ACLs enabled that this module does not own.
  #checkov:skip=CKV_AWS_310:There is one origin, the mirror bucket; a failover origin would be a second full copy of the mirror.
  #checkov:skip=CKV_AWS_374:Homebrew clients anywhere may use the mirror; restrict it with a web ACL when needed.
  #checkov:skip=CKV_AWS_174:The distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; a custom domain with its own ACM certificate is out of scope.
  #checkov:skip=CKV2_AWS_42:The default *.cloudfront.net certificate is used deliberately: brew clients only need HTTPS to a stable host name.
  #checkov:skip=CKV_AWS_305:The mirror has no index page: brew requests exact object keys only.
  enabled         = true
  is_ipv6_enabled = true
  comment         = "brewsync mirror (${var.name})"
  price_class     = var.price_class
  web_acl_id      = var.web_acl_id
  http_version    = "http2and3"

  origin {
    origin_id                = "mirror-bucket"
    domain_name              = var.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  default_cache_behavior {
    target_origin_id           = "mirror-bucket"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.this.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
  }

  dynamic "logging_config" {
    for_each = var.access_log_bucket_domain_name == null ? [] : [var.access_log_bucket_domain_name]
    content {
      bucket          = logging_config.value
      include_cookies = false
      prefix          = "${var.name}/"
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
