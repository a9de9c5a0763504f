package main

import (
	"testing"

	"github.com/spf13/pflag"
)

func TestRegisterOutput(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    string
		wantErr bool
	}{
		{args: nil, want: "text"},
		{args: []string{"--output", "json"}, want: "json"},
		{args: []string{"--format", "csv"}, want: "csv"},
		{args: []string{"--format", "table"}, want: "text"},
		{args: []string{"--output", "xml"}, wantErr: true},
	} {
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		var out string
		registerOutput(fs, &out, outputText, outputJSON, outputCSV)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		got, err := checkOutput(out, outputText, outputJSON, outputCSV)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%v: got %q, %v; want %q (error %v)", tc.args, got, err, tc.want, tc.wantErr)
		}
		if f := fs.Lookup("format"); f == nil || !f.Hidden {
			t.Errorf("--format must stay as a hidden alias")
		}
	}
}
