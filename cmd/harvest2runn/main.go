// Command harvest2runn keeps Runn in step with Harvest: it extracts both APIs into a DuckDB
// warehouse, plans the changes by the sync rules, and applies them to Runn with an audit trail.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
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
	code := run(ctx, os.Args[1:], &env{
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		getenv:   os.Getenv,
		terminal: term.IsTerminal(int(os.Stderr.Fd())),
	})
	stop()
	os.Exit(code)
}

// env is the process's outside world, passed in so that tests can run commands in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	terminal       bool // stderr is a terminal: show progress bars instead of log lines
}
