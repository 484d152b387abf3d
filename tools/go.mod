module github.com/esxi-commander/terraform-provider-ceso/tools

go 1.25
