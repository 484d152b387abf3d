provider "ceso" {
  host           = "esxi01.example.com" # or CESO_HOST
  username       = "terraform"          # or CESO_USERNAME
  password       = var.esxi_password    # or CESO_PASSWORD
  tls_thumbprint = var.esxi_thumbprint  # pins the host's self-signed certificate

  mode       = "standard"                  # restricted | standard | unrestricted (or CESO_MODE)
  audit_file = "/var/log/ceso/audit.jsonl" # or CESO_AUDIT_FILE

  pool {
    max_sessions = 10
  }
}

variable "esxi_password" {
  type      = string
  sensitive = true
}

variable "esxi_thumbprint" {
  type = string
}
