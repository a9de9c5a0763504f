package main

import (
	"github.com/spf13/pflag"
)

// Output formats a command may print its results in (--output). text is for people; the others
// are a contract scripts parse (docs/output.md).
const (
	outputText  = "text"
	outputJSON  = "json"
	outputCSV   = "csv"
	outputArrow = "arrow"
)

// registerOutput registers --output on fs, storing into dst, with the formats the command
// supports (the first is the default). --format, the name some commands used before, stays as a
// hidden alias for one release; its old value "table" means text.
func registerOutput(fs *pflag.FlagSet, dst *string, formats ...string) {
	if len(formats) == 0 {
		formats = []string{outputText, outputJSON}
	}
	help := "what stdout carries: " + choiceList(formats)
	for _, f := range formats {
		switch f {
		case outputJSON:
			help += "; json: one JSON object (docs/output.md)"
		case outputCSV:
			help += "; csv: a header row, then one row per record"
		case outputArrow:
			help += "; arrow: an Arrow IPC stream"
		}
	}
	fs.StringVar(dst, "output", formats[0], help)
	fs.StringVar(dst, "format", formats[0], "alias of --output")
	_ = fs.MarkHidden("format")
}

// checkOutput refuses an --output value the command does not support, naming those it does.
func checkOutput(value string, formats ...string) (string, error) {
	if value == "table" {
		value = outputText
	}
	if len(formats) == 0 {
		formats = []string{outputText, outputJSON}
	}
	if err := oneOf("--output", value, formats...); err != nil {
		return "", err
	}
	return value, nil
}

// choiceList is "a, b or c".
func choiceList(choices []string) string {
	switch len(choices) {
	case 0:
		return ""
	case 1:
		return choices[0]
	}
	s := choices[0]
	for _, c := range choices[1 : len(choices)-1] {
		s += ", " + c
	}
	return s + " or " + choices[len(choices)-1]
}
