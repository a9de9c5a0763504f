package main

import (
	"bytes"
	"testing"
)

func TestEscapeControls(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ada Lovelace", "Ada Lovelace"},
		{"line one\nline\ttwo", "line one\nline\ttwo"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"bell\a and back\bspace\r", `bell\x07 and back\x08space\x0d`},
		{"del\x7f", `del\x7f`},
		{"csi \u009b2J", `csi \u009b2J`},
		{"Zoë Ñandú 東京", "Zoë Ñandú 東京"},
		{"bad \xff utf-8 \x1b", "bad \xff utf-8 \\x1b"},
	} {
		if got := escapeControls(tc.in); got != tc.want {
			t.Errorf("escapeControls(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestControlEscaperWritesEscaped(t *testing.T) {
	var buf bytes.Buffer
	w := controlEscaper{&buf}
	n, err := w.Write([]byte("name \x1b]0;pwned\x07\n"))
	if err != nil || n != len("name \x1b]0;pwned\x07\n") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got, want := buf.String(), `name \x1b]0;pwned\x07`+"\n"; got != want {
		t.Fatalf("wrote %q, want %q", got, want)
	}
}
