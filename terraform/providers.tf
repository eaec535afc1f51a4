provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Project = "brewsync", BrewsyncPrefix = var.prefix }, var.tags)
  }
}
