// Package chaos holds ceso's chaos scenarios: acceptance tests that run the
// real Terraform or OpenTofu CLI against a simulated ESXi host while the
// network partitions, the datastore fills up, calls outlast api_timeout,
// sessions expire, the provider process dies mid-create, the host runs the
// free licence or presents an untrusted certificate. Each scenario asserts
// the error the user sees, that nothing leaked on the host (VMs, snapshots,
// datastore files, sessions) and that the next apply converges. The
// security scenarios check that a refused change sends no write to the host.
//
// The package has only tests. The test binary doubles as the provider
// binary: run by the CLI (through a dev_overrides CLI configuration) with
// CESO_CHAOS_SERVE set, it serves the provider instead of running tests, so
// each CLI run talks to a separate provider process built from the code
// under test, exactly as a user's CLI does.
//
//	TF_ACC=1 go test ./internal/chaos -count=1
//	TF_ACC=1 TF_ACC_TERRAFORM_PATH=$PWD/bin/terraform go test ./internal/chaos -count=1
package chaos
