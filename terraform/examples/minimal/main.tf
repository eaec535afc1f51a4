# The smallest deployment: every default name (homebrew-sync-…), the weekly schedule, one NAT
# gateway, no CDN. Only the Lambda zip is required.
#
#   brewsync package                       # builds the zip and the worker image context
#   terraform init && terraform apply -var lambda_zip_path=../../../dist/brewsync-lambda.zip

module "brewsync" {
  source = "../.."

  region          = var.region
  lambda_zip_path = var.lambda_zip_path
}
