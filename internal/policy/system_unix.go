//go:build !windows

package policy

// defaultSystemPath is the fixed path of the system policy. It is a
// constant, not an environment lookup, so the user of the provider cannot
// move it.
const defaultSystemPath = "/etc/ceso/policy.json"
