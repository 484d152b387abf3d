//go:build !unix

package policy

import "io/fs"

// checkOwnership has no portable equivalent outside unix (Windows uses ACLs);
// there the administrator must protect the file with ACLs.
func checkOwnership(fs.FileInfo) error { return nil }

// checkSystemOwnership: on Windows the system policy lives under
// %ProgramData%, whose ACLs let only Administrators write; the folder must
// keep those ACLs. Reading ACLs is not implemented.
func checkSystemOwnership(string, fs.FileInfo, int) error { return nil }
