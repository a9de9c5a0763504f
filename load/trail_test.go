package load

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
)

// openRecorder starts a load of run 1 on a fresh warehouse, for tests of the trail itself.
func openRecorder(t *testing.T) *recorder {
	t.Helper()
	w := testwarehouse.Open(t)
	rec, err := startLoad(context.Background(), w.DB, 1, ModeApply)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// holdLead makes a caller lead a batch whose commit waits for release, so that others queue
// behind it. It returns once the caller leads, and a channel that yields its result.
func holdLead(t *testing.T, r *recorder, release <-chan struct{}) <-chan error {
	t.Helper()
	leading := make(chan struct{})
	out := make(chan error, 1)
	go func() {
		out <- r.commit(context.Background(), func(*sqlx.Tx) error {
			close(leading)
			<-release
			return nil
		})
	}()
	<-leading
	return out
}

// waitQueued waits until n callers are queued behind the batch being committed.
func waitQueued(r *recorder, n int) {
	for {
		r.qmu.Lock()
		queued := len(r.queue)
		r.qmu.Unlock()
		if queued >= n {
			return
		}
		runtime.Gosched()
	}
}

// R14: the records of writes in flight at once are committed together; one caller's bad record
// fails that caller only. The others' records (here the answer to a write Runn applied) are
// committed, and each caller gets its own result.
func TestGroupCommitFailsOnlyTheBadRecord(t *testing.T) {
	ctx := context.Background()
	r := openRecorder(t)
	reqID, writeIDs, err := r.send(ctx, KindRole, "POST", "/roles/", []byte(`{"name":"QA"}`),
		[]intent{{kind: KindRole, key: "role:qa", label: "QA", rule: "R1"}})
	if err != nil {
		t.Fatal(err)
	}

	release := make(chan struct{})
	leader := holdLead(t, r, release)
	// Queued as answer and note queue theirs, once they have their ids.
	bad, good := make(chan error, 1), make(chan error, 1)
	go func() {
		bad <- r.commitRows(ctx, batchRows{stmt: insertOutcome, rows: outcomeRows(100, []outcome{{writeID: 999, status: "no such status"}})})
	}()
	waitQueued(r, 1)
	go func() {
		// The same statements as the bad record's: the batch merges their rows.
		good <- r.commitRows(ctx, batchRows{stmt: insertResponse, rows: []any{responseRow{RequestID: reqID, DurationMS: 1, Outcome: "ok"}}},
			batchRows{stmt: insertOutcome, rows: outcomeRows(101, []outcome{{writeID: writeIDs[0], status: statusConfirmed, how: howAnswer, runnID: 7}})})
	}()
	waitQueued(r, 2)
	close(release)

	if err := <-leader; err != nil {
		t.Fatalf("the leader's own batch: %v", err)
	}
	if err := <-bad; err == nil {
		t.Error("a record the trail refuses (status outside its CHECK) was committed")
	}
	if err := <-good; err != nil {
		t.Errorf("the answer batched with a bad record failed with its error: %v", err)
	}
	var status string
	if err := r.db.GetContext(ctx, &status, `SELECT status FROM audit.write_log WHERE write_id = ?`, writeIDs[0]); err != nil {
		t.Fatal(err)
	}
	if status != statusConfirmed {
		t.Errorf("the applied write is %q in the trail, want %q", status, statusConfirmed)
	}
}

// R14: the caller that commits a batch returns once its own records are committed: the records
// queued meanwhile are committed by one of their own callers, not by it. Otherwise, while others
// keep writing, its own request (its intent already committed) would wait to be sent.
func TestGroupCommitLeaderReturns(t *testing.T) {
	ctx := context.Background()
	r := openRecorder(t)
	release := make(chan struct{})
	leader := holdLead(t, r, release)

	// The next batch cannot commit before the first leader has returned.
	leaderDone := make(chan error, 1)
	next := make(chan error, 1)
	go func() {
		next <- r.commit(ctx, func(tx *sqlx.Tx) error {
			<-leaderDone
			return nil
		})
	}()
	waitQueued(r, 1)
	close(release)

	var err error
	select {
	case err = <-leader:
	case <-testDeadline(t):
		close(leaderDone) // let the next batch go, so that the test ends
		t.Fatal("the leader of a batch is still committing the batch queued behind it")
	}
	if err != nil {
		t.Fatalf("the leader's own batch: %v", err)
	}
	leaderDone <- nil
	if err := <-next; err != nil {
		t.Fatalf("the batch queued behind the leader: %v", err)
	}
	// Nobody leads any more: a caller alone commits at once.
	if err := r.commit(ctx, func(*sqlx.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// testDeadline fires shortly before the test binary's own -timeout, so that a caller that never
// returns fails the test with a message instead of a stack dump. It is not a speed bound: a
// test without a deadline waits as long as it takes.
func testDeadline(t *testing.T) <-chan time.Time {
	d, ok := t.Deadline()
	if !ok {
		return nil
	}
	return time.After(time.Until(d) * 9 / 10)
}

// R14: a create whose send failed stops the load with the send's error, its answer recorded;
// when the trail cannot record it either, the error says that too instead of dropping it.
func TestCreateFailedRecordsTheAnswer(t *testing.T) {
	sendErr := errors.New("connection refused")
	for _, tc := range []struct {
		name       string
		breakTrail bool
		want       []string
	}{
		{name: "trail works", want: []string{"create role role:qa (QA)", "connection refused"}},
		{name: "trail fails", breakTrail: true,
			want: []string{"create role role:qa (QA)", "connection refused", "stays pending", "record Runn's answer to request"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			r := openRecorder(t)
			it := intent{kind: KindRole, key: "role:qa", label: "QA", rule: "R1"}
			reqID, writeIDs, err := r.send(ctx, KindRole, "POST", "/roles/", []byte(`{}`), []intent{it})
			if err != nil {
				t.Fatal(err)
			}
			if tc.breakTrail {
				if _, err := r.db.ExecContext(ctx, `ALTER TABLE audit.responses RENAME TO responses_gone`); err != nil {
					t.Fatal(err)
				}
			}
			a := newApplier(nil, r, nil, 1, nil, nil)
			c := sentCreate{createSpec: createSpec{kind: it.kind, key: it.key, label: it.label, rule: it.rule},
				reqID: reqID, writeID: writeIDs[0], err: sendErr}
			err = a.createFailed(ctx, c)
			if !errors.Is(err, sendErr) {
				t.Fatalf("err %v does not wrap the send's error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q does not say %q", err, w)
				}
			}
			if tc.breakTrail {
				return
			}
			var got string
			if err := r.db.GetContext(ctx, &got, `SELECT o.status || ' ' || a.outcome FROM audit.outcomes AS o, audit.responses AS a
				WHERE o.write_id = ? AND a.request_id = ?`, writeIDs[0], reqID); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("%s failed", statusUnknown); got != want {
				t.Errorf("the trail holds %q for the failed send, want %q", got, want)
			}
		})
	}
}
