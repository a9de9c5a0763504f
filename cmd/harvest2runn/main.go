// Command harvest2runn keeps Runn in step with Harvest: it extracts both APIs into a DuckDB
// warehouse, plans the changes by the sync rules, and applies them to Runn with an audit trail.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
)

func main() {
	// The warehouse and its WAL are created by DuckDB, with the mode the umask leaves: they hold
	// emails and cost rates, so nothing this process creates is for other users.
	syscall.Umask(0o077)
	// Past a file-size limit the kernel sends SIGXFSZ to the writing thread. Go ignores it on its
	// own threads but dies of it on DuckDB's: ignored, the write fails with EFBIG and the run
	// reports that the warehouse could not be written instead of vanishing without a word.
	signal.Ignore(syscall.SIGXFSZ)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	terminal := term.IsTerminal(int(os.Stderr.Fd()))
	code := run(ctx, os.Args[1:], &env{
		stdout:      os.Stdout,
		stderr:      os.Stderr,
		stdin:       os.Stdin,
		getenv:      os.Getenv,
		terminal:    terminal,
		interactive: terminal && term.IsTerminal(int(os.Stdin.Fd())),
		self:        invokedAs(os.Args[0]),
	})
	stop()
	os.Exit(code)
}

// env is the process's outside world, passed in so that tests can run commands in-process.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	getenv         func(string) string
	terminal       bool // stderr is a terminal: show progress bars instead of log lines
	// interactive: a person answers on stdin (stdin and stderr are terminals): revert asks.
	interactive bool
	// self is how to call harvest2runn again in a suggested command: the path it was started
	// by (./bin/harvest2runn from the repository root), or "harvest2runn" from the PATH.
	self string
}

// invokedAs is the command a person pastes to run this binary again: argv[0] when it is a
// path, else the name found on the PATH.
func invokedAs(arg0 string) string {
	if strings.Contains(arg0, "/") {
		return arg0
	}
	return "harvest2runn"
}

// selfName is e.self, or harvest2runn when unset (tests that run commands in-process).
func (e *env) selfName() string {
	if e.self == "" {
		return "harvest2runn"
	}
	return e.self
}
