package extract

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// BodyCodec names how page bodies are stored: one zstd frame per page in the extract's page file.
const BodyCodec = "zstd"

// flushEvery bounds the rows held before a commit. Each flush is a commit, which cost a quarter
// of the extract's CPU when done after every page; this many rows are a few MB.
const flushEvery = 20_000

// idleFlushRows is the least rows committed while the lander waits for pages: a commit has a
// cost of its own, so not after every page.
const idleFlushRows = 2_000

// rawPage is one HTTP response as received, whichever API it came from.
type rawPage struct {
	Resource  string
	Seq       int
	URL       string
	Status    int
	FetchedAt time.Time
	Duration  time.Duration
	Attempts  int
	Records   int
	Body      []byte
}

// lander appends pages and their decoded records to the raw tables of one source through
// DuckDB's appender, on a connection of its own. The appender is far faster than INSERTs, and
// decoding in Go at landing time lets the transform read typed columns instead of parsing JSON
// (see docs/benchmarks.md for the comparison that chose this).
type lander struct {
	conn      driver.Conn
	source    string
	bodies    *os.File // the extract's page file: concatenated zstd frames
	bodyName  string   // its path relative to the warehouse's folder
	offset    int64    // where the next frame goes
	appenders map[string]*duckdb.Appender
	enc       *zstd.Encoder
	w         *warehouse.Warehouse
	reg       *registration
	landing   *Landing
	extractID int64 // set by open
	stored    int64 // compressed bytes appended
	pending   int   // rows appended since the last flush
}

// newLander makes a lander for the extract reg registers. Pages can be prepared at once; the
// page file and the connection are opened, by open, once the extract has its id.
func newLander(w *warehouse.Warehouse, source string, reg *registration, landing *Landing) (*lander, error) {
	if landing == nil {
		landing = NewLanding()
	}
	// SpeedFastest: twice the speed of the default level for 11% more bytes (docs/benchmarks.md).
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(preparers()))
	if err != nil {
		return nil, err
	}
	return &lander{landing: landing, w: w, reg: reg, source: source, appenders: map[string]*duckdb.Appender{}, enc: enc}, nil
}

// open waits for the extract's id, then opens its page file and the lander's connection.
func (l *lander) open(ctx context.Context) error {
	id, err := l.reg.wait()
	if err != nil {
		return err
	}
	l.extractID = id
	dir := l.w.PagesDir()
	// Page bodies hold what the warehouse holds (emails, cost rates): for its owner only.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("page folder: %w", err)
	}
	name, path := l.w.PageFile(l.source, id)
	bodies, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("page file: %w", err)
	}
	conn, err := l.w.RawConn(ctx)
	if err != nil {
		bodies.Close()
		return err
	}
	l.bodies, l.bodyName, l.conn = bodies, name, conn
	return nil
}

func (l *lander) appender(table string) (*duckdb.Appender, error) {
	if a, ok := l.appenders[table]; ok {
		return a, nil
	}
	a, err := duckdb.NewAppenderFromConn(l.conn, "raw", table)
	if err != nil {
		return nil, fmt.Errorf("open appender for raw.%s: %w", table, err)
	}
	l.appenders[table] = a
	return a, nil
}

// rowSink receives the rows decoded from a page.
type rowSink interface {
	appendRow(table string, values ...driver.Value) error
}

// collected holds a page's decoded rows until the appending goroutine takes them.
type collected struct {
	seq  int32
	rows []collectedRow
}

type collectedRow struct {
	table  string
	values []driver.Value
}

func (c *collected) appendRow(table string, values ...driver.Value) error {
	row := make([]driver.Value, 0, len(values)+2)
	row = append(row, nil, c.seq) // the extract id, which append fills in
	c.rows = append(c.rows, collectedRow{table: table, values: append(row, values...)})
	return nil
}

// pageJob is a page to land: decode turns its body into rows; landed runs once it is appended,
// on the appending goroutine, so it needs no lock of its own.
type pageJob struct {
	page   rawPage
	decode func(body []byte, sink rowSink) error
	landed func()
}

// prepared is a page ready to append: body compressed, records decoded.
type prepared struct {
	job        pageJob
	compressed []byte
	rows       collected
}

// prepare does a page's CPU work; it is safe to call from several goroutines.
func (l *lander) prepare(job pageJob) (prepared, error) {
	p := prepared{job: job, rows: collected{seq: int32(job.page.Seq)}}
	if err := job.decode(job.page.Body, &p.rows); err != nil {
		return p, fmt.Errorf("page %s: %w", job.page.URL, err)
	}
	p.compressed = l.enc.EncodeAll(job.page.Body, make([]byte, 0, len(job.page.Body)/6))
	return p, nil
}

// append writes a prepared page through the appenders; only the appending goroutine calls it.
func (l *lander) append(p prepared) error {
	pg := p.job.page
	a, err := l.appender("pages")
	if err != nil {
		return err
	}
	if _, err := l.bodies.Write(p.compressed); err != nil {
		return fmt.Errorf("write page %s #%d to %s: %w", pg.Resource, pg.Seq, l.bodyName, err)
	}
	if err := a.AppendRow(l.source, l.extractID, pg.Resource, int32(pg.Seq), pg.URL, int32(pg.Status), pg.FetchedAt,
		int32(pg.Duration.Milliseconds()), int32(pg.Attempts), int32(pg.Records), int32(len(pg.Body)), BodyCodec,
		l.bodyName, l.offset, int64(len(p.compressed))); err != nil {
		return fmt.Errorf("append %s page %s #%d to raw.pages: %w", l.source, pg.Resource, pg.Seq, err)
	}
	l.offset += int64(len(p.compressed))
	l.stored += int64(len(p.compressed))
	for _, r := range p.rows.rows {
		r.values[0] = l.extractID
		a, err := l.appender(r.table)
		if err != nil {
			return err
		}
		if err := a.AppendRow(r.values...); err != nil {
			return fmt.Errorf("append to raw.%s: %w", r.table, err)
		}
	}
	l.pending += len(p.rows.rows) + 1
	if p.job.landed != nil {
		p.job.landed()
	}
	return l.maybeFlush()
}

// queuedBytes bounds the bodies of the fetched pages waiting for a preparer; a fetch blocks when
// its page would go beyond (a page larger than all of it waits alone). A commit stops the
// appending goroutine for a few tens of milliseconds a table (the first after the warehouse
// opens, a quarter of a second for a snapshot's nine tables): this much lets the listings go on
// meanwhile, some 40 pages of Runn actuals, 3 of Harvest time entries.
const queuedBytes = 8 << 20

// queuedPages is how many waiting pages the queue holds at most, whatever their size.
const queuedPages = 64

// preparers is how many goroutines decode and compress pages: the machine's cores, which the
// appending goroutine and the fetches share.
func preparers() int { return max(2, runtime.NumCPU()) }

// landAll lands the pages feed submits. Pages are prepared concurrently and appended by one
// goroutine, so fetching, decoding and writing overlap; submit blocks while the queues are full
// (queuedBytes), which paces the fetches to what the warehouse takes.
func (l *lander) landAll(ctx context.Context, feed func(ctx context.Context, submit func(pageJob) error) error) error {
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan pageJob, queuedPages)
	ready := make(chan prepared, preparers())
	queued := semaphore.NewWeighted(queuedBytes)
	weight := func(j pageJob) int64 { return min(int64(len(j.page.Body)), queuedBytes) }
	g.Go(func() error {
		defer close(jobs)
		return feed(gctx, func(j pageJob) error {
			if err := queued.Acquire(gctx, weight(j)); err != nil {
				return err
			}
			select {
			case jobs <- j:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	var prep errgroup.Group
	for range preparers() {
		prep.Go(func() error {
			for j := range jobs {
				queued.Release(weight(j))
				var p prepared
				err := l.landing.do(func() (err error) {
					p, err = l.prepare(j)
					return err
				})
				if err != nil {
					return err
				}
				select {
				case ready <- p:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(ready)
		return prep.Wait()
	})
	g.Go(func() error { return l.appendAll(gctx, ready) })
	return g.Wait()
}

// appendAll appends the prepared pages in the order they come. When none is waiting, the pages
// are on the network: what is pending is committed then, if it is worth a commit, so that the
// end of the extract, when every listing has its last page, has little left to write (a commit
// takes time in proportion to its rows). The first page waits for the extract's id (open), which
// the fetches and preparers do not need.
func (l *lander) appendAll(ctx context.Context, ready <-chan prepared) error {
	if l.conn == nil {
		if err := l.open(ctx); err != nil {
			return err
		}
	}
	for {
		var p prepared
		var ok bool
		select {
		case p, ok = <-ready:
		default:
			if l.pending >= idleFlushRows {
				if err := l.landing.do(l.flush); err != nil {
					return err
				}
			}
			p, ok = <-ready
		}
		if !ok {
			return nil
		}
		if err := l.landing.do(func() error { return l.append(p) }); err != nil {
			return err
		}
	}
}

// Landing bounds the landing work done while the listings are read (decoding pages,
// compressing their bodies, appending and committing their rows) that runs at once, across the
// extracts of a sync: to all the cores but one. (An extract's final commits, once its own pages
// are all in, are outside it; Harvest's may then overlap Runn's listings.) The core left over reads the answers as they come. When every P is busy, Go's scheduler
// looks for answers that arrived only about every 10 ms (sysmon), and each page of a listing
// waits for that before the next is asked for: on 2026-12-07's bench account, the no-change
// daily run's snapshot took 20 to 60 ms longer (docs/benchmarks.md).
type Landing struct{ sem *semaphore.Weighted }

// NewLanding makes a Landing for GOMAXPROCS less one goroutines (at least one).
func NewLanding() *Landing {
	return &Landing{sem: semaphore.NewWeighted(int64(max(1, runtime.GOMAXPROCS(0)-1)))}
}

// do runs fn once it may. It waits on nothing but other landing work, which ends on its own, so
// it takes no context.
func (l *Landing) do(fn func() error) error {
	_ = l.sem.Acquire(context.Background(), 1)
	defer l.sem.Release(1)
	return fn()
}

// maybeFlush commits once enough rows are pending, so that memory stays bounded on large extracts.
func (l *lander) maybeFlush() error {
	if l.pending < flushEvery {
		return nil
	}
	return l.flush()
}

// flush commits what was appended so far, page bodies first: a row never names bytes that are
// not on disk.
func (l *lander) flush() error {
	l.pending = 0
	if err := l.bodies.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", l.bodyName, err)
	}
	for t, a := range l.appenders {
		if err := a.Flush(); err != nil {
			return fmt.Errorf("write raw.%s: %w", t, err)
		}
	}
	return nil
}

func (l *lander) close() error {
	l.enc.Close()
	if l.conn == nil { // never opened: nothing was landed
		return nil
	}
	var errs []error
	if err := l.bodies.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("write %s: %w", l.bodyName, err))
	}
	errs = append(errs, l.bodies.Close())
	for t, a := range l.appenders {
		if err := a.Close(); err != nil {
			errs = append(errs, fmt.Errorf("write raw.%s: %w", t, err))
		}
	}
	errs = append(errs, l.conn.Close())
	return errors.Join(errs...)
}

// PageBody returns a landed page's body byte for byte as the API sent it.
func PageBody(ctx context.Context, w *warehouse.Warehouse, source string, extractID int64, resource string, seq int) ([]byte, error) {
	var row struct {
		Codec  string `db:"body_codec"`
		File   string `db:"body_file"`
		Offset int64  `db:"body_offset"`
		Length int64  `db:"body_length"`
		Size   int    `db:"body_size"`
	}
	err := w.DB.GetContext(ctx, &row, `SELECT body_codec, body_file, body_offset, body_length, body_size FROM raw.pages
		WHERE source = ? AND extract_id = ? AND resource = ? AND seq = ? LIMIT 1`, source, extractID, resource, seq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no page %s #%d in %s extract %d: list them with SELECT source, extract_id, resource, seq, url FROM raw.pages",
			resource, seq, source, extractID)
	}
	if err != nil {
		return nil, fmt.Errorf("page %s #%d of %s extract %d: %w", resource, seq, source, extractID, err)
	}
	f, err := os.Open(filepath.Join(filepath.Dir(w.Path()), row.File))
	if err != nil {
		return nil, fmt.Errorf("page %s #%d of %s extract %d: %w (was the page folder moved or pruned?)", resource, seq, source, extractID, err)
	}
	defer f.Close()
	frame := make([]byte, row.Length)
	if _, err := f.ReadAt(frame, row.Offset); err != nil {
		return nil, fmt.Errorf("read page %s #%d from %s: %w", resource, seq, row.File, err)
	}
	return decodeBody(row.Codec, frame, row.Size)
}

func decodeBody(codec string, body []byte, size int) ([]byte, error) {
	switch codec {
	case BodyCodec:
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer dec.Close()
		out, err := dec.DecodeAll(body, make([]byte, 0, size))
		if err != nil {
			return nil, fmt.Errorf("decompress page body: %w", err)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unknown page body codec %q", codec)
	}
}

// Helpers that turn optional JSON values into appender values (nil is NULL).

func str(p *string) driver.Value {
	if p == nil {
		return nil
	}
	return *p
}

func num(p *json.Number) driver.Value {
	if p == nil || *p == "" {
		return nil
	}
	return p.String()
}

func ts(t time.Time) driver.Value {
	if t.IsZero() {
		return nil
	}
	return t
}

func date(s *string) (driver.Value, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return nil, fmt.Errorf("date %q: %w", *s, err)
	}
	return t, nil
}
