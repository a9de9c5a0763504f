package harvest

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnreachable: no answer at all came from the base URL (refused, unknown host, timeout).
var ErrUnreachable = errors.New("harvest: unreachable")

// Ping checks the base URL and the credentials with one request (GET /v2/users/me), without
// retrying, so that a command can report a configuration mistake before it starts a run.
func (c *APIClient) Ping(ctx context.Context) error {
	u := c.base.JoinPath("v2", "users", "me")
	shown := c.redact.url(u)
	o := c.attempt(ctx, "users/me", u, shown)
	if o.err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return o.err
	}
	var api *APIError
	if errors.As(o.err, &api) {
		return o.err
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, o.err)
}
