package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/pipelines"
)

type linkFlags struct {
	common commonFlags
	tz     string
	only   []string
	dryRun bool
	run    int64
	pairs  []string
	from   string
}

func linkCommand() *command {
	return &command{
		name:    "link",
		summary: "adopt the clients, projects and people Runn already has: add their Harvest reference (R16)",
		usage:   "[--only KINDS] [--dry-run] [--run N] [--pair harvest:KIND:ID=runn:ID]... [--from FILE] [flags]",
		help: `Pairs the Harvest clients, projects and people that no Runn record matches by reference (R1) with
the Runn record of the same kind that has no Harvest reference and the same name (clients;
projects, under the Runn client their Harvest client is matched or linked to), or the same email
(people; by first and last name when the Runn person has no email), then adds the Harvest
reference to each Runn record, so that the next sync matches it instead of creating a duplicate.
Nothing else of the record changes. A pair with exactly one candidate on each side is proposed
and linked; a record with several candidates is listed as ambiguous and linked only when you name
the pair with --pair (or keep its row in a --from file). Writes go clients, projects, then people,
each recorded in the audit trail before it is sent; a link that stops resumes when run again, and
'harvest2runn revert RUN_ID' removes exactly the references the run added. Runn refusing some
exits 3 after the rest landed.

--pair and --from link exactly the pairs they name, and no proposed pair besides. --run N of a
link run resumes it with the pairs it was started with (other --pair or --from is refused);
--run N --dry-run lists the pairs again as a new run, leaving run N as it was. The CSV that
--output csv prints is what --from reads: delete the rows you do not want, keep one row per record.

Example:
  harvest2runn link --dry-run                          # the pairs, nothing written
  harvest2runn link                                    # link the proposed pairs
  harvest2runn link --pair harvest:project:123=runn:456
  harvest2runn link --dry-run --output csv > pairs.csv  # edit, then:
  harvest2runn link --from pairs.csv
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &linkFlags{}
			fs.StringSliceVar(&f.only, "only", nil, "link only these kinds: "+strings.Join(pipelines.LinkKinds, ",")+" (default all)")
			fs.BoolVar(&f.dryRun, "dry-run", false, "list the pairs; write nothing to Runn")
			fs.Int64Var(&f.run, "run", 0, "reuse this run's extracts instead of reading both APIs; a link run is resumed with the pairs it was started with (with --dry-run: listed again as a new run)")
			fs.StringArrayVar(&f.pairs, "pair", nil, "link this pair, ambiguous or not: harvest:KIND:HARVEST_ID=runn:RUNN_ID, KIND client, project or person (repeatable)")
			fs.StringVar(&f.from, "from", "", "link exactly the rows of this CSV file (as --output csv prints them)")
			fs.StringVar(&f.tz, "tz", "", "IANA time zone that decides today's date (default: local zone)")
			f.common.registerWarehouse(fs)
			f.common.registerLog(fs, "log each request and more detail")
			registerOutput(fs, &f.common.output, outputText, outputJSON, outputCSV)
			fs.StringVar(&f.common.harvestBaseURL, "harvest-base-url", "", "Harvest API base URL (env HARVEST_BASE_URL; default "+harvest.DefaultBaseURL+")")
			fs.StringVar(&f.common.harvestTokenFile, "harvest-token-file", "", "read the Harvest token from this file instead of HARVEST_ACCESS_TOKEN")
			f.common.registerRunn(fs)
			fs.StringVar(&f.common.contact, "contact", "", "email or URL Harvest can reach you at, sent in the User-Agent (env HARVEST2RUNN_CONTACT)")
			return f
		},
		run: runLink,
	}
}

func runLink(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*linkFlags)
	opts, err := f.options(args)
	if err != nil {
		return err
	}
	log := f.common.logger(e)
	if err := f.common.checkWarehouse(e); err != nil {
		return err
	}
	sources := []string{"harvest", "runn"}
	if f.run > 0 {
		sources = []string{"runn"}
	}
	if f.run > 0 && f.dryRun {
		sources = nil
	}
	clients, err := f.common.clients(ctx, e, log, sources)
	if err != nil {
		return err
	}
	opts.WarehousePath, opts.Logger = f.common.warehousePath(e), log
	opts.Harvest = clients.harvestAPI()
	if clients.runn != nil {
		opts.Runn = clients.runn
	}
	res, err := pipelines.Link(ctx, opts)
	if errors.Is(err, pipelines.ErrBadPair) || errors.Is(err, pipelines.ErrOtherPairs) {
		err = usagef("%v", err)
	}
	if res.RunID != 0 {
		if perr := printLink(e.stdout, f.common.output, res); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// options checks the flags and turns them into the pipeline's options.
func (f *linkFlags) options(args []string) (pipelines.LinkOptions, error) {
	var opts pipelines.LinkOptions
	if len(args) > 0 {
		return opts, usagef("unexpected argument %q: link takes only flags", args[0])
	}
	out, err := checkOutput(f.common.output, outputText, outputJSON, outputCSV)
	if err != nil {
		return opts, err
	}
	f.common.output = out
	if err := oneOf("--log-format", f.common.logFormat, "text", "json"); err != nil {
		return opts, err
	}
	for _, k := range f.only {
		if !slices.Contains(pipelines.LinkKinds, k) {
			return opts, usagef("--only %q: use any of %s", k, strings.Join(pipelines.LinkKinds, ","))
		}
	}
	if f.run < 0 {
		return opts, usagef("--run %d is not a run id", f.run)
	}
	if len(f.pairs) > 0 && f.from != "" {
		return opts, usagef("--pair and --from both name the pairs to link: give one")
	}
	today, _, err := (&windowFlags{tz: f.tz}).resolve(time.Now())
	if err != nil {
		return opts, err
	}
	opts = pipelines.LinkOptions{Today: today, FromRun: f.run, Only: f.only, DryRun: f.dryRun,
		RunOptions: map[string]any{"pairs": f.pairs, "from": f.from}}
	for _, p := range f.pairs {
		pair, err := parsePair(p)
		if err != nil {
			return opts, err
		}
		opts.Pairs, opts.Named = append(opts.Pairs, pair), true
	}
	if f.from != "" {
		if opts.Pairs, err = readPairsFile(f.from); err != nil {
			return opts, err
		}
		opts.Named = true
	}
	return opts, nil
}

var pairPattern = regexp.MustCompile(`^harvest:(client|project|person):([0-9]+)=runn:([0-9]+)$`)

// parsePair reads --pair harvest:KIND:HARVEST_ID=runn:RUNN_ID.
func parsePair(s string) (pipelines.Pair, error) {
	m := pairPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return pipelines.Pair{}, usagef("--pair %q: write harvest:KIND:HARVEST_ID=runn:RUNN_ID with KIND client, project or person, e.g. --pair harvest:project:123=runn:456", s)
	}
	h, errH := strconv.ParseInt(m[2], 10, 64)
	r, errR := strconv.ParseInt(m[3], 10, 64)
	if errH != nil || errR != nil || h <= 0 || r <= 0 {
		return pipelines.Pair{}, usagef("--pair %q: the ids must be whole numbers above 0", s)
	}
	return pipelines.Pair{Kind: m[1], HarvestID: h, RunnID: r}, nil
}

// readPairsFile reads the pairs of a CSV file as `link --output csv` prints it: a header naming
// at least kind, harvest_id and runn_id, then one pair per row.
func readPairsFile(path string) ([]pipelines.Pair, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, usagef("--from: %v", err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, usagef("--from %s: no header row (%v): start from what `harvest2runn link --output csv` prints", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"kind", "harvest_id", "runn_id"} {
		if _, ok := col[need]; !ok {
			return nil, usagef("--from %s: the header has no %s column: start from what `harvest2runn link --output csv` prints", path, need)
		}
	}
	pairs := []pipelines.Pair{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return pairs, nil
		}
		if err != nil {
			return nil, usagef("--from %s: %v", path, err)
		}
		field := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		p, err := parsePair(fmt.Sprintf("harvest:%s:%s=runn:%s", field("kind"), field("harvest_id"), field("runn_id")))
		if err != nil {
			return nil, usagef("--from %s line %d: kind %q, harvest_id %q, runn_id %q: give a kind client, project or person and two ids",
				path, line, field("kind"), field("harvest_id"), field("runn_id"))
		}
		pairs = append(pairs, p)
	}
}

// printLink prints a link run: one JSON object, the candidate rows as CSV, or text.
func printLink(w io.Writer, format string, res pipelines.LinkResult) error {
	switch format {
	case outputJSON:
		return json.NewEncoder(w).Encode(res)
	case outputCSV:
		return printLinkCSV(w, res)
	}
	printLinkText(w, res)
	return nil
}
