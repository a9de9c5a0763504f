package main

// Rows of a query or report, as a table, CSV or JSON.

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

// rowSink is a pipelines.RowSink that must be closed to flush what it holds.
type rowSink interface {
	pipelines.RowSink
	Close() error
}

// cell is how a value prints in a table or CSV: as DuckDB's shell prints it, NULL empty.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case []any, map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

type tableSink struct {
	w    io.Writer
	tw   *tabwriter.Writer
	rows int
}

func (s *tableSink) Columns(cols []pipelines.Column) error {
	s.tw = tabwriter.NewWriter(s.w, 0, 0, 2, ' ', 0)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	_, err := fmt.Fprintln(s.tw, strings.Join(names, "\t"))
	return err
}

func (s *tableSink) Row(vals []any) error {
	cells := make([]string, len(vals))
	for i, v := range vals {
		// A tab or newline inside a value would break the columns.
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(cell(v))
	}
	s.rows++
	_, err := fmt.Fprintln(s.tw, strings.Join(cells, "\t"))
	return err
}

func (s *tableSink) Close() error {
	if s.tw == nil {
		return nil
	}
	if err := s.tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(s.w, "(%d rows)\n", s.rows)
	return err
}

type csvSink struct{ w *csv.Writer }

func (s *csvSink) Columns(cols []pipelines.Column) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return s.w.Write(names)
}

func (s *csvSink) Row(vals []any) error {
	cells := make([]string, len(vals))
	for i, v := range vals {
		cells[i] = cell(v)
	}
	return s.w.Write(cells)
}

func (s *csvSink) Close() error {
	s.w.Flush()
	return s.w.Error()
}

// jsonSink writes one JSON array of objects, keys in column order, streaming.
type jsonSink struct {
	w    io.Writer
	cols []pipelines.Column
	n    int
}

func (s *jsonSink) Columns(cols []pipelines.Column) error {
	s.cols = cols
	_, err := io.WriteString(s.w, "[")
	return err
}

func (s *jsonSink) Row(vals []any) error {
	var b bytes.Buffer
	if s.n > 0 {
		b.WriteString(",")
	}
	b.WriteString("\n{")
	for i, v := range vals {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(s.cols[i].Name)
		val, err := json.Marshal(v)
		if err != nil {
			val, _ = json.Marshal(fmt.Sprint(v))
		}
		b.Write(k)
		b.WriteString(":")
		b.Write(val)
	}
	b.WriteString("}")
	s.n++
	_, err := s.w.Write(b.Bytes())
	return err
}

func (s *jsonSink) Close() error {
	if s.cols == nil {
		return nil
	}
	_, err := io.WriteString(s.w, "\n]\n")
	return err
}
