package cloudinit

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGuestInfoRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Render(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			wantKeys := []string{KeyMetaData, KeyMetaDataEncoding, KeyUserData, KeyUserDataEncoding}
			if p.VendorData != "" {
				wantKeys = append(wantKeys, KeyVendorData, KeyVendorDataEncoding)
			}
			var gotKeys []string
			for k, v := range p.GuestInfo {
				gotKeys = append(gotKeys, k)
				if strings.HasSuffix(k, ".encoding") && v != EncodingGzipBase64 {
					t.Errorf("%s = %q, want %q", k, v, EncodingGzipBase64)
				}
			}
			if diff := cmp.Diff(sorted(wantKeys), sorted(gotKeys)); diff != "" {
				t.Errorf("guestinfo keys (-want +got):\n%s", diff)
			}

			u, m, v, err := Decode(p.GuestInfo)
			if err != nil {
				t.Fatal(err)
			}
			got := [3]string{u, m, v}
			want := [3]string{p.UserData, p.MetaData, p.VendorData}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decoded documents (-rendered +decoded):\n%s", diff)
			}
		})
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestGzipHeaderIsFixed(t *testing.T) {
	t.Parallel()
	raw, err := base64.StdEncoding.DecodeString(encodeGzipBase64("hello"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" || zr.Comment != "" || zr.OS != 255 {
		t.Errorf("gzip header %+v, want no time, name or comment and OS 255", zr.Header)
	}
	if first, second := encodeGzipBase64("hello"), encodeGzipBase64("hello"); first != second {
		t.Error("encoding is not deterministic")
	}
}

func TestDecodeEncodings(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte("meta"))
	tests := []struct {
		name    string
		in      map[string]string
		want    [3]string
		wantErr string
	}{
		{"empty", map[string]string{}, [3]string{}, ""},
		{"plain and base64", map[string]string{
			KeyUserData: "#cloud-config\n", KeyMetaData: b64, KeyMetaDataEncoding: "base64",
			KeyVendorData: b64, KeyVendorDataEncoding: "b64",
		}, [3]string{"#cloud-config\n", "meta", "meta"}, ""},
		{"gz+b64 spelling", map[string]string{KeyUserData: encodeGzipBase64("u"), KeyUserDataEncoding: "gz+b64"}, [3]string{"u", "", ""}, ""},
		{"unknown encoding", map[string]string{KeyUserData: "x", KeyUserDataEncoding: "rot13"}, [3]string{}, `decode guestinfo.userdata: unknown encoding "rot13"`},
		{"bad base64", map[string]string{KeyMetaData: "!!", KeyMetaDataEncoding: "base64"}, [3]string{}, "decode guestinfo.metadata"},
		{"not gzip", map[string]string{KeyMetaData: b64, KeyMetaDataEncoding: "gzip+base64"}, [3]string{}, "decode guestinfo.metadata"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, m, v, err := Decode(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, [3]string{u, m, v}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	t.Parallel()
	// Random bytes do not compress: 60 KiB of them, base64-encoded, is far
	// over the limit once gzip+base64 encoded again.
	blob := make([]byte, 60*1024)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	content := base64.StdEncoding.EncodeToString(blob)
	spec := Spec{
		Hostname:   "a",
		Packages:   []string{"nginx"},
		WriteFiles: []File{{Path: "/opt/blob", Content: content, Encoding: "b64"}},
	}
	got := problemList(t, Validate(spec))
	if diff := cmp.Diff([]string{"write_files: Payload Too Large"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	spec.WriteFiles = nil
	spec.UserDataRaw = "#cloud-config\nwrite_files:\n  - path: /opt/blob\n    encoding: b64\n    content: " + content + "\n"
	got = problemList(t, Validate(spec))
	if diff := cmp.Diff([]string{"user_data_raw: Payload Too Large"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// Text that compresses well fits although it is larger than the limit.
	spec.UserDataRaw = ""
	spec.WriteFiles = []File{{Path: "/opt/big", Content: strings.Repeat("all work and no play\n", 20000)}}
	if err := Validate(spec); err != nil {
		t.Errorf("compressible payload refused: %v", err)
	}
}
