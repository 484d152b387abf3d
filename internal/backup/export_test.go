package backup

// SetHook installs a function that runs after each step of a backup (see
// run.step); returning ErrAbandon stops the backup on the spot without any
// clean-up, as if the process had been killed.
func SetHook(m *Manager, fn func(step string) error) { m.hook = fn }

// ErrAbandon simulates the death of the process in a hook.
var ErrAbandon = errAbandon
