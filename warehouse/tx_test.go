package warehouse

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// A transaction whose context is cancelled at any moment, even while it begins, leaves the
// connection clean for the next statement (the kill tests cancel loads this way).
func TestBeginTxCancelledLeavesConnectionClean(t *testing.T) {
	db := sqlx.MustOpen("duckdb", "")
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	for i := range 3000 {
		ctx, cancel := context.WithCancel(context.Background())
		// Cancel from 0 to ~200 µs in: early enough to land inside BEGIN on some iterations.
		go func() { time.Sleep(time.Duration(i%200) * time.Microsecond); cancel() }()
		if tx, err := BeginTx(ctx, db); err == nil {
			_, _ = tx.ExecContext(ctx, "SELECT 1")
			_ = tx.Rollback()
		}
		cancel()
		var n int
		if err := db.Get(&n, "SELECT 1"); err != nil {
			t.Fatalf("iteration %d: a statement after a cancelled transaction: %v", i, err)
		}
	}
}
