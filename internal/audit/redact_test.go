package audit

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestSensitiveKey(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"password": true, "Password": true, "root_password": true, "passwd": true, "hashed_passwd": true,
		"plain_text_passwd": true, "chpasswd": true, "hashed_password": true, "token": true, "X-Auth-Token": true,
		"Authorization": true, "Cookie": true, "set-cookie": true, "client_secret": true, "key": true, "api_key": true,
		"apiKey": true, "api-keys": true, "ssh_key": true, "private_key": true, "rsa_private": true, "encryption_key": true,
		"elevation": true, "credentials": true, "accessKey": true,
		"public_key": false, "ssh_authorized_keys": false, "trusted_keys": false, "key_id": false, "keyboard": false,
		"hotkey": false, "monkey": false, "name": false, "host": false, "guestinfo.metadata": false, "keymap": false,
	}
	for key, want := range tests {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			if got := SensitiveKey(key); got != want {
				t.Errorf("SensitiveKey(%q) = %v, want %v", key, got, want)
			}
		})
	}
}

func TestRedactorString(t *testing.T) {
	t.Parallel()
	r := NewRedactor("hunter2!", "ceso-grant.v1.abc.def")
	tests := []struct {
		name, in, want string
	}{
		{name: "registered value", in: "login failed for hunter2! now", want: "login failed for [REDACTED] now"},
		{name: "url-escaped value", in: "POST https://h/sdk?p=hunter2%21", want: "POST https://h/sdk?p=[REDACTED]"},
		{name: "url password", in: "dial https://root:pa55@esxi.local/sdk: refused", want: "dial https://root:[REDACTED]@esxi.local/sdk: refused"},
		{name: "inline pair", in: `bad request: password="abc def", user=root`, want: `bad request: password=[REDACTED], user=root`},
		{name: "json pair", in: `{"token": "xyz"}`, want: `{"token": [REDACTED]}`},
		{name: "grant token", in: "CESO_ELEVATION=ceso-grant.v1.abc.def", want: "CESO_ELEVATION=[REDACTED]"},
		{name: "harmless", in: "VM web-1 powered on", want: "VM web-1 powered on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Canaries are unique strings planted as secrets; none may reach the file.
const (
	canaryHostPassword = "CANARY-host-pw-7f3a"
	canaryGrant        = "ceso-grant.v1.CANARYpayload.CANARYsig"
	canaryUserPassword = "CANARY-user-pw-91bc"
	canaryHashed       = "$6$CANARYsalt$hash"
	canaryChpasswd     = "CANARY-chpasswd-55"
	canaryToken        = "CANARY-token-0001"
	canaryCookie       = "CANARY-cookie-vmware_soap_session"
	canaryAPIKey       = "CANARY-apikey-42"
	canaryEncoded      = "I2Nsb3VkLWNvbmZpZwpwYXNzd29yZDogQ0FOQVJZLWVuY29kZWQ="
	canaryURLPassword  = "CANARY-url-pw"
)

var canaryCloudConfig = `#cloud-config
hostname: web-1
users:
  - name: admin
    passwd: "` + canaryHashed + `"
    plain_text_passwd: ` + canaryUserPassword + `
    ssh_authorized_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPublicKeyStaysVisible admin@laptop
chpasswd:
  expire: false
  list: |
    root:` + canaryChpasswd + `
password: ` + canaryUserPassword + `
`

func TestCanarySecretsNeverReachTheFile(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/audit.jsonl"
	w, err := Open(path, NewRedactor(canaryHostPassword, canaryGrant))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	records := []Record{
		{Kind: KindIntent, Object: "web-1", Details: map[string]any{
			"user_data":   canaryCloudConfig,
			"vendor_data": canaryEncoded,
			"guestinfo":   map[string]any{"guestinfo.userdata": canaryEncoded, "guestinfo.userdata.encoding": "gzip+base64"},
			"connection":  map[string]any{"url": "https://root:" + canaryURLPassword + "@esxi/sdk", "password": canaryHostPassword},
			"headers":     map[string]string{"Authorization": "Bearer " + canaryToken, "Cookie": canaryCookie},
			"note":        "retrying with " + canaryHostPassword,
			"api_key":     canaryAPIKey,
			"elevation":   canaryGrant,
			"public_key":  "ssh-ed25519 AAAAPublic",
			"key_id":      "4f2a",
		}},
		{Kind: KindOutcome, Outcome: OutcomeFailure, Error: "ServerFaultCode: Cannot complete login due to an incorrect user name or password (" + canaryHostPassword + ")"},
		{Kind: KindOutcome, Outcome: OutcomeFailure, Error: `POST /sdk body <password>` + canaryHostPassword + `</password> token=` + canaryToken},
		{Kind: KindEvent, Reason: "elevation " + canaryGrant + " accepted"},
	}
	for _, r := range records {
		r.Time = time.Now()
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, c := range []string{canaryHostPassword, canaryGrant, canaryUserPassword, canaryHashed, canaryChpasswd,
		canaryToken, canaryCookie, canaryAPIKey, canaryEncoded, canaryURLPassword, "CANARY"} {
		if strings.Contains(text, c) {
			t.Errorf("audit file contains canary %q:\n%s", c, text)
		}
	}
	for _, keep := range []string{"PublicKeyStaysVisible", "ssh-ed25519 AAAAPublic", `"key_id":"4f2a"`, "hostname: web-1", "gzip+base64"} {
		if !strings.Contains(text, keep) {
			t.Errorf("audit file lost non-secret %q:\n%s", keep, text)
		}
	}
	if _, err := Verify(path); err != nil {
		t.Fatal(err)
	}
}

func TestRedactorDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	in := map[string]any{"password": "x", "nested": map[string]any{"token": "y"}, "list": []any{"z"}}
	NewRedactor("z").Map(in)
	nested, _ := in["nested"].(map[string]any)
	list, _ := in["list"].([]any)
	if in["password"] != "x" || nested["token"] != "y" || len(list) != 1 || list[0] != "z" {
		t.Errorf("input modified: %v", in)
	}
}
