package extract

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/klauspost/compress/zstd"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// BodyCodec names how page bodies are stored in raw.*_pages.body.
const BodyCodec = "zstd"

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
	pageTable string
	appenders map[string]*duckdb.Appender
	enc       *zstd.Encoder
	extractID int64
	stored    int64 // compressed bytes appended
	buf       []byte
}

func newLander(ctx context.Context, w *warehouse.Warehouse, extractID int64, pageTable string) (*lander, error) {
	conn, err := w.RawConn(ctx)
	if err != nil {
		return nil, err
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &lander{conn: conn, pageTable: pageTable, appenders: map[string]*duckdb.Appender{}, enc: enc, extractID: extractID}, nil
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

// appendRow appends one row to raw.<table>, prefixed with the extract id and page seq.
func (l *lander) appendRow(table string, seq int, values ...driver.Value) error {
	a, err := l.appender(table)
	if err != nil {
		return err
	}
	row := make([]driver.Value, 0, len(values)+2)
	row = append(row, l.extractID, int32(seq))
	row = append(row, values...)
	if err := a.AppendRow(row...); err != nil {
		return fmt.Errorf("append to raw.%s: %w", table, err)
	}
	return nil
}

func (l *lander) landPage(p rawPage) error {
	l.buf = l.enc.EncodeAll(p.Body, l.buf[:0])
	l.stored += int64(len(l.buf))
	a, err := l.appender(l.pageTable)
	if err != nil {
		return err
	}
	// The appender copies the blob, so the buffer can be reused for the next page.
	err = a.AppendRow(l.extractID, p.Resource, int32(p.Seq), p.URL, int32(p.Status), p.FetchedAt,
		int32(p.Duration.Milliseconds()), int32(p.Attempts), int32(p.Records), int32(len(p.Body)), BodyCodec, l.buf)
	if err != nil {
		return fmt.Errorf("append page %s #%d to raw.%s: %w", p.Resource, p.Seq, l.pageTable, err)
	}
	return nil
}

// flush commits what was appended so far, so that memory stays bounded on large extracts.
func (l *lander) flush() error {
	for t, a := range l.appenders {
		if err := a.Flush(); err != nil {
			return fmt.Errorf("write raw.%s: %w", t, err)
		}
	}
	return nil
}

func (l *lander) close() error {
	var errs []error
	for t, a := range l.appenders {
		if err := a.Close(); err != nil {
			errs = append(errs, fmt.Errorf("write raw.%s: %w", t, err))
		}
	}
	l.enc.Close()
	errs = append(errs, l.conn.Close())
	return errors.Join(errs...)
}

// PageBody returns a landed page's body byte for byte as the API sent it.
func PageBody(ctx context.Context, w *warehouse.Warehouse, source string, extractID int64, resource string, seq int) ([]byte, error) {
	table, ok := map[string]string{"harvest": "raw.harvest_pages", "runn": "raw.runn_pages"}[source]
	if !ok {
		return nil, fmt.Errorf("unknown source %q: use harvest or runn", source)
	}
	var row struct {
		Codec string `db:"body_codec"`
		Body  []byte `db:"body"`
		Size  int    `db:"body_size"`
	}
	err := w.DB.GetContext(ctx, &row, `SELECT body_codec, body, body_size FROM `+table+`
		WHERE extract_id = ? AND resource = ? AND seq = ? LIMIT 1`, extractID, resource, seq)
	if err != nil {
		return nil, fmt.Errorf("page %s #%d of %s extract %d: %w", resource, seq, source, extractID, err)
	}
	return decodeBody(row.Codec, row.Body, row.Size)
}

func decodeBody(codec string, body []byte, size int) ([]byte, error) {
	switch codec {
	case "identity":
		return body, nil
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
