package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/load"
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
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

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
	return []*command{syncCommand(), importCommand(), statusCommand(), replayCommand(), queryCommand(), reportCommand(),
		pruneCommand(), scheduleCommand(), extractCommand(), transformCommand(), loadCommand(), revertCommand(), auditCommand(),
		linkCommand(),
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
  HARVEST2RUNN_WAREHOUSE  warehouse file (default: one per Harvest account and user,
                          $XDG_STATE_HOME/harvest2runn/<HARVEST_ACCOUNT_ID>.duckdb,
                          XDG_STATE_HOME defaulting to ~/.local/state)

Exit status: 0 all planned writes applied, 1 the run failed (rerun resumes),
2 usage or configuration error, 3 finished but Runn rejected some records.
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
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = c
		}
	}
	if cmd == nil {
		fmt.Fprintf(e.stderr, "harvest2runn: unknown command %q: run 'harvest2runn --help' for the list\n", args[0])
		return exitUsage
	}
	fs := pflag.NewFlagSet(cmd.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	opts := cmd.flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(e.stdout, "Usage:\n  harvest2runn %s %s\n\n%s\nFlags:\n%s", cmd.name, cmd.usage, cmd.help, fs.FlagUsagesWrapped(100))
			return exitOK
		}
		fmt.Fprintf(e.stderr, "harvest2runn %s: %v: run 'harvest2runn %s --help'\n", cmd.name, err, cmd.name)
		return exitUsage
	}
	if textOutput(fs) && !cmd.raw {
		escaped := *e
		escaped.stdout = controlEscaper{e.stdout}
		e = &escaped
	}
	err := cmd.run(ctx, e, opts, fs.Args())
	return report(e, cmd.name, err)
}

// report prints err as the command's one closing line and returns the exit status it means.
func report(e *env, name string, err error) int {
	if err == nil {
		return exitOK
	}
	// A warehouse that could not be written fails the command whatever else happened: what it
	// did may be only in the WAL.
	var we *warehouse.WriteError
	if errors.As(err, &we) {
		fmt.Fprintf(e.stderr, "harvest2runn %s: %s\n", name, oneLine(err.Error()))
		return exitFailed
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "harvest2runn %s: %s\n", name, oneLine(ue.msg))
		return exitUsage
	}
	var ce *warehouse.ConfigError
	if errors.Is(err, warehouse.ErrNoWarehouse) || errors.As(err, &ce) {
		fmt.Fprintf(e.stderr, "harvest2runn %s: %s\n", name, oneLine(err.Error()))
		return exitUsage
	}
	if errors.Is(err, load.ErrRejected) {
		fmt.Fprintf(e.stderr, "harvest2runn %s: %s\n", name, oneLine(err.Error()))
		return exitRejected
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(e.stderr, "harvest2runn %s: interrupted: %s; run it again to resume\n", name, oneLine(err.Error()))
		return exitFailed
	}
	fmt.Fprintf(e.stderr, "harvest2runn %s: %s\n", name, oneLine(err.Error()))
	return exitFailed
}

// oneLine is s on one line with control characters escaped: error messages carry names from
// Harvest and Runn.
func oneLine(s string) string {
	return escapeControls(strings.Join(strings.Fields(s), " "))
}

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version",
		help:    "Prints harvest2runn's version.\n\nExample:\n  harvest2runn version\n",
		flags:   func(*pflag.FlagSet) any { return nil },
		run: func(_ context.Context, e *env, _ any, _ []string) error {
			fmt.Fprintln(e.stdout, "harvest2runn", version)
			return nil
		},
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"
