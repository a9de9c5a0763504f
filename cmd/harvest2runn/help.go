package main

// How a person meets the flags: the help listing, parse errors that say what a flag expects,
// and "did you mean" for a misspelt command or flag.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/pflag"
)

// flagUsages lists fs's visible flags, one per entry, with a placeholder a person understands
// (N, DATE, LIST...) instead of pflag's type names, and a default only where it means something.
func flagUsages(fs *pflag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name := "      --" + f.Name
		if f.Shorthand != "" {
			name = "  -" + f.Shorthand + ", --" + f.Name
		}
		placeholder, usage := flagPlaceholder(f)
		if placeholder != "" {
			name += " " + placeholder
		}
		if d := meaningfulDefault(f, usage); d != "" {
			usage += " (default " + d + ")"
		}
		b.WriteString(wrapUsage(fmt.Sprintf("%-34s ", name), usage, 100))
	})
	return b.String()
}

// wrapUsage is head then usage, wrapped at width with continuation lines indented under it.
func wrapUsage(head, usage string, width int) string {
	var b strings.Builder
	b.WriteString(head)
	col := len(head)
	for i, word := range strings.Fields(usage) {
		if i > 0 && col+1+len(word) > width {
			b.WriteString("\n" + strings.Repeat(" ", len(head)))
			col = len(head)
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	b.WriteByte('\n')
	return b.String()
}

// placeholders name what a flag of each pflag type takes.
var placeholders = map[string]string{
	"string": "TEXT", "int": "N", "int64": "N", "uint": "N", "float64": "NUMBER", "duration": "DURATION",
	"stringSlice": "LIST", "int64Slice": "ID", "intSlice": "N", "stringArray": "TEXT", "kinds": "KINDS",
}

// namedPlaceholders name the value of flags whose name says more than their type.
var namedPlaceholders = map[string]string{
	"warehouse": "FILE", "harvest-token-file": "FILE", "runn-token-file": "FILE", "harvest-base-url": "URL",
	"runn-base-url": "URL", "tz": "ZONE", "today": "DATE", "since": "DATE", "output": "FORMAT", "format": "FORMAT",
	"log-format": "FORMAT", "at": "HH:MM", "run": "RUN_ID", "keep": "RUN_ID", "unpin": "RUN_ID", "source": "SOURCES",
	"contact": "EMAIL_OR_URL", "lookback-days": "DAYS", "retention-days": "DAYS", "keep-days": "DAYS",
}

// flagPlaceholder is what the flag takes, and its usage: a `word` in back quotes in the usage
// names the value (and is kept, unquoted, in the text); otherwise its name or its type decides.
func flagPlaceholder(f *pflag.Flag) (placeholder, usage string) {
	usage = f.Usage
	if i := strings.Index(usage, "`"); i >= 0 {
		if j := strings.Index(usage[i+1:], "`"); j >= 0 {
			word := usage[i+1 : i+1+j]
			return word, usage[:i] + word + usage[i+1+j+1:]
		}
	}
	t := f.Value.Type()
	if t == "bool" {
		return "", usage
	}
	if p, ok := namedPlaceholders[f.Name]; ok {
		return p, usage
	}
	if p, ok := placeholders[t]; ok {
		return p, usage
	}
	return "VALUE", usage
}

// meaningfulDefault is the flag's default as help shows it: none for an empty, false or zero
// value, for a sentinel such as -1, or when the usage already says what the default is.
func meaningfulDefault(f *pflag.Flag, usage string) string {
	d := f.DefValue
	switch {
	case strings.Contains(usage, "default"), d == "", d == "false", d == "0", d == "[]", strings.HasPrefix(d, "-"):
		return ""
	case f.Value.Type() == "stringSlice":
		return strings.Trim(d, "[]")
	}
	return d
}

var (
	parseInvalid = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?--([\w-]+)" flag`)
	parseUnknown = regexp.MustCompile(`^unknown flag: --([\w-]+)`)
	parseNeeds   = regexp.MustCompile(`^flag needs an argument: (?:'\w' in -\w|--([\w-]+))`)
)

// explainParseError rewrites pflag's parse errors so that they name the flag and what it
// takes (never a strconv message), and suggest the flag meant when one was misspelt.
func explainParseError(fs *pflag.FlagSet, err error) string {
	msg := err.Error()
	if m := parseInvalid.FindStringSubmatch(msg); m != nil {
		if f := fs.Lookup(m[2]); f != nil {
			placeholder, _ := flagPlaceholder(f)
			if _, builtin := placeholders[f.Value.Type()]; !builtin || f.Value.Type() == "kinds" {
				// harvest2runn's own values say what is wrong themselves.
				_, why, _ := strings.Cut(msg, " flag: ")
				return fmt.Sprintf("--%s %q %s", f.Name, m[1], why)
			}
			return fmt.Sprintf("--%s %q: %s", f.Name, m[1], expects(f.Value.Type(), placeholder))
		}
	}
	if m := parseUnknown.FindStringSubmatch(msg); m != nil {
		var names []string
		fs.VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, "--"+f.Name)
			}
		})
		return msg + didYouMean("--"+m[1], names)
	}
	if m := parseNeeds.FindStringSubmatch(msg); m != nil && m[1] != "" {
		if f := fs.Lookup(m[1]); f != nil {
			placeholder, _ := flagPlaceholder(f)
			return fmt.Sprintf("--%s needs a value: give --%s %s", f.Name, f.Name, placeholder)
		}
	}
	return msg
}

// expects says what a flag of type typ takes.
func expects(typ, placeholder string) string {
	switch typ {
	case "int", "int64", "uint":
		return "give a whole number (" + placeholder + ")"
	case "int64Slice", "intSlice":
		return "give a whole number, e.g. a run id (repeat the flag or separate with commas)"
	case "bool":
		return "give true or false, or the flag alone"
	case "float64":
		return "give a number"
	case "duration":
		return "give a duration such as 90s or 5m"
	}
	return "not a valid " + placeholder
}

// didYouMean is ` (did you mean "x"?)` when one of the choices is close to what was typed: a
// few typos away, or the same without dashes (--dryrun for --dry-run).
func didYouMean(typed string, choices []string) string {
	best, bestDist := "", 3
	squash := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "") }
	for _, c := range choices {
		if squash(c) == squash(typed) {
			return fmt.Sprintf(" (did you mean %s?)", c)
		}
		if d := editDistance(strings.ToLower(typed), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
