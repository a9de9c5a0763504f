package extract

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/harvest2runn/harvest2runn/runn"
)

// fakeEnd lists ids 1..n in pages of size, ascending or descending by id, as Runn pages a
// listing: a page holds nextCursor null when it ends the listing; fn's error stops it.
func fakeEnd(n, size int64, desc bool, requests *atomic.Int64) func(fn func(runn.Page) error) error {
	return func(fn func(runn.Page) error) error {
		for start := int64(0); ; start += size {
			requests.Add(1)
			var ids []string
			for k := start; k < min(start+size, n); k++ {
				id := k + 1
				if desc {
					id = n - k
				}
				ids = append(ids, fmt.Sprintf(`{"id":%d}`, id))
			}
			last := start+size >= n
			next := `"more"`
			if last {
				next = "null"
			}
			body := fmt.Sprintf(`{"values":[%s],"nextCursor":%s}`, strings.Join(ids, ","), next)
			if err := fn(runn.Page{Body: []byte(body), Count: len(ids)}); err != nil {
				return err
			}
			if last {
				return nil
			}
		}
	}
}

// TestMeetingReadsEveryRecord (issue 14, R17): the two ends of a range of actuals stop where they
// meet, whatever the range holds against the prediction, never leaving a record unread; when the
// prediction holds and the last page is not full, they take the fewest requests.
func TestMeetingReadsEveryRecord(t *testing.T) {
	const size = 500
	tests := []struct {
		name         string
		records      int64
		predicted    int64 // records the last snapshot had
		mostRequests int64 // the least is the fewest: pagesOf(records)
		mostLongest  int64 // pages of the longer end
	}{
		{"as predicted", 1700, 1700, 4, 2},
		{"as predicted, odd pages", 2100, 2100, 5, 3},
		{"grew by a page", 2300, 1700, 5, 3},
		{"grew to full pages: a request more to find the ends met", 2000, 1700, 5, 3},
		{"shrank by a page: up to a request more", 1400, 1700, 4, 2},
		{"shrank to less than a page", 300, 1700, 2, 1},
		{"emptied", 0, 1700, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMeeting(pagesOf(tt.predicted, size))
			var requests atomic.Int64
			var ends [2]atomic.Int64
			seen := make([]atomic.Int64, tt.records+1)
			g, ctx := errgroup.WithContext(context.Background())
			for i, desc := range []bool{false, true} {
				g.Go(func() error {
					return m.readEnd(ctx, desc, fakeEnd(tt.records, size, desc, &requests), func(p runn.Page) error {
						ends[i].Add(1)
						ids, err := pageIDs(p.Body)
						for _, id := range ids {
							seen[id].Add(1)
						}
						return err
					})
				})
			}
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
			var twice int64
			for id := int64(1); id <= tt.records; id++ {
				switch seen[id].Load() {
				case 0:
					t.Fatalf("record %d of %d not read", id, tt.records)
				case 2:
					twice++
				}
			}
			if got := requests.Load(); got < pagesOf(tt.records, size) || got > tt.mostRequests {
				t.Errorf("took %d requests, want %d to %d", got, pagesOf(tt.records, size), tt.mostRequests)
			}
			if got := m.overlap(); got != twice {
				t.Errorf("overlap counted %d records, both ends read %d", got, twice)
			}
			if got := max(ends[0].Load(), ends[1].Load()); got > tt.mostLongest {
				t.Errorf("the longer end read %d pages, want at most %d", got, tt.mostLongest)
			}
		})
	}
}
