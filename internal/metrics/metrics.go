// Package metrics owns ceso's Prometheus registry and pushes it to a
// Pushgateway. A provider process lives for one Terraform command, too short
// to be scraped, so metrics are pushed after writes and at exit.
//
// Every method is safe on a nil *Metrics and does nothing: without a
// Pushgateway the guard holds a nil *Metrics and no metrics code runs.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric names. Dashboards and alerts reference these; a test can check a
// dashboard against Names().
const (
	NameOperationDuration = "ceso_operation_duration_seconds"
	NameOperations        = "ceso_operations_total"
	NamePolicyDecisions   = "ceso_policy_decisions_total"
	NameElevations        = "ceso_elevations_total"
	NameBackupBytes       = "ceso_backup_bytes_total"
	NameBackupDuration    = "ceso_backup_duration_seconds"
	NamePoolSessions      = "ceso_pool_sessions"
	NamePoolEvents        = "ceso_pool_events_total"
	NameSOAPCalls         = "ceso_soap_calls_total"
	// NameBackupLastSuccess is when the newest successful backup of a VM
	// finished, in Unix seconds, labelled by the VM's name.
	NameBackupLastSuccess = "ceso_backup_last_success_timestamp_seconds"
	// NameBackupDrillSuccess is 1 when the last restore drill of a VM's
	// backup in this run passed, 0 when it failed; NameBackupDrillTime is
	// when that drill finished (Unix seconds). Both are labelled by the VM.
	NameBackupDrillSuccess = "ceso_backup_drill_success"
	NameBackupDrillTime    = "ceso_backup_drill_timestamp_seconds"
)

// Names lists every metric ceso exports.
func Names() []string {
	return []string{
		NameOperationDuration, NameOperations, NamePolicyDecisions, NameElevations, NameBackupBytes,
		NameBackupDuration, NamePoolSessions, NamePoolEvents, NameSOAPCalls, NameBackupLastSuccess,
		NameBackupDrillSuccess, NameBackupDrillTime,
	}
}

// Label values used by callers, kept here so they stay consistent.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeRefused = "refused"

	ElevationUsed    = "used"
	ElevationRefused = "refused"

	PoolInUse = "in_use"
	PoolIdle  = "idle"

	PoolCreated           = "created"
	PoolExpired           = "expired"
	PoolHealthCheckFailed = "health_check_failed"
	PoolRelogin           = "relogin"
)

// Metrics is one provider process's registry and collectors.
type Metrics struct {
	reg            *prometheus.Registry
	opDuration     *prometheus.HistogramVec
	ops            *prometheus.CounterVec
	decisions      *prometheus.CounterVec
	elevations     *prometheus.CounterVec
	backupBytes    prometheus.Counter
	backupDuration prometheus.Histogram
	poolSessions   *prometheus.GaugeVec
	poolEvents     *prometheus.CounterVec
	soapCalls      *prometheus.CounterVec
	lastBackup     *prometheus.GaugeVec
	drillSuccess   *prometheus.GaugeVec
	drillTime      *prometheus.GaugeVec
	pusher         *pusher
}

// newCollectors builds a registry of its own: the global default registry
// would mix in other libraries' collectors and leak state between the
// provider instances Terraform may configure in one process.
func newCollectors() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: NameOperationDuration,
			Help: "Duration of guarded operations against ESXi, by resource type and action.",
			// 10 ms to about 44 min: from a property read to a large disk copy.
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"resource", "action"}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameOperations,
			Help: "Guarded operations by resource type, action and outcome (success, failure, refused).",
		}, []string{"resource", "action", "outcome"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NamePolicyDecisions,
			Help: "Policy decisions by mode and decision (allowed, elevated, refused, warned).",
		}, []string{"mode", "decision"}),
		elevations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameElevations,
			Help: "Elevation grants used or refused.",
		}, []string{"outcome"}),
		backupBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: NameBackupBytes,
			Help: "Bytes copied by backups.",
		}),
		backupDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    NameBackupDuration,
			Help:    "Duration of whole backups.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14), // 1 s to about 2.3 h
		}),
		poolSessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: NamePoolSessions,
			Help: "ESXi sessions in the pool by state (in_use, idle).",
		}, []string{"state"}),
		poolEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NamePoolEvents,
			Help: "Session pool events (created, expired, health_check_failed, relogin).",
		}, []string{"event"}),
		soapCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameSOAPCalls,
			Help: "SOAP calls to ESXi by method.",
		}, []string{"method"}),
		// A timestamp, not a counter: each provider run pushes its own
		// group, so an alert takes the max over groups per VM and compares
		// it with time(), which works however long ago the run exited.
		lastBackup: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: NameBackupLastSuccess,
			Help: "When the last successful backup of a VM made by this run finished (Unix seconds), by VM name.",
		}, []string{"vm"}),
		drillSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: NameBackupDrillSuccess,
			Help: "Whether the last restore drill of a VM's backup in this run passed (1) or failed (0), by VM name.",
		}, []string{"vm"}),
		drillTime: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: NameBackupDrillTime,
			Help: "When the last restore drill of a VM's backup in this run finished (Unix seconds), by VM name.",
		}, []string{"vm"}),
	}
	m.reg.MustRegister(m.opDuration, m.ops, m.decisions, m.elevations, m.backupBytes,
		m.backupDuration, m.poolSessions, m.poolEvents, m.soapCalls, m.lastBackup, m.drillSuccess, m.drillTime)
	return m
}

// Registry is the registry pushed; nil on a nil *Metrics.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// ObserveOperation records one guarded operation.
func (m *Metrics) ObserveOperation(resource, action, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.ops.WithLabelValues(resource, action, outcome).Inc()
	if outcome != OutcomeRefused {
		// A refusal never reached the host; its duration would drag the
		// latency distribution towards zero.
		m.opDuration.WithLabelValues(resource, action).Observe(d.Seconds())
	}
}

// PolicyDecision counts one decision.
func (m *Metrics) PolicyDecision(mode, decision string) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(mode, decision).Inc()
}

// Elevation counts a grant used or refused.
func (m *Metrics) Elevation(outcome string) {
	if m == nil {
		return
	}
	m.elevations.WithLabelValues(outcome).Inc()
}

// Backup records one finished backup.
func (m *Metrics) Backup(bytes int64, d time.Duration) {
	if m == nil {
		return
	}
	if bytes > 0 {
		m.backupBytes.Add(float64(bytes))
	}
	m.backupDuration.Observe(d.Seconds())
}

// BackupSucceeded records that a backup of the VM named vm completed at
// finished.
func (m *Metrics) BackupSucceeded(vm string, finished time.Time) {
	if m == nil {
		return
	}
	m.lastBackup.WithLabelValues(vm).Set(float64(finished.UnixNano()) / 1e9)
}

// BackupDrill records the result of a restore drill of a backup of the VM
// named vm, finished at finished.
func (m *Metrics) BackupDrill(vm string, ok bool, finished time.Time) {
	if m == nil {
		return
	}
	v := 0.0
	if ok {
		v = 1
	}
	m.drillSuccess.WithLabelValues(vm).Set(v)
	m.drillTime.WithLabelValues(vm).Set(float64(finished.UnixNano()) / 1e9)
}

// PoolSessions sets the session pool gauges.
func (m *Metrics) PoolSessions(inUse, idle int) {
	if m == nil {
		return
	}
	m.poolSessions.WithLabelValues(PoolInUse).Set(float64(inUse))
	m.poolSessions.WithLabelValues(PoolIdle).Set(float64(idle))
}

// PoolEvent counts a session pool event.
func (m *Metrics) PoolEvent(event string) {
	if m == nil {
		return
	}
	m.poolEvents.WithLabelValues(event).Inc()
}

// SOAPCall counts one SOAP call by method name.
func (m *Metrics) SOAPCall(method string) {
	if m == nil {
		return
	}
	m.soapCalls.WithLabelValues(method).Inc()
}
