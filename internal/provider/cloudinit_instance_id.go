package provider

import "github.com/hashicorp/terraform-plugin-framework/types"

// keepInstanceID makes an update of a ceso_cloudinit payload keep the
// instance-id it had, unless the configuration sets one. The instance-id
// derived from the content changes with every edit, and cloud-init then
// takes the next boot for a new instance: it runs the per-instance modules
// again, which regenerates the SSH host keys of a VM updated in place. A
// user who wants that re-run says so by setting instance_id to a new value.
// configured is the configuration's instance_id; prior the state before the
// update (nil on create).
func (m *cloudinitModel) keepInstanceID(configured types.String, prior *cloudinitModel) {
	if prior == nil || !configured.IsNull() || !known(prior.InstanceID) {
		return
	}
	m.InstanceID = prior.InstanceID
}
