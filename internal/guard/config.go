package guard

import (
	"fmt"
	"log/slog"
	"time"
	"unicode"
)

// Environment variables the guard reads when the matching Config field is
// empty.
const (
	EnvMode           = "CESO_MODE"
	EnvElevation      = "CESO_ELEVATION"
	EnvAuditFile      = "CESO_AUDIT_FILE"
	EnvCorrelationID  = "CESO_CORRELATION_ID"
	EnvPushgatewayURL = "CESO_PUSHGATEWAY_URL"
)

// Attribute paths named by *ConfigError; dots separate block and attribute.
// An empty Attribute means no provider attribute is at fault (the system
// policy file, or an environment-only setting).
const (
	AttrMode           = "mode"
	AttrElevation      = "elevation"
	AttrAuditFile      = "audit_file"
	AttrPushgatewayURL = "metrics.pushgateway_url"
	AttrPushInterval   = "metrics.push_interval"
)

// Config is what the provider hands the guard, as plain Go values.
type Config struct {
	// Mode requested in the provider block ("" = not set). If both this
	// and CESO_MODE are set, the lower mode applies: either may lower the
	// mode, so an agent editing its own configuration cannot undo an
	// administrator's CESO_MODE=restricted. Neither can exceed the system
	// policy's max_mode. The policy is found by policy.Load: there is no
	// field to name it, since the provider's user must not choose it.
	Mode string
	// Elevation is a grant token; empty falls back to CESO_ELEVATION.
	Elevation string
	// AuditFile path from the provider block. The system policy's
	// audit.file, then CESO_AUDIT_FILE, win over it (with a warning); all
	// empty means no audit file.
	AuditFile string
	// CorrelationID becomes the run id; empty falls back to
	// CESO_CORRELATION_ID, then to a random id per guard.
	CorrelationID string
	Pushgateway   PushgatewayConfig
	// Secrets are values (host password, ...) cut out of audit records.
	Secrets []string
	// Now is the clock for grant validity and record times (time.Now).
	Now func() time.Time
	// Logger receives warnings (push failures, audit trouble); the
	// provider passes one whose handler writes to tflog. Nil discards.
	Logger *slog.Logger
	// Getenv reads the environment (os.Getenv); tests pass a map.
	Getenv func(string) string
}

// PushgatewayConfig is the provider's metrics block.
type PushgatewayConfig struct {
	// URL of the Pushgateway; empty falls back to CESO_PUSHGATEWAY_URL;
	// both empty means no metrics code runs.
	URL string
	// Job label (default "ceso").
	Job string
	// Interval is the least time between two pushes after writes: a write
	// within it of the last push is pushed when it has passed. 0 pushes
	// after every write. Close always pushes.
	Interval time.Duration
}

// ConfigError is a configuration the guard refuses. Attribute names the
// provider attribute at fault (see the Attr constants), or is empty when
// the fault lies outside the provider block.
type ConfigError struct {
	Attribute string
	Summary   string
	Detail    string
	Err       error
}

func (e *ConfigError) Error() string {
	if e.Attribute == "" {
		return e.Summary + ": " + e.Detail
	}
	return fmt.Sprintf("%s (%s): %s", e.Summary, e.Attribute, e.Detail)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// fromEnv names where a value came from, for messages.
func fromEnv(configured, attr, envName string, getenv func(string) string) (value, source string) {
	if configured != "" {
		return configured, fmt.Sprintf("the %q attribute", attr)
	}
	return getenv(envName), envName
}

func validRunID(id string) error {
	if len(id) > 128 {
		return fmt.Errorf("is %d characters long, at most 128 are allowed", len(id))
	}
	for _, r := range id {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return fmt.Errorf("contains %q; use printable characters without spaces", r)
		}
	}
	return nil
}
