package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

type pageFlags struct {
	common commonFlags
	source string
}

func pageCommand() *command {
	return &command{
		name:    "page",
		raw:     true,
		summary: "print a landed page's body exactly as the API sent it",
		usage:   "EXTRACT_ID RESOURCE SEQ [flags]",
		help: `Prints the body of one page of an extract, byte for byte as Harvest or Runn sent it, to stdout.
Find pages with: SELECT source, extract_id, resource, seq, url FROM raw.pages. With --output json,
one JSON object: the page's source, extract, resource and seq, and its body.

Example:
  harvest2runn page 12 time_entries 3 | jq '.time_entries | length'
  harvest2runn page 13 actuals 1 --source runn
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &pageFlags{}
			f.common.registerWarehouse(fs)
			fs.StringVar(&f.source, "source", "harvest", "which API's page: harvest or runn")
			// text is the body byte for byte; json, an object with the body in it.
			registerOutput(fs, &f.common.output, outputText, outputJSON)
			return f
		},
		run: runPage,
	}
}

func runPage(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*pageFlags)
	if len(args) != 3 {
		return usagef("give EXTRACT_ID RESOURCE SEQ, e.g. harvest2runn page 12 time_entries 3")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return usagef("EXTRACT_ID %q is not a number", args[0])
	}
	seq, err := strconv.Atoi(args[2])
	if err != nil {
		return usagef("SEQ %q is not a number", args[2])
	}
	if err := oneOf("--source", f.source, "harvest", "runn"); err != nil {
		return err
	}
	format, err := checkOutput(f.common.output, outputText, outputJSON)
	if err != nil {
		return err
	}
	w, err := warehouse.Open(ctx, f.common.warehousePath(e), warehouse.Options{Holder: "harvest2runn page"})
	if err != nil {
		return err
	}
	body, err := extract.PageBody(ctx, w, f.source, id, args[1], seq)
	if cerr := w.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return err
	}
	if format == outputJSON {
		return writePageJSON(e.stdout, f.source, id, args[1], seq, body)
	}
	_, err = e.stdout.Write(body)
	return err
}

// pageJSON is page's JSON output (docs/schemas/page.schema.json): the body as JSON when it is,
// else as a string.
type pageJSON struct {
	Source    string          `json:"source"`
	ExtractID int64           `json:"extract_id"`
	Resource  string          `json:"resource"`
	Seq       int             `json:"seq"`
	Body      json.RawMessage `json:"body"`
}

func writePageJSON(w io.Writer, source string, id int64, resource string, seq int, body []byte) error {
	p := pageJSON{Source: source, ExtractID: id, Resource: resource, Seq: seq, Body: body}
	if !json.Valid(body) {
		b, err := json.Marshal(string(body))
		if err != nil {
			return err
		}
		p.Body = b
	}
	return json.NewEncoder(w).Encode(p)
}
