package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// runExtract registers an extract of source for run, lands it with land, and records how it went
// in meta.extracts. Pages that arrived are landed even when the extract fails: they are the
// evidence; the extract is then marked failed, so no later stage reads it. The extract is
// registered while its first requests are on the network: the insert's commit is a few tens of
// milliseconds, which every page of the longest listing would otherwise wait for.
func runExtract(ctx context.Context, w *warehouse.Warehouse, source string, runID int64, win Window, landing *Landing,
	counters func() httpx.Stats, land func(l *lander, m *Manifest) error) (Manifest, error) {
	m := Manifest{RunID: runID, Source: source, Window: win.String(), PerResource: map[string]int64{}}
	started, before := time.Now(), counters()
	reg := register(ctx, w, runID, source, win)

	err := withLander(w, source, reg, landing, &m, func(l *lander) error { return land(l, &m) })

	id, rerr := reg.wait()
	if rerr != nil {
		// Nothing was landed: pages are appended only once the extract has its id.
		return m, rerr
	}
	m.ExtractID = id
	after := counters()
	m.Requests = after.Requests - before.Requests
	m.Retries = after.Retries - before.Retries
	m.RateLimited = after.RateLimited - before.RateLimited
	m.ServerErrors = after.ServerErrors - before.ServerErrors
	m.NetErrors = after.NetworkErrors - before.NetworkErrors
	m.Duration = time.Since(started)
	m.Status = warehouse.RunSucceeded
	if err != nil {
		m.Status = warehouse.RunFailed
	}
	if ferr := finishExtract(ctx, w, m, err); ferr != nil {
		return m, errors.Join(err, ferr)
	}
	return m, err
}

func withLander(w *warehouse.Warehouse, source string, reg *registration, landing *Landing, m *Manifest, fn func(l *lander) error) (err error) {
	l, err := newLander(w, source, reg, landing)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := l.close(); err == nil {
			err = cerr
		}
		m.StoredBytes = l.stored
	}()
	return fn(l)
}

// registration is an extract's row in meta.extracts, inserted in the background.
type registration struct {
	done chan struct{}
	id   int64
	err  error
}

// register inserts the extract's row; wait gives its id. Every registration must be waited
// for, so that no statement outlives the extract.
func register(ctx context.Context, w *warehouse.Warehouse, runID int64, source string, win Window) *registration {
	r := &registration{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.id, r.err = startExtract(ctx, w, runID, source, win)
	}()
	return r
}

// registered is a registration already made, under id.
func registered(id int64) *registration {
	r := &registration{done: make(chan struct{}), id: id}
	close(r.done)
	return r
}

func (r *registration) wait() (int64, error) {
	<-r.done
	return r.id, r.err
}

func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

func startExtract(ctx context.Context, w *warehouse.Warehouse, runID int64, source string, win Window) (int64, error) {
	var id int64
	var from any
	if !win.From.IsZero() {
		from = win.From.Format(time.DateOnly)
	}
	var to any
	if !win.To.IsZero() {
		to = win.To.Format(time.DateOnly)
	}
	err := w.DB.GetContext(ctx, &id, `INSERT INTO meta.extracts (run_id, source, status, started_at, window_from, window_to)
		VALUES (?, ?, 'running', now(), ?, ?) RETURNING extract_id`, runID, source, from, to)
	if err != nil {
		return 0, fmt.Errorf("register %s extract: %w", source, err)
	}
	return id, nil
}

func finishExtract(ctx context.Context, w *warehouse.Warehouse, m Manifest, runErr error) error {
	var msg any
	if runErr != nil {
		msg = runErr.Error()
	}
	_, err := w.DB.ExecContext(context.WithoutCancel(ctx), `UPDATE meta.extracts SET status = ?, finished_at = now(),
		requests = ?, retries = ?, rate_limited = ?, server_errors = ?, network_errors = ?, pages = ?, records = ?,
		bytes = ?, stored_bytes = ?, duration_ms = ?, notes = ?, error = ? WHERE extract_id = ?`,
		m.Status, m.Requests, m.Retries, m.RateLimited, m.ServerErrors, m.NetErrors, m.Pages, m.Records,
		m.Bytes, m.StoredBytes, m.Duration.Milliseconds(), strings.Join(m.Notes, "\n"), msg, m.ExtractID)
	if err != nil {
		return fmt.Errorf("record end of extract %d: %w", m.ExtractID, err)
	}
	return nil
}
