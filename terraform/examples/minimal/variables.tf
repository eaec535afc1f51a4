variable "region" {
  description = "AWS region to deploy to; null uses AWS_REGION or the profile's region."
  type        = string
  default     = null
}

variable "lambda_zip_path" {
  description = "Path of the orchestrator zip built by `brewsync package`."
  type        = string
}
