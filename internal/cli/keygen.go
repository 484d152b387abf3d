package cli

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

func (runner) keygen(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("keygen", stderr)
	out := fs.String("out", "ceso-approver", "path prefix of the key files (PREFIX.key, PREFIX.pub)")
	name := fs.String("name", "", "approver name for the policy entry (default: the prefix's base name)")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) > 0 {
		return usageErr(stderr, fmt.Errorf("keygen takes no arguments, got %q", pos))
	}
	*out = expandHome(*out)
	if *name == "" {
		*name = filepath.Base(*out)
	}
	pub, priv, err := policy.GenerateKey()
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	keyPath, pubPath := *out+".key", *out+".pub"
	// Only the folders keygen creates get 0700; an existing folder is the
	// approver's to set.
	if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	// O_EXCL: never overwrite a key an approver already handed out.
	if err := writeNew(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	if err := writeNew(pubPath, []byte(policy.EncodePublicKey(pub)+"\n"), 0o644); err != nil {
		os.Remove(keyPath)
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	entry, _ := json.MarshalIndent(map[string]string{"name": *name, "public_key": policy.EncodePublicKey(pub)}, "", "  ")
	fmt.Fprintf(stderr, "wrote %s (private, keep it secret) and %s; key id %s\nadd this entry to trusted_keys in the policy file:\n",
		keyPath, pubPath, policy.KeyID(pub))
	fmt.Fprintf(stdout, "%s\n", entry)
	return exitOK
}

// expandHome reads a leading ~/ as the home folder, for the shells and
// forms (--out=~/...) that leave it unexpanded.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm) //nolint:gosec // G304: the approver names the key file to write.
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readPrivateKey loads a key written by keygen. Like ssh, it refuses a key
// file others can read: a grant key that leaked lets anyone elevate.
func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("private key %s is accessible by others (mode %04o); run chmod 600 on it", path, perm)
	}
	data, err := os.ReadFile(path) //nolint:gosec // G304: the approver names the key file to read.
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s is not a PEM private key written by %s keygen", path, Binary)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New(path + " is not an ed25519 key")
	}
	return priv, nil
}
