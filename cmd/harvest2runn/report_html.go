package main

import (
	"context"
	"errors"
)

func runReportHTML(ctx context.Context, e *env, f *reportFlags, path string) error {
	return errors.New("TODO")
}
