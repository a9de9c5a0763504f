package warehouse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestMemoryLimitAndSpillFolder (issue 14): DuckDB's memory is capped unless Options say
// otherwise, and what does not fit spills to a private folder beside the warehouse, so that the
// transform of a large account's whole history spills instead of growing.
func TestMemoryLimitAndSpillFolder(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		wantLimit string // as DuckDB reports it
		wantTmp   func(path string) string
	}{
		{"defaults", Options{}, "381.4 MiB", TempDir},
		{"given", Options{MemoryLimit: "1GB", TempDir: "elsewhere"}, "953.6 MiB",
			func(path string) string { return filepath.Join(filepath.Dir(path), "elsewhere") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "w.duckdb")
			if tt.opts.TempDir != "" {
				tt.opts.TempDir = filepath.Join(dir, tt.opts.TempDir)
			}
			w, err := Open(context.Background(), path, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			var limit, tmp string
			if err := w.DB.Get(&limit, `SELECT current_setting('memory_limit')`); err != nil {
				t.Fatal(err)
			}
			if err := w.DB.Get(&tmp, `SELECT current_setting('temp_directory')`); err != nil {
				t.Fatal(err)
			}
			if limit != tt.wantLimit || tmp != tt.wantTmp(path) {
				t.Errorf("memory_limit %q, temp_directory %q; want %q, %q", limit, tmp, tt.wantLimit, tt.wantTmp(path))
			}
			fi, err := os.Stat(tmp)
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("spill folder %s: %v, %v; want a private folder", tmp, fi, err)
			}
		})
	}
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), Options{MemoryLimit: "lots"})
	var cfg *ConfigError
	if !errors.As(err, &cfg) {
		t.Errorf("Open with memory limit %q: %v, want a *ConfigError", "lots", err)
	}
}
