output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "IDs of the private subnets the ECS tasks (and EFS mount targets) run in."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "IDs of the public subnets that hold the NAT gateways."
  value       = aws_subnet.public[*].id
}

output "private_route_table_ids" {
  description = "IDs of the private route tables (0.0.0.0/0 → NAT, S3 → gateway endpoint)."
  value       = aws_route_table.private[*].id
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways."
  value       = aws_nat_gateway.this[*].id
}

output "security_group_id" {
  description = "ID of the task security group (egress 443/tcp anywhere, 53/udp+tcp to the VPC resolver)."
  value       = aws_security_group.tasks.id
}

output "flow_log_group_name" {
  description = "Name of the VPC flow log group."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "security_group_name" {
  description = "Name of the task security group."
  value       = aws_security_group.tasks.name
}

output "vpc_name" {
  description = "Name tag of the VPC."
  value       = aws_vpc.this.tags["Name"]
}
