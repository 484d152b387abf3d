package esxi

import (
	"context"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// WaitTask waits for a task and classifies its failure as op. It uses
// Task.WaitForResult, which creates a property collector per call: the
// session's default collector is not safe for concurrent waits, and sharing
// it hangs them (see SIMULATOR.md).
func WaitTask(ctx context.Context, op string, task *object.Task, err error) (*types.TaskInfo, error) {
	if err != nil {
		return nil, Wrap(op, err)
	}
	info, err := task.WaitForResult(ctx)
	if err != nil {
		return info, Wrap(op, err)
	}
	return info, nil
}
