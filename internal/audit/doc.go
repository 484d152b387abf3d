// Package audit writes ceso's audit trail: one JSON object per line, each
// carrying in "prev" the SHA-256 of the line before it, so that editing,
// deleting or reordering a record breaks the chain and Verify finds it.
//
// Concurrency: within a process a mutex serializes writers; across
// processes an exclusive flock on the file is held while the last line is
// re-read (to learn prev), the record appended and the file synced. So two
// provider processes appending to one file produce whole, interleaved
// records that still form a single valid chain.
//
// Limits: a chain detects changes to any record that has a successor. The
// last records can be removed without a trace unless the head hash printed
// by Verify is kept somewhere the writer cannot change (a CI log, a ticket).
package audit
