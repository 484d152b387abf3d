//go:build windows

package policy

// defaultSystemPath is %ProgramData%\ceso\policy.json spelt out: reading the
// ProgramData variable would let the environment, which an agent controls,
// move the system policy.
const defaultSystemPath = `C:\ProgramData\ceso\policy.json`
