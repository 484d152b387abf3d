package esxi

import (
	"context"
	"errors"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// CancelTimeout bounds how long WaitOrCancel waits for a cancelled task to
// end. A host removes a cancelled copy's partial files before the task
// ends, which can take a while on a slow datastore.
const CancelTimeout = 5 * time.Minute

// WaitOrCancel waits for a long task (a disk copy, a clone, a relocation, a
// snapshot). When the caller gives up first (its context ends: a timeout,
// Ctrl-C), the task is cancelled on the host, and WaitOrCancel waits for it
// to end before it returns: the host does not stop a task because a client
// stopped waiting, and cleaning up around a task that still runs (deleting
// the VM a copy writes into) fails on a real host or leaves files behind.
//
// The error is the caller's (the context's), wrapped as op; a task that
// would not end within CancelTimeout after the cancel is named in it.
func WaitOrCancel(ctx context.Context, op string, task *object.Task, err error) (*types.TaskInfo, error) {
	info, err := WaitTask(ctx, op, task, err)
	if err == nil || task == nil || ctx.Err() == nil {
		return info, err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CancelTimeout)
	defer cancel()
	if cerr := task.Cancel(cctx); cerr != nil && KindOf(Wrap("", cerr)) != KindInvalidState {
		// InvalidState: the task ended on its own meanwhile.
		return info, errors.Join(err, Wrap("cancel the task of "+op+" on the host", cerr))
	}
	if _, werr := WaitTask(cctx, op, task, nil); werr != nil && cctx.Err() != nil {
		return info, errors.Join(err, &Error{Op: op, Kind: KindTimeout,
			Err: errors.New("the host did not end the cancelled task within " + CancelTimeout.String() + "; it may still run")})
	}
	return info, err
}
