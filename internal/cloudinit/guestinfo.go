package cloudinit

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// MaxGuestInfoValueBytes is the largest encoded guestinfo value ceso writes,
// per key: 64 KiB. The values are stored in the VM's .vmx file next to every
// other setting; ESXi rewrites that file on each reconfigure and VMware
// documents no per-key limit for guestinfo set through the API, so ceso
// picks a conservative bound that keeps the file small and is accepted by
// every ESXi version. gzip+base64 makes 64 KiB hold several hundred KiB of
// YAML; anything larger belongs on a disk or behind a URL (#include).
const MaxGuestInfoValueBytes = 64 * 1024

// Guestinfo keys read by cloud-init's VMware datasource.
const (
	KeyUserData           = "guestinfo.userdata"
	KeyUserDataEncoding   = "guestinfo.userdata.encoding"
	KeyMetaData           = "guestinfo.metadata"
	KeyMetaDataEncoding   = "guestinfo.metadata.encoding"
	KeyVendorData         = "guestinfo.vendordata"
	KeyVendorDataEncoding = "guestinfo.vendordata.encoding"

	// EncodingGzipBase64 is the encoding ceso writes.
	EncodingGzipBase64 = "gzip+base64"
)

// encodeGzipBase64 compresses s with a fixed gzip header (no name, no
// modification time, OS unknown) so equal input gives equal output.
func encodeGzipBase64(s string) string {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil { // only for an invalid level
		panic(err)
	}
	zw.Header = gzip.Header{OS: 255}
	// Writes to a bytes.Buffer cannot fail.
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func guestInfo(userData, metaData, vendorData string) map[string]string {
	m := map[string]string{
		KeyUserData:         encodeGzipBase64(userData),
		KeyUserDataEncoding: EncodingGzipBase64,
		KeyMetaData:         encodeGzipBase64(metaData),
		KeyMetaDataEncoding: EncodingGzipBase64,
	}
	if vendorData != "" {
		m[KeyVendorData] = encodeGzipBase64(vendorData)
		m[KeyVendorDataEncoding] = EncodingGzipBase64
	}
	return m
}

// Decode reverses the guestinfo encoding as cloud-init's VMware datasource
// does: for each of userdata, metadata and vendordata it reads the value and
// its ".encoding" key ("gzip+base64", "gz+b64", "base64", "b64", or none for
// plain text). A missing key decodes to "".
func Decode(guestinfo map[string]string) (userData, metaData, vendorData string, err error) {
	out := make([]string, 3)
	for i, key := range []string{KeyUserData, KeyMetaData, KeyVendorData} {
		v, ok := guestinfo[key]
		if !ok {
			continue
		}
		out[i], err = decodeValue(v, guestinfo[key+".encoding"])
		if err != nil {
			return "", "", "", fmt.Errorf("decode %s: %w", key, err)
		}
	}
	return out[0], out[1], out[2], nil
}

func decodeValue(v, encoding string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "":
		return v, nil
	case "base64", "b64":
		b, err := base64.StdEncoding.DecodeString(v)
		return string(b), err
	case "gzip+base64", "gz+b64", "gzip+b64", "gz+base64":
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", err
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return "", err
		}
		plain, err := io.ReadAll(io.LimitReader(zr, 64<<20))
		if err != nil {
			return "", err
		}
		return string(plain), zr.Close()
	default:
		return "", fmt.Errorf("unknown encoding %q", encoding)
	}
}
