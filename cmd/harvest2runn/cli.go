package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Exit statuses: a contract that schedulers script against.
const (
	exitOK       = 0 // every planned write applied
	exitFailed   = 1 // the run failed; running it again resumes
	exitUsage    = 2 // usage or configuration error; nothing was sent to either API
	exitRejected = 3 // finished, but Runn rejected some records
)

// usageError is a mistake in how the command was called or configured. It is reported as exactly
// one line on stderr, and nothing is sent to either API.
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }

// Hint is what to do about the mistake, when the message alone does not say it.
func (e *usageError) Hint() string { return e.hint }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

type command struct {
	name    string
	summary string
	usage   string // the synopsis after the command name
	help    string // what it does, with an example
	flags   func(fs *pflag.FlagSet) any
	run     func(ctx context.Context, e *env, opts any, args []string) error
	// raw: the command prints data byte for byte (a stored page), never escaped.
	raw bool
}

func commands() []*command {
	return []*command{syncCommand(), importCommand(), linkCommand(), statusCommand(), replayCommand(), queryCommand(), reportCommand(),
		exportCommand(), pruneCommand(), scheduleCommand(), extractCommand(), transformCommand(), loadCommand(), revertCommand(), auditCommand(),
		pageCommand(), demoCommand(), versionCommand()}
}

const rootHelp = `harvest2runn keeps Runn (capacity planning) in step with Harvest (time tracking).

Usage:
  harvest2runn <command> [flags]

Commands:
%s
Run 'harvest2runn <command> --help' for a command's flags and an example. The sync rules the
plans and reports name (R1-R17) are explained in docs/rules.md of the repository.

Environment:
  HARVEST_ACCESS_TOKEN    Harvest personal access token (or --harvest-token-file)
  HARVEST_ACCOUNT_ID      Harvest account id
  HARVEST_BASE_URL        Harvest API base URL (default https://api.harvestapp.com)
  RUNN_API_TOKEN          Runn API token (or --runn-token-file)
  RUNN_BASE_URL           Runn API base URL (default https://api.runn.io; US: https://api.us.runn.io)
  HARVEST2RUNN_CONTACT    email or URL Harvest can reach you at, sent in the User-Agent (or --contact)
  HARVEST2RUNN_WAREHOUSE  warehouse file (default: one per Harvest account and user,
                          $XDG_STATE_HOME/harvest2runn/<HARVEST_ACCOUNT_ID>.duckdb,
                          XDG_STATE_HOME defaulting to ~/.local/state)

Output: --output text (for people, the default) or json (one JSON object on stdout, also when
the command fails: {"error": {"code", "message", "hint"}}); docs/output.md describes each.

Exit status: 0 all planned writes applied, 1 the run failed (rerun resumes),
2 usage or configuration error, 3 finished but Runn rejected some records.
status: 1 when the last run failed, 3 when rejected records are pending.
harvest2runn --version prints the version.
`

func rootUsage() string {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	return fmt.Sprintf(rootHelp, b.String())
}

// run parses args, runs the command and maps its outcome to an exit status.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, e)
		}
		fmt.Fprint(e.stdout, rootUsage())
		return exitOK
	}
	if args[0] == "--version" {
		args = append([]string{"version"}, args[1:]...)
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		fmt.Fprintf(e.stderr, "harvest2runn: unknown command %q%s: run 'harvest2runn --help' for the list\n", args[0],
			didYouMean(args[0], commandNames()))
		return exitUsage
	}
	fs := pflag.NewFlagSet(cmd.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	opts := cmd.flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(e.stdout, "Usage:\n  harvest2runn %s %s\n\n%s\nFlags:\n%s", cmd.name, cmd.usage, cmd.help, flagUsages(fs))
			return exitOK
		}
		msg := explainParseError(fs, err)
		if requestedJSON(args[1:]) {
			_ = writeErrorJSON(e.stdout, failure{code: "usage", message: msg, hint: "run 'harvest2runn " + cmd.name + " --help' for its flags"})
		}
		fmt.Fprintf(e.stderr, "harvest2runn %s: %s: run 'harvest2runn %s --help'\n", cmd.name, msg, cmd.name)
		return exitUsage
	}
	if textOutput(fs) && !cmd.raw {
		escaped := *e
		escaped.stdout = controlEscaper{e.stdout}
		e = &escaped
	}
	// What the command printed decides whether a failure still owes stdout its one JSON object.
	out := &countingWriter{w: e.stdout}
	counted := *e
	counted.stdout = out
	if e.terminal {
		// Every command that transforms (sync, transform, replay, schedule, demo) shows its models.
		ctx = transform.WithProgress(ctx, newTransformProgress(e).update)
	}
	err := cmd.run(ctx, &counted, opts, fs.Args())
	return report(e, cmd.name, err, reportStyle{json: flagValue(fs, "output") == outputJSON && out.n == 0,
		logJSON: flagValue(fs, "log-format") == "json"})
}

// requestedJSON reports whether args ask for --output json (or --format json), read without the
// parser that just refused them: a script still gets its one JSON object.
func requestedJSON(args []string) bool {
	for i, a := range args {
		for _, name := range []string{"--output", "--format"} {
			if a == name+"="+outputJSON || (a == name && i+1 < len(args) && args[i+1] == outputJSON) {
				return true
			}
		}
	}
	return false
}

// findCommand is the command called name, or nil.
func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// flagValue is the value of fs's flag name, or "" when the command has no such flag.
func flagValue(fs *pflag.FlagSet, name string) string {
	if f := fs.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// reportStyle is how a failure is reported besides its line on stderr: json, the error
// envelope on stdout (--output json, when the command printed nothing); logJSON, the closing
// line as a JSON log record (--log-format json).
type reportStyle struct{ json, logJSON bool }

// report prints err as the command's one closing line and returns the exit status it means.
func report(e *env, name string, err error, style reportStyle) int {
	if err == nil {
		return exitOK
	}
	f := classify(name, err)
	if style.json {
		_ = writeErrorJSON(e.stdout, f)
	}
	if style.logJSON {
		slog.New(slog.NewJSONHandler(e.stderr, nil)).Error(f.message, "command", name, "code", f.code, "hint", f.hint, "exit_status", f.exit)
		return f.exit
	}
	fmt.Fprintf(e.stderr, "harvest2runn %s: %s\n", name, f.message)
	return f.exit
}

// failure is an error as the output contract reports it (docs/schemas/error.schema.json).
type failure struct {
	code, message, hint string
	exit                int
}

// hinter is an error that knows what the user can do about it.
type hinter interface{ Hint() string }

// classify maps err to its exit status, its stable code and a hint.
func classify(name string, err error) failure {
	f := failure{message: oneLine(err.Error()), exit: exitFailed, code: "failed"}
	if resumable[name] {
		f.hint = "see harvest2runn status; run the same command again to resume"
	}
	var (
		we *warehouse.WriteError
		ue *usageError
		ce *warehouse.ConfigError
		be *warehouse.BusyError
	)
	switch {
	// A warehouse that could not be written fails the command whatever else happened: what it
	// did may be only in the WAL.
	case errors.As(err, &we):
		f.code, f.hint = "warehouse_write", "free disk space or fix the warehouse folder's permissions, then run the command again"
	case errors.As(err, &ue):
		f.code, f.exit, f.message, f.hint = "usage", exitUsage, oneLine(ue.msg), "run 'harvest2runn "+name+" --help' for its flags"
	case errors.As(err, &be):
		f.code, f.hint = "busy", "wait for that run to finish (harvest2runn status shows it), then run the command again"
	case errors.Is(err, warehouse.ErrNoWarehouse) || errors.As(err, &ce):
		f.code, f.exit, f.hint = "config", exitUsage, "give --warehouse or HARVEST2RUNN_WAREHOUSE, or run harvest2runn sync first"
	case errors.Is(err, load.ErrRejected):
		f.code, f.exit, f.hint = "rejected", exitRejected, "harvest2runn status lists the rejected records with Runn's messages"
	case errors.Is(err, context.Canceled):
		f.code, f.message, f.hint = "interrupted", "interrupted: "+f.message+"; run it again to resume", "run the same command again to resume"
	}
	var h hinter
	if errors.As(err, &h) && h.Hint() != "" {
		f.hint = h.Hint()
	}
	return f
}

// resumable are the commands that run stages: run again after a failure, they resume.
var resumable = map[string]bool{"sync": true, "import": true, "extract": true, "transform": true, "load": true, "revert": true,
	"replay": true, "schedule": true, "demo": true, "link": true}

// writeErrorJSON prints f as the one JSON object of a failed command.
func writeErrorJSON(w io.Writer, f failure) error {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint,omitempty"`
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Error body `json:"error"`
	}{body{f.code, f.message, f.hint}})
}

// oneLine is s on one line with control characters escaped: error messages carry names from
// Harvest and Runn.
func oneLine(s string) string {
	return escapeControls(strings.Join(strings.Fields(s), " "))
}
