package provider

import (
	"context"
	"log/slog"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// tflogHandler forwards the guard's slog records to tflog, so everything the
// provider logs goes where Terraform's TF_LOG settings say, with fields.
type tflogHandler struct {
	attrs []slog.Attr
}

func newTflogLogger() *slog.Logger { return slog.New(&tflogHandler{}) }

func (h *tflogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *tflogHandler) Handle(ctx context.Context, r slog.Record) error {
	fields := make(map[string]any, r.NumAttrs()+len(h.attrs))
	for _, a := range h.attrs {
		fields[a.Key] = a.Value.Any()
	}
	r.Attrs(func(a slog.Attr) bool {
		fields[a.Key] = a.Value.Any()
		return true
	})
	ctx = tflog.NewSubsystem(ctx, "guard")
	switch {
	case r.Level >= slog.LevelError:
		tflog.SubsystemError(ctx, "guard", r.Message, fields)
	case r.Level >= slog.LevelWarn:
		tflog.SubsystemWarn(ctx, "guard", r.Message, fields)
	case r.Level >= slog.LevelInfo:
		tflog.SubsystemInfo(ctx, "guard", r.Message, fields)
	default:
		tflog.SubsystemDebug(ctx, "guard", r.Message, fields)
	}
	return nil
}

func (h *tflogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &tflogHandler{attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *tflogHandler) WithGroup(string) slog.Handler { return h }
