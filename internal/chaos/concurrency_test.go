package chaos_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// Scenario 3: fifty VMs from one template in one apply with
// -parallelism=20, on a pool of at most 10 sessions: no hang, fifty VMs,
// a second plan that is empty, and a destroy that leaves nothing (every
// session logged out when the provider exits).
func TestAccChaos_fiftyVMsParallelism20(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	cfg := h.config("") + `
resource "ceso_vm" "fleet" {
  count       = 50
  name        = format("fleet-%02d", count.index)
  template    = "ceso-template"
  power_state = "off"
}
`
	w.mustApply(cfg, "-parallelism=20")
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprintf("fleet-%02d", i)
	}
	h.exactlyOne(names...)
	if n := len(h.vms()); n != 51 {
		t.Errorf("%d VMs on the host, want the 50 and the template", n)
	}
	h.noOrphans(names...)
	w.converged(cfg)
	w.write(cfg)
	if out, err := w.run("destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=20"); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	h.noLeaks(true)
}

// Scenario 3: two applies with their own state files, run at the same time
// against the same host by two provider processes that share one audit
// file. Neither hangs, both succeed, and the audit file is one intact
// chain: every record whole, every write's intent followed by its outcome.
func TestAccChaos_twoAppliesShareHostAndAuditFile(t *testing.T) {
	t.Parallel()
	ws := []*workspace{newWorkspace(t), newWorkspace(t)}
	h := startHost(t, simhost.Options{})
	auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
	cfgs := make([]string, len(ws))
	for i, w := range ws {
		cfgs[i] = h.config("", fmt.Sprintf("audit_file = %q", auditFile)) + fmt.Sprintf(`
resource "ceso_vm" "team" {
  count       = 8
  name        = format("team%d-%%02d", count.index)
  template    = "ceso-template"
  power_state = "on"
}
`, i)
		w.write(cfgs[i])
	}
	together := func(args ...string) {
		t.Helper()
		var wg sync.WaitGroup
		outs, errs := make([]string, len(ws)), make([]error, len(ws))
		for i, w := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = w.run(args...)
			}()
		}
		wg.Wait()
		for i := range ws {
			if errs[i] != nil {
				t.Fatalf("%s of workspace %d failed: %v\n%s", args[0], i, errs[i], outs[i])
			}
		}
	}
	together("apply", "-auto-approve", "-input=false", "-no-color")
	var names []string
	for i := range ws {
		for j := 0; j < 8; j++ {
			names = append(names, fmt.Sprintf("team%d-%02d", i, j))
		}
	}
	h.exactlyOne(names...)
	h.noOrphans(names...)
	for i, w := range ws {
		if n := len(w.stateResources()); n != 8 {
			t.Errorf("workspace %d has %d resources in state, want its 8", i, n)
		}
	}
	together("destroy", "-auto-approve", "-input=false", "-no-color")
	h.noLeaks(true)

	n, err := audit.Verify(auditFile)
	if err != nil {
		t.Fatalf("audit file shared by two providers: %v", err)
	}
	checkAuditPairs(t, auditFile, n)
}

// checkAuditPairs reads a verified audit file and checks that it holds the
// records of more than one provider process and that every intent has
// exactly one outcome of the same run, written after it.
func checkAuditPairs(t *testing.T, path string, records int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type rec struct {
		RunID, OpID, Kind, Action, Object, Outcome string
		PID                                        int
	}
	intents := map[string]rec{}
	outcomes := map[string]int{}
	pids := map[int]bool{}
	creates := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
		var r struct {
			RunID   string `json:"run_id"`
			OpID    string `json:"op_id"`
			Kind    string `json:"kind"`
			Action  string `json:"action"`
			Object  string `json:"object"`
			Outcome string `json:"outcome"`
			PID     int    `json:"pid"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %d is not one whole record: %v", lines, err)
		}
		pids[r.PID] = true
		switch r.Kind {
		case audit.KindIntent:
			intents[r.RunID+"/"+r.OpID] = rec{RunID: r.RunID, OpID: r.OpID, Action: r.Action, Object: r.Object}
		case audit.KindOutcome:
			key := r.RunID + "/" + r.OpID
			if _, ok := intents[key]; !ok && r.Outcome != audit.OutcomeRefused {
				t.Errorf("audit line %d: outcome of %s %s without an intent before it", lines, r.Action, r.Object)
			}
			outcomes[key]++
			if r.Action == "create" && r.Outcome == audit.OutcomeSuccess && strings.HasPrefix(r.Object, "team") {
				creates++
			}
		}
	}
	if lines != records {
		t.Errorf("Verify counted %d records, the file has %d lines", records, lines)
	}
	for key, in := range intents {
		if outcomes[key] != 1 {
			t.Errorf("intent %s (%s %s) has %d outcomes, want 1", key, in.Action, in.Object, outcomes[key])
		}
	}
	if creates != 16 {
		t.Errorf("%d successful creates audited, want 16", creates)
	}
	if len(pids) < 4 {
		// Two applies and two destroys, each with its own provider process
		// (a CLI run may start more than one).
		t.Errorf("records of %d processes, want those of at least 4", len(pids))
	}
}
