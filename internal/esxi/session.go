package esxi

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Session is one logged-in connection to the host. A session is used by one
// goroutine at a time (the pool hands it out exclusively), so govmomi objects
// built on Client are safe to use for the length of a WithSession call.
type Session struct {
	Client *vim25.Client
	// probe is Client without the re-login layer, for health checks that
	// must see a dead session rather than silently repair it.
	probe *vim25.Client

	id       int64
	created  time.Time
	lastUsed time.Time

	loginMu sync.Mutex
	login   func(ctx context.Context) error
}

// dialer builds sessions for one endpoint; the service content is fetched by
// the first session and reused, so each later session costs one Login only.
type dialer struct {
	url      *url.URL
	user     *url.Userinfo
	insecure bool
	thumb    string
	timeout  time.Duration
	counter  *CallCounter
	onEvent  func(string)
	onLogin  func(error)

	mu      sync.Mutex
	content *types.ServiceContent
}

func (d *dialer) newSoapClient() *soap.Client {
	sc := soap.NewClient(d.url, d.insecure && d.thumb == "")
	if d.thumb != "" {
		sc.SetThumbprint(d.url.Host, d.thumb)
		pinCertificate(sc.DefaultTransport().TLSClientConfig, d.thumb)
	}
	sc.UserAgent = "terraform-provider-ceso"
	if d.counter != nil {
		rt := sc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		sc.Transport = countingTransport{rt: rt, c: d.counter}
	}
	if sc.Namespace == "" {
		sc.Namespace = "urn:" + vim25.Namespace
	}
	if sc.Version == "" {
		sc.Version = vim25.Version
	}
	return sc
}

// dial creates and logs in a new session.
func (d *dialer) dial(ctx context.Context, id int64) (*Session, error) {
	sc := d.newSoapClient()
	s := &Session{id: id, created: time.Now()}
	tr := &transport{next: sc, counter: d.counter, timeout: d.timeout, onEvent: d.onEvent}
	vc := &vim25.Client{Client: sc, RoundTripper: tr}

	content, err := d.serviceContent(ctx, tr)
	if err != nil {
		return nil, d.explainConnectError(ctx, err)
	}
	vc.ServiceContent = *content
	s.Client = vc
	probe := *vc
	probe.RoundTripper = &transport{next: sc, counter: d.counter, timeout: d.timeout}
	s.probe = &probe

	s.login = func(ctx context.Context) error {
		s.loginMu.Lock()
		defer s.loginMu.Unlock()
		err := session.NewManager(vc).Login(ctx, d.user)
		if d.onLogin != nil {
			d.onLogin(err)
		}
		return Wrap("log in", err)
	}
	tr.relogin = s.login
	if err := s.login(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (d *dialer) serviceContent(ctx context.Context, rt soap.RoundTripper) (*types.ServiceContent, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.content != nil {
		return d.content, nil
	}
	content, err := methods.GetServiceContent(ctx, rt)
	if err != nil {
		return nil, err
	}
	d.content = &content
	return d.content, nil
}

// explainConnectError classifies a failure to reach the host. For an untrusted
// certificate it adds the presented certificate's SHA-256 thumbprint, read in a
// separate handshake that sends nothing, so the user can check and pin it.
func (d *dialer) explainConnectError(ctx context.Context, err error) error {
	werr := Wrap("connect to "+d.url.Host, err)
	if KindOf(werr) != KindCertificate || d.url.Scheme != "https" {
		return werr
	}
	tp, perr := PeerThumbprint(ctx, d.url.Host)
	if perr != nil {
		return werr
	}
	var e *Error
	if !errors.As(werr, &e) {
		return werr
	}
	if d.thumb != "" {
		e.Hint = "The host presented a certificate with SHA-256 thumbprint " + tp + ", which does not match tls_thumbprint. If the host's certificate was renewed, check the new one and update tls_thumbprint; otherwise something is intercepting the connection"
	} else {
		e.Hint = "The host presented a certificate with SHA-256 thumbprint " + tp + " that no trusted authority signed. Check it on the host's console, then set tls_thumbprint to it (or CESO_TLS_THUMBPRINT); insecure = true skips verification entirely"
	}
	return e
}

// PeerThumbprint returns the SHA-256 thumbprint of the certificate a host
// presents. It completes a TLS handshake only; no request is sent.
func PeerThumbprint(ctx context.Context, hostport string) (string, error) {
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		hostport = net.JoinHostPort(hostport, "443")
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	dialer := &tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // reading the certificate to show it, nothing is sent
	conn, err := dialer.DialContext(dctx, "tcp", hostport)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return "", &Error{Op: "read certificate", Kind: KindCertificate, Err: errors.New("not a TLS connection")}
	}
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", &Error{Op: "read certificate", Kind: KindCertificate, Err: context.Canceled}
	}
	return soap.ThumbprintSHA256(certs[0]), nil
}

// healthy asks the host whether the session is still logged in. It reads the
// current session property, which answers nil (not a fault) for a dead
// session, so the check itself never triggers a re-login.
func (s *Session) healthy(ctx context.Context) bool {
	us, err := session.NewManager(s.probe).UserSession(ctx)
	return err == nil && us != nil
}

func (s *Session) logout(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = session.NewManager(s.probe).Logout(ctx)
	s.Client.CloseIdleConnections()
	forgetCollectors(s.Client)
}
