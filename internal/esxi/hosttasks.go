package esxi

import (
	"context"
	"strings"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// RunningTasks returns the tasks the host still runs (queued or running)
// that may be working on vm or its files: the VM's own tasks, and every
// disk and file task (VirtualDiskManager, FileManager), whose info does not
// name the files it works on. A caller about to clean up what another,
// possibly dead, process left must not do it while one of these runs: the
// host does not stop a copy because its client died.
func RunningTasks(ctx context.Context, s *Session, vm types.ManagedObjectReference) ([]types.TaskInfo, error) {
	tmRef := s.Client.ServiceContent.TaskManager
	if tmRef == nil {
		return nil, nil
	}
	pc := property.DefaultCollector(s.Client)
	var tm mo.TaskManager
	if err := pc.RetrieveOne(ctx, *tmRef, []string{"recentTask"}, &tm); err != nil {
		return nil, Wrap("list the host's running tasks", err)
	}
	if len(tm.RecentTask) == 0 {
		return nil, nil
	}
	var tasks []mo.Task
	if err := pc.Retrieve(ctx, tm.RecentTask, []string{"info"}, &tasks); err != nil {
		return nil, Wrap("list the host's running tasks", err)
	}
	var out []types.TaskInfo
	for _, t := range tasks {
		i := t.Info
		if i.State != types.TaskInfoStateQueued && i.State != types.TaskInfoStateRunning {
			continue
		}
		if (i.Entity != nil && *i.Entity == vm) || filesTask(i) {
			out = append(out, i)
		}
	}
	return out, nil
}

// filesTask reports whether a task works on datastore files.
func filesTask(i types.TaskInfo) bool {
	for _, p := range []string{"VirtualDiskManager.", "FileManager.", "Datastore.", "HostDatastoreBrowser."} {
		if strings.HasPrefix(i.DescriptionId, p) {
			return true
		}
	}
	return i.Entity != nil && (i.Entity.Type == "VirtualDiskManager" || i.Entity.Type == "FileManager")
}

// TaskNames renders tasks for a message ("CopyVirtualDisk_Task (running)").
func TaskNames(tasks []types.TaskInfo) string {
	names := make([]string, 0, len(tasks))
	for _, t := range tasks {
		n := t.Name
		if n == "" {
			n = t.DescriptionId
		}
		names = append(names, n+" ("+string(t.State)+")")
	}
	return strings.Join(names, ", ")
}

// HostTime reads the host's clock. Leases written on objects use it, so
// two processes whose clocks disagree still agree on when a lease ends.
func HostTime(ctx context.Context, s *Session) (time.Time, error) {
	t, err := methods.GetCurrentTime(ctx, s.Client)
	if err != nil {
		return time.Time{}, Wrap("read the host's clock", err)
	}
	return t.UTC(), nil
}
