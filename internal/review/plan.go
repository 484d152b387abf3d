package review

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// The subset of `terraform show -json` (and `tofu show -json`) that a review
// reads. Both CLIs write the same format; fields ceso does not need are left
// out, so a newer format version with more fields still parses.
type planJSON struct {
	FormatVersion   string                  `json:"format_version"`
	Errored         bool                    `json:"errored"`
	PlannedValues   json.RawMessage         `json:"planned_values"`
	Variables       map[string]planVariable `json:"variables"`
	ResourceChanges []resourceChange        `json:"resource_changes"`
	PriorState      *struct {
		Values *stateModule `json:"values"`
	} `json:"prior_state"`
	Configuration struct {
		ProviderConfig map[string]providerConfig `json:"provider_config"`
		RootModule     configModule              `json:"root_module"`
	} `json:"configuration"`
}

type planVariable struct {
	Value any `json:"value"`
}

type resourceChange struct {
	Address       string `json:"address"`
	ModuleAddress string `json:"module_address"`
	Mode          string `json:"mode"`
	Type          string `json:"type"`
	Name          string `json:"name"`
	ProviderName  string `json:"provider_name"`
	Change        struct {
		Actions      []string       `json:"actions"`
		Before       map[string]any `json:"before"`
		After        map[string]any `json:"after"`
		AfterUnknown map[string]any `json:"after_unknown"`
		ReplacePaths [][]any        `json:"replace_paths"`
	} `json:"change"`
}

type stateModule struct {
	RootModule *struct {
		Resources    []stateResource `json:"resources"`
		ChildModules []stateChild    `json:"child_modules"`
	} `json:"root_module"`
}

type stateChild struct {
	Resources    []stateResource `json:"resources"`
	ChildModules []stateChild    `json:"child_modules"`
}

type stateResource struct {
	Address string         `json:"address"`
	Type    string         `json:"type"`
	Values  map[string]any `json:"values"`
}

type providerConfig struct {
	Name        string                `json:"name"`
	FullName    string                `json:"full_name"`
	Alias       string                `json:"alias"`
	Expressions map[string]expression `json:"expressions"`
}

type expression struct {
	ConstantValue any      `json:"constant_value"`
	References    []string `json:"references"`
}

type configModule struct {
	Resources   []configResource      `json:"resources"`
	ModuleCalls map[string]moduleCall `json:"module_calls"`
}

type moduleCall struct {
	Module configModule `json:"module"`
}

type configResource struct {
	Address           string `json:"address"`
	Mode              string `json:"mode"`
	Type              string `json:"type"`
	ProviderConfigKey string `json:"provider_config_key"`
	// Expressions holds an expression per attribute, or a list of them per
	// nested block; expr decodes the attribute ones on demand.
	Expressions map[string]json.RawMessage `json:"expressions"`
}

// expr is the expression of one attribute (zero for a block or when unset).
func (c configResource) expr(name string) expression {
	var e expression
	_ = json.Unmarshal(c.Expressions[name], &e)
	return e
}

// maxPlanBytes bounds what a review reads: a plan of thousands of VMs is a
// few tens of megabytes; anything much larger is not a plan.
const maxPlanBytes = 256 << 20

// parsePlan reads the JSON a CLI's `show -json PLANFILE` prints. It refuses
// a binary plan file and a state file with a message that says which
// command makes the right input.
func parsePlan(r io.Reader) (*planJSON, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPlanBytes))
	if err != nil {
		return nil, err
	}
	if len(data) > 0 && data[0] == 'P' && strings.HasPrefix(string(data), "PK") {
		return nil, fmt.Errorf("this is a binary plan file; review reads its JSON form: terraform show -json PLANFILE > plan.json")
	}
	var p planJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("not plan JSON (%w); make it with: terraform show -json PLANFILE > plan.json", err)
	}
	if p.FormatVersion == "" || p.PlannedValues == nil && p.ResourceChanges == nil && !p.Errored {
		return nil, fmt.Errorf("not the JSON of a plan (a state, or something else); make it with: terraform show -json PLANFILE > plan.json")
	}
	return &p, nil
}
