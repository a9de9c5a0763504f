package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spf13/pflag"
)

// escapeControls shows control characters (C0 but newline and tab, DEL, C1) as Go escapes
// (\x1b, \u009b): names and messages come from Harvest and Runn, and a raw ESC or CSI in one
// could recolour, move the cursor or rewrite what a person reads on a terminal.
func escapeControls(s string) string {
	if !hasControl(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(s[0]) // not UTF-8: kept as it came
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

func hasControl(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
			return true
		}
		i += size
	}
	return false
}

// controlEscaper escapes control characters in everything written through it: every text
// output goes through one, so no printer can forget.
type controlEscaper struct{ w io.Writer }

func (c controlEscaper) Write(p []byte) (int, error) {
	s := string(p)
	if !hasControl(s) {
		return c.w.Write(p)
	}
	if _, err := io.WriteString(c.w, escapeControls(s)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// textOutput reports whether a command prints text for people (not JSON or CSV for scripts).
func textOutput(fs *pflag.FlagSet) bool {
	for _, name := range []string{"output", "format"} {
		if f := fs.Lookup(name); f != nil && f.Value.String() != "text" && f.Value.String() != "table" {
			return false
		}
	}
	return true
}
