package extract

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// maxActualsRanges bounds how many date ranges the actuals of a window are read in: each one is
// a listing of its own, one more request in flight at a time under the same limiter.
const maxActualsRanges = 4

// actualsRange is one date range of the window's actuals and the records the last snapshot
// predicts it holds (0: no prediction).
type actualsRange struct {
	Window
	records int64
}

// rangeReads is what reading n records of a date range at size a page costs: its requests, and
// the longest of its listings in pages one after another. A range whose last page is not full
// is read from both ends (meeting): their last pages overlap, which shows they met, so it takes
// no request more than from one end. A range of full pages is read from one end, since the two
// ends would meet without overlap and take a request more to find it out.
func rangeReads(n, size int64) (requests, chain int64) {
	p := pagesOf(n, size)
	if bothEnds(n, size) {
		return p, ceilDiv(p, actualsEnds)
	}
	return p, p
}

func bothEnds(n, size int64) bool { return pagesOf(n, size) >= actualsEnds && n%size != 0 }

// actualsRanges splits the window's actuals into date ranges read side by side, each from one
// or both ends (rangeReads), so that the actuals (most of a daily snapshot's pages, each listing's pages
// following a cursor one after another) take little longer than the longest other listing,
// without a request beyond the fewest (see partitionDays). The split follows the last
// snapshot's sizes. Without a window start or an earlier snapshot, or when anything about it
// cannot be read, the window is one range read from one end, as the split only buys time.
func actualsRanges(ctx context.Context, w *warehouse.Warehouse, win Window, log *slog.Logger) []actualsRange {
	one := []actualsRange{{Window: win}}
	if win.From.IsZero() {
		return one
	}
	sizes, err := lastRunnSizes(ctx, w, win)
	if err != nil {
		log.Warn("the window's actuals are read in one range: the last snapshot's sizes could not be read", "err", err)
		return one
	}
	if len(sizes.days) == 0 {
		return one
	}
	counts := make([]int64, len(sizes.days))
	for i, d := range sizes.days {
		counts[i] = d.Count
	}
	size := int64(runn.EndpointActuals.MaxLimit())
	ends := partitionDays(counts, size, sizes.longestOther, maxActualsRanges)
	out := make([]actualsRange, 0, len(ends))
	from, start := win.From, 0
	for k, end := range ends {
		var n int64
		for _, c := range counts[start:end] {
			n += c
		}
		r := actualsRange{Window: Window{From: from, To: win.To}, records: n}
		if k < len(ends)-1 {
			r.To = sizes.days[end-1].Date
			from = r.To.AddDate(0, 0, 1)
		}
		out = append(out, r)
		start = end
	}
	return out
}

//go:embed extractsql/last_runn_sizes.sql
var lastRunnSizesSQL string

//go:embed extractsql/stored_runn_sizes.sql
var storedRunnSizesSQL string

// runnSizes are the last succeeded snapshot's sizes: the pages of its longest listing other than
// actuals, and its actuals in the window by date.
type runnSizes struct {
	longestOther int64
	days         []dayCount
}

type dayCount struct {
	Date  time.Time `db:"date"`
	Count int64     `db:"n"`
}

type sizeRow struct {
	Resource string     `db:"resource"`
	Date     *time.Time `db:"date"`
	Count    int64      `db:"n"`
}

// lastRunnSizes reads runnSizes: those the last sync stored (RecordRunnSizes) when they still
// hold, a few rows; otherwise in one query (extractsql/last_runn_sizes.sql) the last snapshot's
// records per listing from its pages, its actuals by date from its raw table, and what the loads
// since then created. The loads matter: a sync's snapshot comes before its load, so the next
// snapshot also reads what that load wrote. Nothing comes back without an earlier snapshot.
func lastRunnSizes(ctx context.Context, w *warehouse.Warehouse, win Window) (runnSizes, error) {
	var rows []sizeRow
	// A snapshot always has a page of each listing, so stored sizes that hold are never empty.
	if err := w.DB.SelectContext(ctx, &rows, storedRunnSizesSQL, win.From, win.To); err != nil || len(rows) == 0 {
		rows = nil
		if err := w.DB.SelectContext(ctx, &rows, lastRunnSizesSQL, win.From, win.To); err != nil {
			return runnSizes{}, fmt.Errorf("read the last Runn snapshot's sizes: %w", err)
		}
	}
	out := runnSizes{longestOther: 1}
	for _, r := range rows {
		if r.Date == nil {
			out.longestOther = max(out.longestOther, pagesOf(r.Count, int64(runn.Endpoint(r.Resource).MaxLimit())))
			continue
		}
		out.days = append(out.days, dayCount{Date: *r.Date, Count: r.Count})
	}
	slices.SortFunc(out.days, func(a, b dayCount) int { return a.Date.Compare(b.Date) })
	return out, nil
}

// RecordRunnSizes stores what the next Runn snapshot will likely hold, for the next sync's split
// of the actuals (see lastRunnSizes), in place of what an earlier sync stored. A sync calls it
// after its load, from its own snapshot of the window win. It buys time only: on an error the next
// snapshot works the sizes out itself.
func RecordRunnSizes(ctx context.Context, w *warehouse.Warehouse, runID int64, win Window) error {
	if win.From.IsZero() {
		return nil
	}
	if err := storeRunnSizes(ctx, w, runID, win); err != nil {
		return fmt.Errorf("store the next Runn snapshot's sizes: %w", err)
	}
	return nil
}

func storeRunnSizes(ctx context.Context, w *warehouse.Warehouse, runID int64, win Window) error {
	tx, err := warehouse.BeginTx(ctx, w.DB)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta.runn_sizes`); err != nil {
		return err
	}
	// lastRunnSizesSQL's own parameters are $1 and $2.
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta.runn_sizes
		SELECT $3, (SELECT extract_id FROM meta.extracts WHERE source = 'runn' AND status = 'succeeded'
			ORDER BY extract_id DESC LIMIT 1), $1, $2, now(), resource, date, n
		FROM (`+lastRunnSizesSQL+`)`, win.From, win.To, runID); err != nil {
		return err
	}
	return tx.Commit()
}

// pagesOf is the requests a listing of n records takes at size records a page: an empty one
// still takes one.
func pagesOf(n, size int64) int64 {
	if size <= 0 {
		return 1
	}
	return max(1, ceilDiv(n, size))
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// partitionDays splits days (records per day, in date order) into at most maxParts ranges of
// consecutive days, read side by side at size records a page, each from one or both ends
// (rangeReads). It returns the index one past the last day of each range.
//
// Every range but the last ends with a page that is not full unless its records happen to fill
// it, so an even split costs up to a request a range more than reading the whole at once. This
// one keeps the total at the fewest (pagesOf the whole), and among such splits takes the one
// whose longest listing is the fewest pages: first the least cap C from max(minPages, the fewest ÷
// all the ends) upwards that some split keeps every listing within, then the fewest ranges under
// it. minPages is the longest other listing's pages, which the snapshot waits for anyway, so
// listings shorter than it buy nothing. One range always qualifies.
func partitionDays(counts []int64, size, minPages int64, maxParts int) []int {
	n := len(counts)
	if n == 0 || maxParts <= 1 {
		return []int{n}
	}
	prefix := make([]int64, n+1)
	for i, c := range counts {
		prefix[i+1] = prefix[i] + c
	}
	fewest := pagesOf(prefix[n], size)
	_, hi := rangeReads(prefix[n], size) // one range
	lo := min(max(minPages, ceilDiv(fewest, int64(maxParts*actualsEnds)), 1), hi)
	// A split that keeps every range within C also does within C+1: the least C is found by
	// bisection, each try a small dynamic programme over the days.
	for lo < hi {
		mid := lo + (hi-lo)/2
		if splitWithin(prefix, size, mid, fewest, maxParts) != nil {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if ends := splitWithin(prefix, size, lo, fewest, maxParts); ends != nil {
		return ends
	}
	return []int{n}
}

// splitWithin returns the split of the days (given by their prefix sums) into the fewest ranges,
// at most maxParts, each listing within maxPages pages, whose pages add up to total; nil if
// there is none.
func splitWithin(prefix []int64, size, maxPages, total int64, maxParts int) []int {
	n := len(prefix) - 1
	const none = -1
	// least[r][i]: the fewest pages the first i days take in r ranges whose listings are within maxPages
	// (none: no such split); from[r][i]: where the last of those ranges starts.
	least := make([][]int64, maxParts+1)
	from := make([][]int, maxParts+1)
	for r := range least {
		least[r] = slices.Repeat([]int64{none}, n+1)
		from[r] = make([]int, n+1)
	}
	least[0][0] = 0
	for r := 1; r <= maxParts; r++ {
		for i := r; i <= n; i++ {
			for j := r - 1; j < i; j++ {
				p, chain := rangeReads(prefix[i]-prefix[j], size)
				if least[r-1][j] == none || chain > maxPages {
					continue
				}
				if t := least[r-1][j] + p; least[r][i] == none || t < least[r][i] {
					least[r][i], from[r][i] = t, j
				}
			}
		}
		if least[r][n] == total {
			ends := make([]int, r)
			for k, i := r-1, n; k >= 0; k-- {
				ends[k] = i
				i = from[k+1][i]
			}
			return ends
		}
	}
	return nil
}
