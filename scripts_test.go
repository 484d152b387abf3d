package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// toolsDir returns a folder of links to the commands the scripts under test
// need, and nothing else, so that no tofu or terraform of the machine's own
// PATH leaks into a test.
func toolsDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		path, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("%s not installed: %v", name, err)
		}
		if err := os.Symlink(path, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeCLI makes dir/name a CLI whose `version` prints first. The
// executable is written by a child shell, not by this process: a file this
// process held open for writing could be inherited by a process another
// parallel test forks at that moment, and exec would then fail with "text
// file busy".
func fakeCLI(t *testing.T, dir, name, first string) {
	t.Helper()
	path := filepath.Join(dir, name)
	cmd := exec.CommandContext(t.Context(), "/bin/sh", "-c", `cat > "$1" && chmod +x "$1"`, "sh", path)
	cmd.Stdin = strings.NewReader("#!/bin/sh\n[ \"$1\" = version ] && printf '%s\\n' '" + first + "' 'on linux_amd64'\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("write %s: %v: %s", path, err, out)
	}
}

// runScript runs bash script with env (nothing else of the test's
// environment) and returns stdout, stderr and the exit code.
func runScript(t *testing.T, env []string, script string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "bash", append([]string{script}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// TestDemoCLIChoice runs scripts/demo-cli.sh in a copy of the repository
// whose tools/build-cli.sh only records what it was asked to build, with fake
// CLIs on PATH.
func TestDemoCLIChoice(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile("scripts/demo-cli.sh")
	if err != nil {
		t.Fatal(err)
	}
	tools := toolsDir(t, "bash", "sh", "dirname", "head", "mkdir", "chmod")
	tests := []struct {
		name     string
		onPath   map[string]string // command -> first line of its `version`
		env      map[string]string // CESO_CLI / CESO_DEMO_CLI, "<fake>" is the fake folder
		want     string            // chosen path under the fake folder or the repository; "" = refused
		built    string            // what build-cli.sh was asked to build
		errMatch string
	}{
		{name: "tofu first", onPath: map[string]string{"tofu": "OpenTofu v1.12.6", "terraform": "Terraform v1.11.4"}, want: "<fake>/tofu"},
		{name: "terraform alone", onPath: map[string]string{"terraform": "Terraform v1.5.7"}, want: "<fake>/terraform"},
		{name: "pre-release version", onPath: map[string]string{"terraform": "Terraform v1.10.0-alpha20240606"}, want: "<fake>/terraform"},
		{name: "oldest terraform", onPath: map[string]string{"terraform": "Terraform v1.0.0"}, want: "<fake>/terraform"},
		{name: "CESO_CLI before PATH", onPath: map[string]string{"tofu": "OpenTofu v1.12.6", "tf-1.8": "Terraform v1.8.5"},
			env: map[string]string{"CESO_CLI": "<fake>/tf-1.8"}, want: "<fake>/tf-1.8"},
		{name: "CESO_DEMO_CLI still honoured", onPath: map[string]string{"tofu": "OpenTofu v1.12.6", "tf-1.8": "Terraform v1.8.5"},
			env: map[string]string{"CESO_DEMO_CLI": "<fake>/tf-1.8"}, want: "<fake>/tf-1.8"},
		{name: "CESO_CLI wins over CESO_DEMO_CLI", onPath: map[string]string{"tofu": "OpenTofu v1.12.6", "tf-1.8": "Terraform v1.8.5"},
			env: map[string]string{"CESO_CLI": "<fake>/tofu", "CESO_DEMO_CLI": "<fake>/tf-1.8"}, want: "<fake>/tofu"},
		{name: "CESO_CLI too old", onPath: map[string]string{"tofu": "OpenTofu v1.12.6", "tf-0.15": "Terraform v0.15.5"},
			env: map[string]string{"CESO_CLI": "<fake>/tf-0.15"}, errMatch: `Terraform 0\.15\.5 is too old: the provider needs Terraform 1\.0\.0 or later`},
		{name: "CESO_CLI not a CLI", onPath: map[string]string{"tofu": "OpenTofu v1.12.6", "other": "something else 1.2"},
			env: map[string]string{"CESO_CLI": "<fake>/other"}, errMatch: "not OpenTofu or Terraform"},
		{name: "CESO_CLI missing", onPath: map[string]string{"tofu": "OpenTofu v1.12.6"},
			env: map[string]string{"CESO_CLI": "<fake>/nope"}, errMatch: "no such command"},
		{name: "too old tofu skipped", onPath: map[string]string{"tofu": "OpenTofu v1.5.9", "terraform": "Terraform v1.9.0"}, want: "<fake>/terraform"},
		{name: "only too old: refused, not built", onPath: map[string]string{"terraform": "Terraform v0.14.11"},
			errMatch: `(?s)too old.*No usable CLI on PATH.*tools/build-cli.sh tofu`},
		{name: "none: OpenTofu built", want: "<repo>/bin/tofu", built: "tofu"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			repo, fake := t.TempDir(), t.TempDir()
			for _, dir := range []string{"scripts", "tools"} {
				if err := os.MkdirAll(filepath.Join(repo, dir), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(repo, "scripts/demo-cli.sh"), script, 0o600); err != nil {
				t.Fatal(err)
			}
			// The stand-in build records its arguments and leaves a current OpenTofu in bin/.
			build := "#!/usr/bin/env bash\nset -euo pipefail\nroot=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"\n" +
				"echo \"$@\" >> \"${root}/built\"\nmkdir -p \"${root}/bin\"\n" +
				"printf '#!/bin/sh\\necho OpenTofu v1.12.6\\n' > \"${root}/bin/tofu\"\nchmod +x \"${root}/bin/tofu\"\n"
			if err := os.WriteFile(filepath.Join(repo, "tools/build-cli.sh"), []byte(build), 0o600); err != nil {
				t.Fatal(err)
			}
			for name, first := range tc.onPath {
				fakeCLI(t, fake, name, first)
			}
			env := []string{"PATH=" + fake + string(os.PathListSeparator) + tools, "HOME=" + t.TempDir()}
			for k, v := range tc.env {
				env = append(env, k+"="+strings.ReplaceAll(v, "<fake>", fake))
			}
			stdout, stderr, code := runScript(t, env, filepath.Join(repo, "scripts/demo-cli.sh"))
			built, _ := os.ReadFile(filepath.Join(repo, "built"))
			if got := strings.TrimSpace(string(built)); got != tc.built {
				t.Errorf("build-cli.sh asked for %q, want %q (stderr: %s)", got, tc.built, stderr)
			}
			if tc.want == "" {
				if code == 0 {
					t.Fatalf("chose %q, want a refusal", stdout)
				}
				if !regexp.MustCompile(tc.errMatch).MatchString(stderr) {
					t.Errorf("stderr %q does not match %q", stderr, tc.errMatch)
				}
				return
			}
			want := strings.NewReplacer("<fake>", fake, "<repo>", repo).Replace(tc.want)
			if code != 0 || strings.TrimSpace(stdout) != want {
				t.Fatalf("exit %d, chose %q, want %q; stderr: %s", code, stdout, want, stderr)
			}
			if !strings.Contains(stderr, "==> using ") || !strings.Contains(stderr, want) {
				t.Errorf("stderr %q does not say which CLI it uses", stderr)
			}
		})
	}
}

// benchLines is a benchmark run in benchstat's format, as go test prints it.
const benchLines = `goos: linux
pkg: github.com/esxi-commander/terraform-provider-ceso/internal/vm
BenchmarkRefresh/N=10/latency=0ms-2         	       1	  15106413 ns/op	         3.000 fixedtrips/op	         3.000 roundtrips/op
BenchmarkCreateFromTemplate/N=10/latency=0ms-2        	       1	 996876286 ns/op	        14.30 fixedtrips/vm	        17.70 roundtrips/vm
PASS
`

// TestBenchCheck runs scripts/bench-check.sh, the round-trip gate's
// comparison, on doctored baselines.
func TestBenchCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		baseline string // benchLines with these replacements
		current  string
		wantCode int
		want     []string
	}{
		{name: "same counts", wantCode: 0,
			want: []string{"ok:    BenchmarkRefresh/N=10/latency=0ms fixedtrips/op 3.000", "no fixed round-trip count grew (2 compared)"}},
		{name: "fixed count grew", baseline: "14.30 fixedtrips/vm=>13.30 fixedtrips/vm", wantCode: 1,
			want: []string{"GREW:  BenchmarkCreateFromTemplate/N=10/latency=0ms fixedtrips/vm 13.30 -> 14.30", "make bench-baseline"}},
		{name: "only the long polls grew", baseline: "17.70 roundtrips/vm=>15.00 roundtrips/vm", wantCode: 0,
			want: []string{"info:  BenchmarkCreateFromTemplate/N=10/latency=0ms roundtrips/vm 17.70 (baseline 15.00"}},
		{name: "fixed count fell", baseline: "3.000 fixedtrips/op=>5.000 fixedtrips/op", wantCode: 0,
			want: []string{"fell:  BenchmarkRefresh/N=10/latency=0ms fixedtrips/op 5.000 -> 3.000", "lock the gain in"}},
		{name: "benchmark not in the baseline", current: "BenchmarkRefresh/N=10/=>BenchmarkRefresh/N=20/", wantCode: 0,
			want: []string{"new:   BenchmarkRefresh/N=20/latency=0ms fixedtrips/op 3.000"}},
		{name: "nothing to compare", baseline: "fixedtrips=>othertrips", wantCode: 1,
			want: []string{"no fixedtrips count", "has a baseline"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write := func(name, edit string) string {
				text := benchLines
				if from, to, ok := strings.Cut(edit, "=>"); ok {
					text = strings.ReplaceAll(text, from, to)
				}
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				return path
			}
			base, cur := write("baseline.txt", tc.baseline), write("current.txt", tc.current)
			stdout, stderr, code := runScript(t, os.Environ(), "scripts/bench-check.sh", base, cur)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.wantCode, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout+stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, stdout, stderr)
				}
			}
		})
	}
}

// TestBaselineHasFixedCounts: the gate passes anything a baseline has no
// count for, so the committed baseline must hold a fixed count for every
// variant the gate runs (scripts/bench-gate.sh: latency 0, N <= 100).
func TestBaselineHasFixedCounts(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("bench/baseline.txt")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^(Benchmark\S+?)-\d+\s.*\sfixedtrips/(op|vm)`).FindAllStringSubmatch(string(data), -1) {
		have[m[1]] = true
	}
	for _, name := range []string{
		"BenchmarkInventoryList/N=10/latency=0ms", "BenchmarkInventoryList/N=100/latency=0ms",
		"BenchmarkRefresh/N=10/latency=0ms", "BenchmarkRefresh/N=100/latency=0ms",
		"BenchmarkCreateFromTemplate/N=1/latency=0ms", "BenchmarkCreateFromTemplate/N=10/latency=0ms",
		"BenchmarkBackup/disks=1/latency=0ms", "BenchmarkBackup/disks=4/latency=0ms", "BenchmarkBackup/disks=16/latency=0ms",
	} {
		if !have[name] {
			t.Errorf("bench/baseline.txt has no fixedtrips count for %s: run make bench-baseline", name)
		}
	}
}
