// Package policy decides whether ceso may change something on an ESXi host.
//
// It knows three modes (restricted < standard < unrestricted), the actions a
// resource can take, the system policy file that caps the mode and lists the
// approvers' public keys, and the signed elevation grants those approvers
// issue. It has no Terraform types and no side effects: callers (the guard)
// pass the clock in, so every decision is reproducible in a test.
package policy
