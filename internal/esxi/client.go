package esxi

import (
	"context"
	"errors"
	"strings"
)

// Client is the provider-scoped handle on one endpoint: its pool, shared
// inventory reads and facts.
type Client struct {
	Pool      *Pool
	Inventory *Inventory
	// Watcher serves waits on VMs without reading the inventory per poll.
	Watcher *Watcher
	facts   Facts
}

// Connect validates cfg, logs in once (the first pooled session), and reads
// the endpoint's facts. Errors name the configuration field at fault where
// one is (see FieldError).
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	pool, err := NewPool(cfg, nil)
	if err != nil {
		return nil, err
	}
	c := &Client{Pool: pool, Inventory: NewInventory(pool), Watcher: NewWatcher(pool)}
	err = pool.WithSession(ctx, func(ctx context.Context, s *Session) error {
		f, err := readFacts(ctx, s)
		c.facts = f
		return err
	})
	if err != nil {
		pool.Close(context.WithoutCancel(ctx))
		return nil, blameField(err)
	}
	return c, nil
}

// blameField attaches connection failures to the attribute a user would fix.
func blameField(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case KindInvalidLogin:
		return &FieldError{Field: "password", Summary: "Login refused", Detail: e.Error()}
	case KindCertificate:
		return &FieldError{Field: "tls_thumbprint", Summary: "Untrusted host certificate", Detail: e.Error()}
	case KindUnreachable, KindTimeout:
		return &FieldError{Field: "host", Summary: "Host unreachable", Detail: e.Error()}
	}
	return err
}

// Facts returns what Connect read about the endpoint.
func (c *Client) Facts() Facts { return c.facts }

// CheckWritable returns a plain-words error for a free-licence host, so a
// write is refused before it reaches the host.
func (c *Client) CheckWritable() error {
	if c.facts.FreeLicence {
		return &Error{Op: "change the host", Kind: KindFreeLicence, Err: errors.New(strings.TrimSuffix(FreeLicenceMessage, "."))}
	}
	return nil
}

// Close logs out every pooled session.
func (c *Client) Close(ctx context.Context) { c.Pool.Close(ctx) }
