package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	// The DuckDB driver, registered as "duckdb": version asks the library linked in for its own.
	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/spf13/pflag"
)

// version and commit are stamped at build time: make build passes
// -ldflags "-X main.version=$(git describe --always --dirty) -X main.commit=$(git rev-parse HEAD)".
// Unstamped, the commit Go recorded from the repository is used (go build -buildvcs).
var (
	version = ""
	commit  = ""
)

// buildVersion is what harvest2runn says it is.
type buildVersion struct {
	Version       string `json:"version"`
	Commit        string `json:"commit"`
	GoVersion     string `json:"go_version"`
	DuckDBVersion string `json:"duckdb_version"`
}

// versionString is the version sent in the User-Agent and printed by version.
func versionString() string {
	v, _ := stampedVersion()
	return v
}

// stampedVersion is the version and commit stamped at build, else what Go's build info records:
// "devel+<commit>" (with "-dirty" for uncommitted changes), else "devel".
func stampedVersion() (ver, rev string) {
	ver, rev = version, commit
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orDefault(ver, "devel"), orDefault(rev, "unknown")
	}
	var vcsRev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			vcsRev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		rev = orDefault(vcsRev, "unknown")
	}
	if ver == "" {
		switch {
		case info.Main.Version != "" && info.Main.Version != "(devel)":
			ver = info.Main.Version
		case vcsRev != "":
			ver = "devel+" + vcsRev[:min(12, len(vcsRev))]
			if modified == "true" {
				ver += "-dirty"
			}
		default:
			ver = "devel"
		}
	}
	return ver, rev
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// duckDBVersion asks an in-memory DuckDB (no warehouse needed) for the library's version.
func duckDBVersion(ctx context.Context) (string, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "", fmt.Errorf("open an in-memory DuckDB: %w", err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", fmt.Errorf("ask DuckDB its version: %w", err)
	}
	return v, nil
}

type versionFlags struct{ output string }

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version, commit, and Go and DuckDB versions",
		usage:   "[--output text|json]",
		help: `Prints harvest2runn's version (stamped at build by make build from git describe), the commit it
was built from, and the Go and DuckDB versions it was built with. harvest2runn --version is the same.

Example:
  harvest2runn version
  harvest2runn version --output json | jq -r .duckdb_version
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &versionFlags{}
			registerOutput(fs, &f.output, outputText, outputJSON)
			return f
		},
		run: runVersion,
	}
}

func runVersion(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*versionFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: version takes only --output", args[0])
	}
	format, err := checkOutput(f.output, outputText, outputJSON)
	if err != nil {
		return err
	}
	v := buildVersion{GoVersion: runtime.Version()}
	v.Version, v.Commit = stampedVersion()
	if v.DuckDBVersion, err = duckDBVersion(ctx); err != nil {
		return err
	}
	if format == outputJSON {
		return json.NewEncoder(e.stdout).Encode(v)
	}
	fmt.Fprintf(e.stdout, "harvest2runn %s\n  commit %s\n  %s, DuckDB %s\n", v.Version, v.Commit, v.GoVersion, v.DuckDBVersion)
	return nil
}
