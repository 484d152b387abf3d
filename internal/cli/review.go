package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/review"
)

// planBoundGrants says whether grant issue accepts --plan. Until it does,
// review recommends the grant by mode and scope and shows the plan-bound
// form as what comes next; TestPlanBoundGrantsFlag fails when the two
// disagree, so adding --plan cannot forget this switch.
const planBoundGrants = true

func (r runner) review(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("review", stderr)
	asJSON := fs.Bool("json", false, "print the review as JSON, for CI (the same data as the page)")
	policyPath := fs.String("policy", "", "policy file to check the plan against (default: the one the provider reads: "+
		policy.EnvPolicyFile+", else "+policy.DefaultPolicyPath+" when it exists)")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) != 1 {
		return usageErr(stderr, errors.New("review needs one plan JSON file (terraform show -json tfplan > plan.json), or - to read it from standard input"))
	}
	in := r.stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			fmt.Fprintf(stderr, "error: %v\n", err)
			return exitFail
		}
		defer f.Close()
		in = f
	}
	name := pos[0]
	if name == "-" {
		name = "" // the grant command then shows a placeholder file name
	}
	var pol *policy.Policy
	var polErr error
	if *policyPath != "" {
		pol, polErr = policy.LoadPolicyFile(*policyPath)
	} else {
		pol, polErr = policy.Load(r.getenv)
	}
	rep, err := review.Build(in, review.Options{PlanPath: name, Policy: pol, PolicyErr: polErr, PlanBound: planBoundGrants})
	if err != nil {
		fmt.Fprintf(stderr, "error: %s: %v\n", pos[0], err)
		return exitFail
	}
	if *asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	return exitOK
}
