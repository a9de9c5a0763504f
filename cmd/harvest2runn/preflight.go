package main

import (
	"context"
	"errors"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/runn"
)

// preflightHarvest sends one request before a run starts, so that a wrong URL, token or account
// id is reported as a configuration error (exit 2, one line) rather than as a failed run.
func preflightHarvest(ctx context.Context, c *harvest.APIClient, base string) error {
	err := c.Ping(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, harvest.ErrUnauthorized):
		return usagef("Harvest refused the credentials (401): check HARVEST_ACCESS_TOKEN and that HARVEST_ACCOUNT_ID is the account the token belongs to")
	case errors.Is(err, harvest.ErrForbidden):
		return usagef("Harvest refused the token (403): use a token of a Harvest administrator, or one allowed to read users")
	case errors.Is(err, harvest.ErrNotFound):
		return usagef("Harvest answered 404 at %s: check --harvest-base-url / HARVEST_BASE_URL (normally https://api.harvestapp.com) and HARVEST_ACCOUNT_ID", base)
	case errors.Is(err, harvest.ErrUnreachable):
		return usagef("cannot reach Harvest at %s: check --harvest-base-url / HARVEST_BASE_URL and the network (%v)", base, err)
	case errors.Is(err, context.Canceled):
		return err
	default:
		// A 429 or 5xx is not a configuration mistake: the run's own retries deal with it.
		return nil
	}
}

// preflightRunn is preflightHarvest for Runn.
func preflightRunn(ctx context.Context, c *runn.API, base string) error {
	err := c.Ping(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, runn.ErrUnauthorized):
		return usagef("Runn refused the token (401): check RUNN_API_TOKEN, and that --runn-base-url / RUNN_BASE_URL is the region of the account (EU %s, US %s)", runn.DefaultBaseURL, runn.USBaseURL)
	case errors.Is(err, runn.ErrNotFound):
		return usagef("Runn answered 404 at %s: check --runn-base-url / RUNN_BASE_URL (EU %s, US %s)", base, runn.DefaultBaseURL, runn.USBaseURL)
	case errors.Is(err, runn.ErrUnreachable):
		return usagef("cannot reach Runn at %s: check --runn-base-url / RUNN_BASE_URL and the network (%v)", base, err)
	case errors.Is(err, runn.ErrRedirected):
		// A base URL that redirects is a configuration mistake, and following it could carry
		// the token elsewhere.
		return usagef("%v", err)
	case errors.Is(err, context.Canceled):
		return err
	default:
		return nil
	}
}
