package warehouse

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// BeginTx starts a transaction on db that survives the cancellation of ctx: the statements run in
// it still stop when ctx is cancelled, and the caller's deferred Rollback ends it.
//
// Beginning with ctx itself is not safe with duckdb-go: a cancellation that interrupts the BEGIN
// after DuckDB opened the transaction returns an error while the connection, handed back to the
// pool, stays inside that aborted transaction, and the next unrelated statement on it fails with
// "Current transaction is aborted" (seen in the kill-and-rerun tests).
func BeginTx(ctx context.Context, db *sqlx.DB) (*sqlx.Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tx, err := db.BeginTxx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return tx, nil
}
