package simhost_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A destroyed VM's folder is gone as soon as Destroy_Task is accepted, as
// on a real host where the task ends after the files are deleted. Without
// the rule the simulator deletes the folder in a task it does not wait for,
// so the folder is still there when the call returns.
func TestDestroyDeletesTheFolderFirst(t *testing.T) {
	t.Parallel()
	h, err := simhost.Start(simhost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	vm, err := find.NewFinder(c.Client).VirtualMachine(ctx, simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	inFolder := func() int {
		files, err := h.Files()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range files {
			if strings.Contains(f, "/"+simhost.TemplateName+"/") {
				n++
			}
		}
		return n
	}
	if inFolder() == 0 {
		t.Fatalf("the VM %s has no files to begin with", simhost.TemplateName)
	}
	task, err := vm.Destroy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := inFolder(); n != 0 {
		t.Errorf("%d files of the VM remain once Destroy_Task was accepted", n)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}
