variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "prefix" {
  description = "Prefix of this deployment's names; differs from the default so it can live beside one."
  type        = string
  default     = "brew-mirror"
}

variable "lambda_zip_path" {
  description = "Path of the orchestrator zip built by `brewsync package`."
  type        = string
}

variable "worker_image_tag" {
  description = "Version tag of the worker image pushed to ECR (tags are immutable here)."
  type        = string
  default     = "0.1.0"
}

variable "alert_email_addresses" {
  description = "E-mail addresses subscribed to the alerts topic."
  type        = list(string)
  default     = []
}
