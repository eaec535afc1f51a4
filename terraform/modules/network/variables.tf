variable "name" {
  description = "Name of the VPC; also the prefix of its subnets, route tables, NAT gateways and flow log resources."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,62}$", var.name))
    error_message = "name must be lowercase letters, digits and '-'."
  }
}

variable "security_group_name" {
  description = "Name of the security group of the ECS worker tasks."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC, a /16 to /20. Private subnets take /4 slices of it, public (NAT) subnets small slices at its top."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr_block)) && tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be a valid IPv4 CIDR between /16 and /20."
  }
}

variable "az_count" {
  description = "Number of availability zones, one private and one public subnet in each."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 4
    error_message = "az_count must be between 1 and 4."
  }
}

variable "one_nat_gateway_per_az" {
  description = "One NAT gateway per availability zone (survives an AZ outage) instead of one shared NAT gateway (cheaper: a weekly batch job tolerates a retry)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the flow log group."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group, in days (a CloudWatch Logs retention value)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "flow_log_group_name" {
  description = "Name of the CloudWatch log group receiving the VPC flow logs."
  type        = string
}

variable "flow_log_role_name" {
  description = "Name of the IAM role VPC Flow Logs assumes to write to its log group."
  type        = string
}
