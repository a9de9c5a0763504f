package extract

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	gojson "github.com/goccy/go-json"

	"github.com/harvest2runn/harvest2runn/runn"
)

// actualsEnds is how many listings read one date range of actuals: one ascending by id from its
// first record, one descending from its last, which stop where they meet. Unlike a split at a
// date, which ends each part with a page that is not full, the two ends of a range whose last
// page is not full take no request more than one listing would (rangeReads), in half the round
// trips one after another.
const actualsEnds = 2

// errEndsMet stops a listing whose records the other end of its range has read.
var errEndsMet = errors.New("the two ends of the range met")

// meeting coordinates the two ends of one date range of actuals. The ascending end reads at
// least its half of the pages the range is predicted to take, the descending end at most the
// other half; once the descending end has stopped, the ascending one goes on until it reaches a
// record the descending one read, so that a range that grew is still read whole (R17: nothing
// of the window is left unread). Only the last page of each end can hold records the other also
// read; they are landed as received (staging keeps one copy of each id) and counted once in the
// manifest.
type meeting struct {
	ascQuota, descQuota int
	descDone            chan struct{} // closed when the descending end stops, however

	mu                sync.Mutex
	ascMax, descMin   int64 // the highest id read ascending, the lowest read descending
	ascRead, descRead bool  // whether each end has read a record
	ascAll, descAll   bool  // whether an end read the range to its end: the other may stop
	ascIDs            map[int64]struct{}
	descIDs           []int64
}

func newMeeting(pages int64) *meeting {
	return &meeting{ascQuota: int(ceilDiv(pages, actualsEnds)), descQuota: int(pages / actualsEnds),
		descDone: make(chan struct{}), ascIDs: map[int64]struct{}{}}
}

// met says whether the ends' records now join up; the caller holds mu.
func (m *meeting) met() bool {
	return m.ascAll || m.descAll || (m.ascRead && m.descRead && m.ascMax >= m.descMin)
}

// pageIDs are the ids of a page of actuals, in the page's order.
func pageIDs(body []byte) ([]int64, error) {
	var env struct {
		Values []struct {
			ID int64 `json:"id"`
		} `json:"values"`
	}
	if err := gojson.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("records do not match Runn's published shape: %w", err)
	}
	ids := make([]int64, len(env.Values))
	for i, v := range env.Values {
		ids[i] = v.ID
	}
	return ids, nil
}

// ascPage notes a page the ascending end read (its seq-th) and says whether the end stops: it
// has met the descending end, or has read its half and, once the descending end has stopped,
// still meets it. Waiting for the descending end there costs no time when the prediction holds:
// its last page is in flight beside the ascending end's.
func (m *meeting) ascPage(ctx context.Context, seq int, body []byte) error {
	ids, err := pageIDs(body)
	if err != nil {
		return err
	}
	m.mu.Lock()
	for _, id := range ids {
		m.ascIDs[id] = struct{}{}
		m.ascMax, m.ascRead = max(m.ascMax, id), true
	}
	met := m.met()
	m.mu.Unlock()
	if met {
		return errEndsMet
	}
	if seq < m.ascQuota {
		return nil
	}
	select {
	case <-m.descDone:
	case <-ctx.Done():
		return ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.met() {
		return errEndsMet
	}
	return nil
}

// descPage notes a page the descending end read (its seq-th) and says whether the end stops:
// it has met the ascending end or read its half.
func (m *meeting) descPage(seq int, body []byte) error {
	ids, err := pageIDs(body)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.descIDs = append(m.descIDs, id)
		if !m.descRead || id < m.descMin {
			m.descMin, m.descRead = id, true
		}
	}
	if m.met() || seq >= m.descQuota {
		return errEndsMet
	}
	return nil
}

// ended records how an end's listing ended; a listing that ran to its last page read the range
// from its end to its other.
func (m *meeting) ended(desc bool, err error) {
	m.mu.Lock()
	if err == nil {
		if desc {
			m.descAll = true
		} else {
			m.ascAll = true
		}
	}
	m.mu.Unlock()
	if desc {
		close(m.descDone)
	}
}

// overlap is how many records both ends read: landed twice, counted once.
func (m *meeting) overlap() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, id := range m.descIDs {
		if _, ok := m.ascIDs[id]; ok {
			n++
		}
	}
	return n
}

// descending is q reading the same records from the other end.
func descending(q url.Values) url.Values {
	d := url.Values{}
	for k, vs := range q {
		d[k] = append([]string(nil), vs...)
	}
	d.Set("sortBy", "id")
	d.Set("order", "desc")
	return d
}

// readEnd lists one end of a range of actuals through list, stopping where the ends meet.
func (m *meeting) readEnd(ctx context.Context, desc bool, list func(fn func(runn.Page) error) error,
	land func(runn.Page) error) error {
	seq := 0
	err := list(func(p runn.Page) error {
		if err := land(p); err != nil {
			return err
		}
		seq++
		if desc {
			return m.descPage(seq, p.Body)
		}
		return m.ascPage(ctx, seq, p.Body)
	})
	if errors.Is(err, errEndsMet) {
		err = nil
		m.ended(desc, errEndsMet)
		return nil
	}
	m.ended(desc, err)
	return err
}
