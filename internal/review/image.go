package review

import "github.com/esxi-commander/terraform-provider-ceso/internal/policy"

// reviewUpload classifies a ceso_image or ceso_datastore_file change with
// the actions the provider's guard decides them under: deploying an image
// or uploading a file is a standard write, removing either (a destroy or
// the first half of a replace) deletes what is on the datastore. The
// object is the image's name or the file's datastore path.
func (x *index) reviewUpload(rc *resourceChange, c *Change, objectKind, objectAttr string, create, remove policy.Action, what string) {
	ch := &rc.Change
	c.ObjectKind = objectKind
	c.Object = firstStr(ch.After, ch.Before, objectAttr)
	switch kind(ch.Actions) {
	case "create":
		c.add(Created, create, "")
	case "delete":
		c.add(Destroyed, remove, what+" is deleted from the datastore")
	case "replace":
		why := "replaced: " + replacePaths(rc)
		if why == "replaced: modified changed" {
			// ceso_datastore_file plans this when a refresh found the file
			// changed on the datastore (size or modification time).
			why = what + " changed on the datastore outside Terraform and is uploaded again"
		}
		c.add(Destroyed, remove, joinNonEmpty(why, what+" is deleted from the datastore first"))
		c.add(Created, create, "")
	case "update":
		c.add(ChangedInPlace, policy.ActionUpdate, changedAttrs(rc))
	}
}
