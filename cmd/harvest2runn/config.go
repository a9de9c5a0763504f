package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// commonFlags are the flags every command that touches the warehouse or an API takes.
type commonFlags struct {
	warehouse        string
	harvestBaseURL   string
	harvestTokenFile string
	runnBaseURL      string
	runnTokenFile    string
	contact          string
	logFormat        string
	verbose          bool
	output           string
	// apis are the APIs the command talks to (register and registerRunn add them): what a
	// missing-variables error lists.
	apis []string
}

func (c *commonFlags) register(fs *pflag.FlagSet) {
	c.registerLocal(fs, "log each request and more detail")
	fs.StringVar(&c.harvestBaseURL, "harvest-base-url", "", "Harvest API base URL (env HARVEST_BASE_URL; default "+harvest.DefaultBaseURL+")")
	fs.StringVar(&c.harvestTokenFile, "harvest-token-file", "", "read the Harvest token from this file instead of HARVEST_ACCESS_TOKEN")
	c.registerRunn(fs)
	c.apis = append([]string{"harvest"}, c.apis...)
	fs.StringVar(&c.contact, "contact", "", "email or URL Harvest can reach you at, sent in the User-Agent (env HARVEST2RUNN_CONTACT)")
}

// registerLocal registers the flags of every command that works on the warehouse.
func (c *commonFlags) registerLocal(fs *pflag.FlagSet, verbose string) {
	c.registerWarehouse(fs)
	c.registerLog(fs, verbose)
	registerOutput(fs, &c.output, outputText, outputJSON)
}

// registerWarehouse registers --warehouse, the flag of every command that opens the warehouse.
func (c *commonFlags) registerWarehouse(fs *pflag.FlagSet) {
	fs.StringVar(&c.warehouse, "warehouse", "", warehouseFlagHelp)
}

// registerLog registers how the command logs on stderr; verbose is --verbose's help.
func (c *commonFlags) registerLog(fs *pflag.FlagSet, verbose string) {
	fs.StringVar(&c.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVarP(&c.verbose, "verbose", "v", false, verbose)
}

// kindList is the kinds a run may be limited to, as --only takes them.
var kindList = strings.Join(transform.Kinds, ",")

// onlyFlag is --only: the kinds a run is limited to (transform.Kinds; empty: all).
type onlyFlag []string

// register registers --only; help is what the kinds do, before the list of them.
func (o *onlyFlag) register(fs *pflag.FlagSet, help, defaults string) {
	fs.Var(&kindsValue{dst: (*[]string)(o)}, "only", help+": `KINDS`, any of "+kindList+defaults)
}

// kindsValue is --only's value. An empty one is refused: `--only "$KINDS"` with KINDS unset
// would otherwise mean every kind, and a first try would run a whole sync.
type kindsValue struct {
	dst *[]string
	set bool
}

func (k *kindsValue) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("is empty: give one or more of %s, or leave --only out for every kind", kindList)
	}
	if !k.set {
		*k.dst, k.set = nil, true
	}
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*k.dst = append(*k.dst, part)
		}
	}
	return nil
}

func (k *kindsValue) String() string { return strings.Join(*k.dst, ",") }

func (k *kindsValue) Type() string { return "kinds" }

// check refuses a kind --only does not know.
func (o onlyFlag) check() error {
	for _, k := range o {
		if !slices.Contains(transform.Kinds, k) {
			return usagef("--only %q: use any of %s", k, kindList)
		}
	}
	return nil
}

// checkImport refuses what import cannot create: a kind --only does not know, and actuals.
func checkImport(kinds []string) error {
	for _, a := range kinds {
		if a == "actuals" || !slices.Contains(transform.Kinds, a) {
			return usagef("cannot import %q: give clients, projects or people (actuals come with harvest2runn sync)", a)
		}
	}
	return nil
}

// registerRunn registers where Runn is and where its token comes from.
func (c *commonFlags) registerRunn(fs *pflag.FlagSet) {
	c.apis = append(c.apis, "runn")
	fs.StringVar(&c.runnBaseURL, "runn-base-url", "", "Runn API base URL (env RUNN_BASE_URL; default "+runn.DefaultBaseURL+"; US: "+runn.USBaseURL+")")
	fs.StringVar(&c.runnTokenFile, "runn-token-file", "", "read the Runn API token from this file instead of RUNN_API_TOKEN")
}

// windowFlags choose the run's `today` and the spent-date window of time entries (R10).
type windowFlags struct {
	today       string
	tz          string
	lookback    int
	since       string
	fullHistory bool
	fs          *pflag.FlagSet // to tell a --lookback-days given from its default
}

func (w *windowFlags) register(fs *pflag.FlagSet) {
	w.fs = fs
	fs.StringVar(&w.today, "today", "", "the date the run is for, YYYY-MM-DD (default: today in --tz)")
	fs.StringVar(&w.tz, "tz", "", "IANA time zone that decides today's date, e.g. Europe/Oslo (default: local zone)")
	fs.IntVar(&w.lookback, "lookback-days", 45, "re-read time entries dated from today minus this many days (R10)")
	fs.StringVar(&w.since, "since", "", "re-read time entries dated from this date, YYYY-MM-DD (a backfill)")
	fs.BoolVar(&w.fullHistory, "full-history", false, "re-read all time entries ever recorded")
}

// resolve returns today's date (at UTC midnight) and the window.
func (w *windowFlags) resolve(now time.Time) (time.Time, extract.Window, error) {
	loc := time.Local
	if w.tz != "" {
		l, err := time.LoadLocation(w.tz)
		if err != nil {
			return time.Time{}, extract.Window{}, usagef("--tz %q is not a time zone: use an IANA name such as Europe/Oslo or America/New_York", w.tz)
		}
		loc = l
	}
	today := dateUTC(now.In(loc))
	if w.today != "" {
		t, err := parseDate("--today", w.today)
		if err != nil {
			return time.Time{}, extract.Window{}, err
		}
		today = t
	}
	if w.lookback < 0 {
		return time.Time{}, extract.Window{}, usagef("--lookback-days %d is negative: give a number of days, 0 or more", w.lookback)
	}
	if w.since != "" && w.fullHistory {
		return time.Time{}, extract.Window{}, usagef("--since and --full-history both choose where the window starts: give one")
	}
	if w.fs != nil && w.fs.Changed("lookback-days") && (w.fullHistory || w.since != "") {
		return time.Time{}, extract.Window{}, usagef("--lookback-days and --full-history or --since all choose where the window starts: give one")
	}
	win := extract.Window{From: today.AddDate(0, 0, -w.lookback), To: today}
	switch {
	case w.fullHistory:
		win.From = time.Time{}
	case w.since != "":
		s, err := parseDate("--since", w.since)
		if err != nil {
			return time.Time{}, extract.Window{}, err
		}
		if s.After(today) {
			return time.Time{}, extract.Window{}, usagef("--since %s is after today (%s): give an earlier date", w.since, today.Format(time.DateOnly))
		}
		win.From = s
	}
	return today, win, nil
}

func dateUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func parseDate(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usagef("%s %q is not a date: use YYYY-MM-DD, e.g. 2026-11-25", flag, s)
	}
	return t, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// warehouseFlagHelp is --warehouse's help, in every command that takes it.
const warehouseFlagHelp = "warehouse file (env HARVEST2RUNN_WAREHOUSE; default $XDG_STATE_HOME/harvest2runn/<HARVEST_ACCOUNT_ID>.duckdb, XDG_STATE_HOME defaulting to ~/.local/state)"

// resolveWarehouse is the warehouse the command uses: --warehouse, HARVEST2RUNN_WAREHOUSE, or
// the account's default one (warehouse.DefaultPathFor). isDefault: the last, whose folder is
// harvest2runn's own and created when missing. Without an account id there is no default: a
// configuration error that says what to set.
func (c *commonFlags) resolveWarehouse(e *env) (path string, isDefault bool, err error) {
	if p := firstNonEmpty(c.warehouse, e.getenv("HARVEST2RUNN_WAREHOUSE")); p != "" {
		return p, false, nil
	}
	p, err := warehouse.DefaultPathFor(strings.TrimSpace(e.getenv("HARVEST_ACCOUNT_ID")), e.getenv)
	if err != nil {
		return "", false, usagef("%v", err)
	}
	return p, true, nil
}

// warehousePath is resolveWarehouse's path; empty when none can be chosen, which the pipelines
// (warehouse.Open and OpenReadOnly) refuse with the same configuration error.
func (c *commonFlags) warehousePath(e *env) string {
	p, _, _ := c.resolveWarehouse(e)
	return p
}

// validateOutput checks --output (text or json; --format's old "table" is text) and --log-format.
func (c *commonFlags) validateOutput() error {
	format, err := checkOutput(c.output, outputText, outputJSON)
	if err != nil {
		return err
	}
	c.output = format
	return oneOf("--log-format", c.logFormat, "text", "json")
}

// oneOf refuses a flag's value that is none of the choices, naming them.
func oneOf(flag, value string, choices ...string) error {
	if slices.Contains(choices, value) {
		return nil
	}
	list := choices[len(choices)-1]
	if len(choices) > 1 {
		list = strings.Join(choices[:len(choices)-1], ", ") + " or " + list
	}
	return usagef("%s %q: use %s", flag, value, list)
}

// logger logs to stderr. On a terminal, progress bars replace the info lines unless --verbose.
func (c *commonFlags) logger(e *env) *slog.Logger {
	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	} else if e.terminal && c.logFormat == "text" {
		level = slog.LevelWarn
	}
	o := &slog.HandlerOptions{Level: level}
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, o))
	}
	return slog.New(slog.NewTextHandler(e.stderr, o))
}

var accountIDPattern = regexp.MustCompile(`^[0-9]+$`)

// harvestConfig gathers the Harvest client's settings, refusing what cannot work.
func (c *commonFlags) harvestConfig(e *env) (harvest.Config, error) {
	base, err := baseURL("--harvest-base-url", "HARVEST_BASE_URL", firstNonEmpty(c.harvestBaseURL, e.getenv("HARVEST_BASE_URL"), harvest.DefaultBaseURL))
	if err != nil {
		return harvest.Config{}, err
	}
	token, err := secret(c.harvestTokenFile, "--harvest-token-file", e.getenv("HARVEST_ACCESS_TOKEN"), "HARVEST_ACCESS_TOKEN",
		"create a personal access token at https://id.getharvest.com/developers")
	if err != nil {
		return harvest.Config{}, err
	}
	account := strings.TrimSpace(e.getenv("HARVEST_ACCOUNT_ID"))
	if account == "" {
		return harvest.Config{}, usagef("HARVEST_ACCOUNT_ID is not set: export the account id shown beside your token at https://id.getharvest.com/developers")
	}
	if !accountIDPattern.MatchString(account) {
		return harvest.Config{}, usagef("HARVEST_ACCOUNT_ID %q is not a number: use the numeric account id shown at https://id.getharvest.com/developers", account)
	}
	cfg := harvest.Config{BaseURL: base, AccessToken: token, AccountID: account}
	if contact := firstNonEmpty(c.contact, e.getenv("HARVEST2RUNN_CONTACT")); contact != "" {
		cfg.UserAgent = fmt.Sprintf("harvest2runn/%s (%s)", versionString(), contact)
	}
	return cfg, nil
}

// runnConfig gathers the Runn client's settings, refusing what cannot work.
func (c *commonFlags) runnConfig(e *env) (runn.Config, error) {
	base, err := baseURL("--runn-base-url", "RUNN_BASE_URL", firstNonEmpty(c.runnBaseURL, e.getenv("RUNN_BASE_URL"), runn.DefaultBaseURL))
	if err != nil {
		return runn.Config{}, err
	}
	token, err := secret(c.runnTokenFile, "--runn-token-file", e.getenv("RUNN_API_TOKEN"), "RUNN_API_TOKEN",
		"create an API token in Runn under Settings > API")
	if err != nil {
		return runn.Config{}, err
	}
	return runn.Config{BaseURL: base, Token: token}, nil
}

func baseURL(flag, envName, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usagef("%s / %s %q is not an http(s) URL: use e.g. https://api.example.com", flag, envName, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// secret reads a token from a file (when the flag is given) or from the environment. Tokens are
// never taken from a flag's value: it would show in `ps` and in shell history.
func secret(file, flag, envValue, envName, howTo string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usagef("%s: cannot read %s: %v", flag, file, err)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return "", usagef("%s: %s is empty: put the token in it", flag, file)
		}
		return t, nil
	}
	if t := strings.TrimSpace(envValue); t != "" {
		return t, nil
	}
	return "", usagef("%s is not set: %s and export it, or give %s", envName, howTo, flag)
}

// apiClients are the clients a command asked for; nil when not.
type apiClients struct {
	harvest *harvest.APIClient
	runn    *runn.API
}

// The pipelines take interfaces: a nil *T must become a nil interface, not a non-nil one.
func (c apiClients) harvestAPI() extract.HarvestAPI {
	if c.harvest == nil {
		return nil
	}
	return c.harvest
}

func (c apiClients) runnAPI() extract.RunnAPI {
	if c.runn == nil {
		return nil
	}
	return c.runn
}

// clients builds the clients of the sources named, checking every setting before it checks,
// with one request each, that the APIs answer: a configuration mistake sends nothing anywhere.
func (c *commonFlags) clients(ctx context.Context, e *env, log *slog.Logger, sources []string) (apiClients, error) {
	var (
		out                   apiClients
		wantHarvest, wantRunn bool
		hc                    harvest.Config
		rc                    runn.Config
		err                   error
	)
	if err := c.checkMissing(e, sources); err != nil {
		return out, err
	}
	for _, src := range sources {
		switch src {
		case "harvest":
			if hc, err = c.harvestConfig(e); err != nil {
				return out, err
			}
			wantHarvest = true
		case "runn":
			if rc, err = c.runnConfig(e); err != nil {
				return out, err
			}
			wantRunn = true
		default:
			return out, usagef("--source %q: use harvest, runn, or both (harvest,runn)", src)
		}
	}
	if wantHarvest {
		hc.Logger = log
		if out.harvest, err = harvest.New(hc); err != nil {
			return out, usagef("%v", err)
		}
	}
	if wantRunn {
		rc.Logger = log
		if out.runn, err = runn.New(rc); err != nil {
			return out, usagef("%v", err)
		}
	}
	// Both APIs at once: a round trip each, one after the other, would be a round trip more
	// before every run. Harvest's error is reported first when both fail.
	var herr, rerr error
	var wg sync.WaitGroup
	if out.harvest != nil {
		wg.Go(func() { herr = preflightHarvest(ctx, out.harvest, hc.BaseURL) })
	}
	if out.runn != nil {
		wg.Go(func() { rerr = preflightRunn(ctx, out.runn, rc.BaseURL) })
	}
	wg.Wait()
	return out, cmp.Or(herr, rerr)
}

// checkMissing names, in one error, every variable the sources need that is not set, so that
// one try tells a new user all of them (one missing variable keeps its own, longer message).
func (c *commonFlags) checkMissing(e *env, sources []string) error {
	var missing []string
	unset := func(name string) bool { return strings.TrimSpace(e.getenv(name)) == "" }
	for _, src := range sources {
		switch src {
		case "harvest":
			if c.harvestTokenFile == "" && unset("HARVEST_ACCESS_TOKEN") {
				missing = append(missing, "HARVEST_ACCESS_TOKEN")
			}
			if unset("HARVEST_ACCOUNT_ID") {
				missing = append(missing, "HARVEST_ACCOUNT_ID")
			}
		case "runn":
			if c.runnTokenFile == "" && unset("RUNN_API_TOKEN") {
				missing = append(missing, "RUNN_API_TOKEN")
			}
		}
	}
	if len(missing) < 2 {
		return nil
	}
	list := strings.Join(missing[:len(missing)-1], ", ") + " and " + missing[len(missing)-1]
	return &usageError{msg: fmt.Sprintf("%s are not set: export them (harvest2runn --help lists the environment)", list),
		hint: "Harvest's token and account id are at https://id.getharvest.com/developers; Runn's API token under Settings > API"}
}

// checkWarehouse refuses, before any request, a warehouse that cannot be used (no path can be
// chosen, a folder that does not exist or cannot be written, a path that is a folder: a
// configuration error, as is one written by a newer harvest2runn) and a warehouse another run holds (it says which and since when). The
// default warehouse's folder is created (0700) when missing.
func (c *commonFlags) checkWarehouse(e *env) error {
	p, isDefault, err := c.resolveWarehouse(e)
	if err != nil {
		// Without HARVEST_ACCOUNT_ID there is no default warehouse either: name every variable
		// missing at once rather than one per try.
		if merr := c.checkMissing(e, c.apis); merr != nil {
			return merr
		}
		return err
	}
	path, err := filepath.Abs(p)
	if err != nil {
		return usagef("--warehouse %q: %v", p, err)
	}
	if err := warehouse.CheckPath(path, isDefault); err != nil {
		return usagef("%v", err)
	}
	if held, err := warehouse.Held(path); err == nil && held {
		info, _ := warehouse.ReadLockInfo(path)
		return &warehouse.BusyError{Path: path, Info: info}
	}
	if err := warehouse.CheckVersion(context.Background(), path); err != nil {
		return usagef("%v", err)
	}
	return nil
}
