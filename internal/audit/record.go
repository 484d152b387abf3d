package audit

import (
	"time"
)

// Record kinds: a write produces an intent then an outcome; a read or a
// refresh batch produces one read record; process-level events (start,
// stop, push failure) are events.
const (
	KindIntent  = "intent"
	KindOutcome = "outcome"
	KindRead    = "read"
	KindEvent   = "event"
)

// Outcomes recorded in outcome and read records.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeRefused = "refused"
)

// Genesis is the prev of the first record of a file.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Record is one line of the audit file. Field order is the JSON order, and
// Prev comes last so a reader sees what happened before the bookkeeping.
type Record struct {
	Time         time.Time      `json:"time"`
	RunID        string         `json:"run_id"`
	OpID         string         `json:"op_id,omitempty"`
	Kind         string         `json:"kind"`
	ResourceType string         `json:"resource_type,omitempty"`
	Object       string         `json:"object,omitempty"`
	Action       string         `json:"action,omitempty"`
	Mode         string         `json:"mode,omitempty"`
	Elevation    *Elevation     `json:"elevation,omitempty"`
	Outcome      string         `json:"outcome,omitempty"`
	Error        string         `json:"error,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	DurationMS   *float64       `json:"duration_ms,omitempty"`
	PID          int            `json:"pid"`
	Details      map[string]any `json:"details,omitempty"`
	Prev         string         `json:"prev"`
}

// Elevation names the grant an operation used.
type Elevation struct {
	GrantID  string `json:"grant_id"`
	Approver string `json:"approver"`
	Key      string `json:"key,omitempty"`
}

// Millis converts a duration for Record.DurationMS. A pointer so that a
// zero duration is still written on outcomes and absent on intents.
func Millis(d time.Duration) *float64 {
	ms := float64(d.Microseconds()) / 1000
	return &ms
}
