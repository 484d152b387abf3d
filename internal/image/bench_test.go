package image_test

import (
	"archive/tar"
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/dsfile"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image/ovatest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// The memory benchmark: a 2 GiB upload must not grow the provider with
// the file. Each upload runs in a child process (this test binary again),
// so the figure is that process's own peak resident set (VmHWM), not the
// benchmark harness's. The child holds the simulated host too, so the
// figure covers the host's side of the transfer as well: an upper bound
// for the provider alone.

const (
	rssChildEnv   = "CESO_PEAK_RSS_CHILD"
	uploadBytes   = 2 << 30
	peakRSSLimitB = 100 << 20
)

// BenchmarkUpload2GiBPeakRSS reports the peak RSS (MiB) of a 2 GiB OVA
// import streamed from a generated HTTP source, and of a 2 GiB datastore
// file upload from a sparse local file.
func BenchmarkUpload2GiBPeakRSS(b *testing.B) {
	for _, kind := range []string{"image-url", "datastore-file"} {
		b.Run(kind, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				peak, took := runChild(b, kind)
				b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
				b.ReportMetric(float64(uploadBytes)/(1<<20)/took.Seconds(), "MiB/s")
				if peak > peakRSSLimitB {
					b.Errorf("%s: peak RSS %d MiB for a 2 GiB upload, want under %d MiB", kind, peak>>20, peakRSSLimitB>>20)
				}
			}
		})
	}
}

var peakLine = regexp.MustCompile(`(?m)^peak_rss_bytes=(\d+) seconds=([0-9.]+)$`)

func runChild(b *testing.B, kind string) (int64, time.Duration) {
	b.Helper()
	cmd := exec.CommandContext(b.Context(), os.Args[0], "-test.run=^TestPeakRSSChild$", "-test.count=1", "-test.v") //nolint:gosec // G204: this test binary.
	cmd.Env = append(os.Environ(), rssChildEnv+"="+kind, "TMPDIR="+b.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child %s: %v\n%s", kind, err, out)
	}
	m := peakLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("child %s printed no figure:\n%s", kind, out)
	}
	peak, _ := strconv.ParseInt(string(m[1]), 10, 64)
	secs, _ := strconv.ParseFloat(string(m[2]), 64)
	return peak, time.Duration(secs * float64(time.Second))
}

// TestPeakRSSChild is the child of the memory benchmark; it runs only
// when the benchmark starts it.
func TestPeakRSSChild(t *testing.T) {
	kind := os.Getenv(rssChildEnv)
	if kind == "" {
		t.Skip("run by BenchmarkUpload2GiBPeakRSS")
	}
	h, err := simhost.Start(simhost.Options{Templates: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	start := time.Now()
	switch kind {
	case "image-url":
		url := serveGeneratedOVA(t, uploadBytes)
		if _, err := image.New(c).Import(ctx, image.Spec{Name: "big", Source: url}, nil); err != nil {
			t.Fatal(err)
		}
	case "datastore-file":
		p := filepath.Join(t.TempDir(), "big.iso")
		f, err := os.Create(p)
		if err == nil {
			err = f.Truncate(uploadBytes) // sparse: no disk space, no page cache to speak of
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dsfile.New(c).Upload(ctx, dsfile.Spec{Source: p, Path: "[LocalDS_0] big/big.iso"}, nil); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown kind %q", kind)
	}
	took := time.Since(start)
	peak, err := peakRSS()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("peak_rss_bytes=%d seconds=%.3f\n", peak, took.Seconds())
}

// peakRSS reads this process's peak resident set size (Linux VmHWM).
func peakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

// serveGeneratedOVA serves an OVA whose disk entry is size zero bytes,
// generated on the fly for each request (nothing on disk, nothing held).
func serveGeneratedOVA(t *testing.T, size int64) string {
	t.Helper()
	desc, err := ovatest.Descriptor(ovatest.Spec{Name: "big", DiskCapacity: 2 * size}, "big-disk1.vmdk", size)
	if err != nil {
		t.Fatal(err)
	}
	pad := func(n int64) int64 { return (n + 511) / 512 * 512 }
	length := 512 + pad(int64(len(desc))) + 512 + pad(size) + 1024
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(length, 10))
		tw := tar.NewWriter(w)
		_ = tw.WriteHeader(&tar.Header{Name: "big.ovf", Mode: 0o644, Size: int64(len(desc)), Format: tar.FormatUSTAR})
		_, _ = tw.Write(desc)
		_ = tw.WriteHeader(&tar.Header{Name: "big-disk1.vmdk", Mode: 0o644, Size: size, Format: tar.FormatUSTAR})
		_, _ = io.Copy(tw, io.LimitReader(zeros{}, size))
		_ = tw.Close()
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/big.ova"
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
