package main

import (
	"context"
	"errors"

	"github.com/harvest2runn/harvest2runn/harvest"
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
		return usagef("cannot reach Harvest at %s: check --harvest-base-url / HARVEST_BASE_URL and the network (%v)", base, errors.Unwrap(err))
	case errors.Is(err, context.Canceled):
		return err
	default:
		// A 429 or 5xx is not a configuration mistake: the run's own retries deal with it.
		return nil
	}
}
