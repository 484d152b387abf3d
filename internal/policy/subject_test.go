package policy

import (
	"errors"
	"testing"
	"time"
)

func TestDecideSubject(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	grant := func(changes ...Change) *Grant {
		return &Grant{ID: "g-1", Mode: Unrestricted, Scope: []string{"web-*"}, Reason: "r", Approver: "a", Host: "esxi01",
			IssuedAt: now, ExpiresAt: now.Add(time.Hour), Changes: changes}
	}
	hosts := []string{"", "esxi01", "esxi01:443"}
	tests := []struct {
		name    string
		s       Subject
		g       *Grant
		wantErr error
	}{
		{name: "in scope on its host", s: Subject{ResourceType: "ceso_vm", Action: ActionDelete, Names: []string{"web-1"}, ID: "u-1", Hosts: hosts}, g: grant()},
		{name: "another host", s: Subject{ResourceType: "ceso_vm", Action: ActionDelete, Names: []string{"web-1"}, ID: "u-1", Hosts: []string{"esxi02"}}, g: grant(), wantErr: ErrGrantWrongHost},
		{name: "rename from out of scope", s: Subject{ResourceType: "ceso_vm", Action: ActionPowerOffForced, Names: []string{"db-1", "web-x"}, ID: "u-1", Hosts: hosts}, g: grant(), wantErr: ErrGrantOutOfScope},
		{name: "plan-bound, listed", s: Subject{ResourceType: "ceso_vm", Action: ActionDiskDelete, Names: []string{"web-1"}, ID: "u-1", Hosts: hosts},
			g: grant(Change{Type: "ceso_vm", ID: "u-1", Action: "update"})},
		{name: "plan-bound, other object", s: Subject{ResourceType: "ceso_vm", Action: ActionDelete, Names: []string{"web-2"}, ID: "u-2", Hosts: hosts},
			g: grant(Change{Type: "ceso_vm", ID: "u-1", Action: "delete"}), wantErr: ErrGrantNotInPlan},
		{name: "plan-bound, other action", s: Subject{ResourceType: "ceso_vm", Action: ActionDelete, Names: []string{"web-1"}, ID: "u-1", Hosts: hosts},
			g: grant(Change{Type: "ceso_vm", ID: "u-1", Action: "update"}), wantErr: ErrGrantNotInPlan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := DecideSubject(Standard, tt.s, tt.g, now)
			if tt.wantErr == nil {
				if !d.Allowed || d.Grant == nil {
					t.Fatalf("refused: %s", d.Reason)
				}
				return
			}
			if d.Allowed || !errors.Is(d.GrantErr, tt.wantErr) {
				t.Fatalf("decision %+v, want %v", d, tt.wantErr)
			}
		})
	}
	if d := DecideSubject(Standard, Subject{Action: ActionDelete, Names: []string{"web-1"}}, nil, now).WithoutApprovers(nil); !d.NoApprovers || d.Summary() != "Elevation Required For Destructive Change" {
		t.Errorf("without approvers: %+v", d)
	}
}

func TestTerraformAction(t *testing.T) {
	t.Parallel()
	for a, want := range map[Action]string{ActionDelete: "delete", ActionBackupDelete: "delete", ActionReplace: "delete",
		ActionUpdate: "update", ActionDiskDelete: "update", ActionPowerOffForced: "update", ActionPowerCycle: "update",
		ActionCreate: "create", ActionAdoptExisting: "create", ActionBackupPrune: "create",
		ActionImageImport: "create", ActionFileUpload: "create", ActionImageDelete: "delete", ActionFileDelete: "delete"} {
		if got := a.TerraformAction(); got != want {
			t.Errorf("%s.TerraformAction() = %s, want %s", a, got, want)
		}
	}
}
