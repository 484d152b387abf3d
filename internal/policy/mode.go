package policy

import (
	"fmt"
	"strings"
)

// Mode is how much the provider may change. The zero value is invalid so a
// forgotten assignment cannot silently mean "restricted" or "unrestricted".
type Mode int

// Modes in increasing order of power; comparisons (<, >=) are meaningful.
const (
	Restricted Mode = iota + 1
	Standard
	Unrestricted
)

// DefaultMode applies when neither configuration nor environment names one.
const DefaultMode = Standard

var modeNames = map[Mode]string{
	Restricted:   "restricted",
	Standard:     "standard",
	Unrestricted: "unrestricted",
}

// ModeNames lists the valid words in increasing order of power, for
// validators and error messages.
func ModeNames() []string {
	return []string{"restricted", "standard", "unrestricted"}
}

func (m Mode) String() string {
	if s, ok := modeNames[m]; ok {
		return s
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Valid reports whether m is one of the three modes.
func (m Mode) Valid() bool {
	_, ok := modeNames[m]
	return ok
}

// ParseMode reads a mode word; matching ignores case and surrounding space.
// The error lists the valid words so a user can fix a typo from the message.
func ParseMode(s string) (Mode, error) {
	w := strings.ToLower(strings.TrimSpace(s))
	for m, name := range modeNames {
		if name == w {
			return m, nil
		}
	}
	return 0, fmt.Errorf("invalid mode %q: valid modes are %s", s, strings.Join(ModeNames(), ", "))
}

// MarshalText writes the mode word, so modes read well in JSON.
func (m Mode) MarshalText() ([]byte, error) {
	if !m.Valid() {
		return nil, fmt.Errorf("invalid mode %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText accepts the words ParseMode accepts.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
