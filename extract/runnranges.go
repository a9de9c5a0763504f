package extract

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// maxActualsRanges bounds how many date ranges the actuals of a window are read in. Each range
// ends with a page that is not full, so each one more costs up to one request.
const maxActualsRanges = 4

// runnTables are the raw tables of the listings other than actuals, for their sizes in the last
// snapshot.
var runnTables = map[runn.Endpoint]string{
	runn.EndpointRoles: "runn_roles", runn.EndpointClients: "runn_clients", runn.EndpointProjects: "runn_projects",
	runn.EndpointPeople: "runn_people", runn.EndpointProjectTags: "runn_project_tags", runn.EndpointContracts: "runn_contracts",
	runn.EndpointAssignments: "runn_assignments",
}

// actualsRanges splits the window's actuals into date ranges read side by side, so that the
// actuals (most of a daily snapshot's pages, each listing's pages following a cursor one after
// another) take no longer than the longest other listing. The split follows the last snapshot:
// as many ranges as the actuals had pages for each page of the longest other listing (at most
// maxActualsRanges), with equal counts of the last snapshot's actuals in each. Without a window
// start or an earlier snapshot, or when anything about it cannot be read, the window is one
// range, as the split only buys time.
func actualsRanges(ctx context.Context, w *warehouse.Warehouse, win Window, log *slog.Logger) []Window {
	one := []Window{win}
	if win.From.IsZero() {
		return one
	}
	ranges, err := splitActuals(ctx, w, win)
	if err != nil {
		log.Warn("the window's actuals are read in one range: the last snapshot's sizes could not be read", "err", err)
		return one
	}
	return ranges
}

func splitActuals(ctx context.Context, w *warehouse.Warehouse, win Window) ([]Window, error) {
	var last int64
	if err := w.DB.GetContext(ctx, &last, `SELECT coalesce(max(extract_id), 0) FROM meta.extracts WHERE source = 'runn' AND status = 'succeeded'`); err != nil {
		return nil, fmt.Errorf("read the last Runn snapshot: %w", err)
	}
	if last == 0 {
		return []Window{win}, nil
	}
	longest := int64(1)
	for ep, table := range runnTables {
		var n int64
		if err := w.DB.GetContext(ctx, &n, `SELECT count(*) FROM raw.`+table+` WHERE extract_id = ?`, last); err != nil {
			return nil, fmt.Errorf("count raw.%s: %w", table, err)
		}
		longest = max(longest, ceilDiv(n, int64(ep.MaxLimit())))
	}
	var days []struct {
		Date  time.Time `db:"date"`
		Count int64     `db:"n"`
	}
	if err := w.DB.SelectContext(ctx, &days, `SELECT date, count(*) AS n FROM raw.runn_actuals
		WHERE extract_id = ? AND date BETWEEN ? AND ? GROUP BY date ORDER BY date`, last, win.From, win.To); err != nil {
		return nil, fmt.Errorf("count the last snapshot's actuals by date: %w", err)
	}
	var total int64
	for _, d := range days {
		total += d.Count
	}
	k := min(ceilDiv(ceilDiv(total, int64(runn.EndpointActuals.MaxLimit())), longest), maxActualsRanges, int64(len(days)))
	if k <= 1 {
		return []Window{win}, nil
	}
	out := []Window{}
	from, sum := win.From, int64(0)
	for i, d := range days {
		sum += d.Count
		if int64(len(out)) < k-1 && sum*k >= total*int64(len(out)+1) && i < len(days)-1 {
			out = append(out, Window{From: from, To: d.Date})
			from = d.Date.AddDate(0, 0, 1)
		}
	}
	return append(out, Window{From: from, To: win.To}), nil
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
