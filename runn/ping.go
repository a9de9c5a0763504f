package runn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// ErrUnreachable: no answer at all came from the base URL (refused, unknown host, timeout).
var ErrUnreachable = errors.New("runn: unreachable")

// Ping checks the base URL and the token with one request (GET /me/), without retrying, so that
// a command can report a configuration mistake before it starts a run.
func (c *API) Ping(ctx context.Context) error {
	cl := call{method: http.MethodGet, path: "/me/", repeatable: true}
	target := c.urlFor(cl.path, cl.query)
	ans, _, _, err := c.once(ctx, cl, target, ticket{}) // not paced: a single request
	if err == nil && ans.status >= 200 && ans.status < 300 {
		return nil
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) || ctx.Err() != nil {
		return err
	}
	return fmt.Errorf("%w: GET %s: %s", ErrUnreachable, target, c.redactString(errorDetail(err)))
}
