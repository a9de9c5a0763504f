package pipelines

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// SafetyStop is one R17 check that tripped: a misbehaving API must not become wrong data in
// Runn, so the run stops before load with these figures (unless the stop is lifted).
type SafetyStop struct {
	// Stop is R17a (an incomplete extract), R17b (a source that shrank implausibly) or R17c (a plan
	// zeroing too many of the keys harvest2runn holds).
	Stop string `json:"stop" db:"stop"`
	// Source is harvest, runn, or plan (R17c).
	Source string `json:"source" db:"source"`
	// Listing is the listing compared (people, time_entries, ...), or owned_keys for R17c.
	Listing string `json:"listing" db:"listing"`
	// PreviousExtractID is the last usable extract compared with (R17b).
	PreviousExtractID *int64 `json:"previous_extract_id" db:"previous_extract_id"`
	// Expected is what should have come: the count the listing announced (R17a), held in the last
	// usable extract (R17b), or the keys harvest2runn holds in the window (R17c).
	Expected int64 `json:"expected" db:"expected"`
	// Got is what came (R17a, R17b) or the keys the plan would zero (R17c).
	Got int64 `json:"got" db:"got"`
	// Lifted: --allow-large-changes let the run go on (never for R17a).
	Lifted bool   `json:"lifted" db:"lifted"`
	Detail string `json:"detail" db:"detail"`
}

// ErrSafetyStop: an R17 check tripped, so nothing was sent to Runn.
var ErrSafetyStop = errors.New("safety stop (R17): nothing was sent to Runn")

// safetyError carries the stops that halted a run, for a one-line message that names them.
type safetyError struct {
	stops []SafetyStop
	// liftable: every stop is R17b or R17c, so --allow-large-changes would let the run go on.
	liftable bool
}

func (e *safetyError) Error() string {
	parts := make([]string, len(e.stops))
	for i, s := range e.stops {
		parts[i] = s.Detail
	}
	msg := ErrSafetyStop.Error() + ": " + strings.Join(parts, "; ")
	if e.liftable {
		msg += "; if this is a real clean-up or mass deletion, run again with --allow-large-changes"
	} else {
		msg += "; run again later: an incomplete extract is never used"
	}
	return msg
}

func (e *safetyError) Unwrap() error { return ErrSafetyStop }

// incompleteExtractStop turns an incomplete Harvest listing (R17 a) into a stop; ok is false for
// any other error.
func incompleteExtractStop(err error) (SafetyStop, bool) {
	var inc *harvest.IncompleteListingError
	if !errors.As(err, &inc) {
		return SafetyStop{}, false
	}
	return SafetyStop{Stop: "R17a", Source: "harvest", Listing: string(inc.Resource),
		Expected: int64(inc.AnnouncedEntries), Got: int64(inc.ReceivedEntries), Detail: inc.Error()}, true
}

// plannedStops reads the R17 (b) and (c) checks of a run's plan that tripped. A plan made
// before the checks existed has none.
func plannedStops(ctx context.Context, w *warehouse.Warehouse, runID int64) ([]SafetyStop, error) {
	stops := []SafetyStop{}
	if ok, err := w.HasTable(ctx, "plan", "rpt_safety_checks"); err != nil || !ok {
		return stops, err
	}
	if err := w.DB.SelectContext(ctx, &stops, `SELECT stop, source, listing, previous_extract_id, expected, got,
			false AS lifted, detail
		FROM plan.rpt_safety_checks WHERE run_id = ? AND tripped ORDER BY stop, source, listing`, runID); err != nil {
		return nil, fmt.Errorf("read run %d's safety checks (R17): %w", runID, err)
	}
	return stops, nil
}

// checkSafety decides, right before a run's plan is sent, whether it may be: the plan's R17 (b)
// and (c) checks that tripped stop it unless allow (--allow-large-changes) lifts them. Unless
// dryRun, every tripped check is recorded in meta.safety_stops, lifted or not, and a run stopped
// is finished as failed; a dry run only reports them (it must not undo what a real load
// recorded). The tripped checks are returned either way.
func checkSafety(ctx context.Context, w *warehouse.Warehouse, runID int64, allow, dryRun bool) ([]SafetyStop, error) {
	stops, err := plannedStops(ctx, w, runID)
	if err != nil || len(stops) == 0 {
		return stops, err
	}
	for i := range stops {
		stops[i].Lifted = allow
	}
	var stop error
	if !allow {
		stop = &safetyError{stops: stops, liftable: true}
	}
	if dryRun {
		return stops, stop
	}
	if err := recordStops(ctx, w.DB, runID, stops); err != nil {
		return stops, err
	}
	if stop != nil {
		if err := w.FinishRun(ctx, runID, warehouse.RunFailed, stop); err != nil {
			return stops, errors.Join(stop, err)
		}
	}
	return stops, stop
}

// recordStops keeps a run's stops for status; a check recorded again (a load resumed) replaces
// the earlier record. It is kept even when the command is being interrupted: a stop is the
// reason nothing was sent.
func recordStops(ctx context.Context, db *sqlx.DB, runID int64, stops []SafetyStop) error {
	ctx = context.WithoutCancel(ctx)
	tx, err := warehouse.BeginTx(ctx, db)
	if err != nil {
		return fmt.Errorf("record run %d's safety stops: %w", runID, err)
	}
	defer tx.Rollback()
	for _, s := range stops {
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta.safety_stops WHERE run_id = ? AND stop = ? AND source = ? AND listing = ?`,
			runID, s.Stop, s.Source, s.Listing); err != nil {
			return fmt.Errorf("record run %d's safety stops: %w", runID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta.safety_stops
				(run_id, stop, source, listing, previous_extract_id, expected, got, lifted, detail)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			runID, s.Stop, s.Source, s.Listing, s.PreviousExtractID, s.Expected, s.Got, s.Lifted, s.Detail); err != nil {
			return fmt.Errorf("record run %d's safety stops: %w", runID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record run %d's safety stops: %w", runID, err)
	}
	return nil
}

// recordIncompleteExtract records an R17 (a) stop for the run when err is an incomplete
// listing, and returns the stop error in its place; any other error comes back as it is.
func recordIncompleteExtract(ctx context.Context, db *sqlx.DB, runID int64, err error) ([]SafetyStop, error) {
	stop, ok := incompleteExtractStop(err)
	if !ok {
		return nil, err
	}
	stops := []SafetyStop{stop}
	if rerr := recordStops(ctx, db, runID, stops); rerr != nil {
		return stops, errors.Join(err, rerr)
	}
	return stops, &safetyError{stops: stops}
}

// runStops lists the stops recorded for a run.
func runStops(ctx context.Context, db *sqlx.DB, runID int64) ([]SafetyStop, error) {
	stops := []SafetyStop{}
	if err := db.SelectContext(ctx, &stops, `SELECT stop, source, listing, previous_extract_id, expected, got, lifted, detail
		FROM meta.safety_stops WHERE run_id = ? ORDER BY stop, source, listing`, runID); err != nil {
		return nil, fmt.Errorf("read run %d's safety stops: %w", runID, err)
	}
	return stops, nil
}
