package httpx

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	const limit = 100
	broken := errors.New("connection reset")
	for _, tc := range []struct {
		name    string
		r       io.Reader
		want    int // bytes returned
		wantErr error
	}{
		{"empty", strings.NewReader(""), 0, nil},
		{"small", strings.NewReader(`{"users":[]}`), 12, nil},
		{"exactly the limit", bytes.NewReader(make([]byte, limit)), limit, nil},
		{"one byte over", bytes.NewReader(make([]byte, limit+1)), 0, ErrBodyTooLarge},
		{"broken half way", io.MultiReader(strings.NewReader(`{"users":[`), iotest.ErrReader(broken)), 10, broken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadBody(tc.r, limit)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if len(got) != tc.want {
				t.Errorf("body of %d bytes, want %d", len(got), tc.want)
			}
		})
	}
}

// TestBodyTooLargeMessage: the error names the limit, in MiB for MaxBody, as the Harvest
// client's "answer larger than 64 MiB" did.
func TestBodyTooLargeMessage(t *testing.T) {
	for limit, want := range map[int64]string{MaxBody: "answer larger than 64 MiB", 100: "answer larger than 100 bytes"} {
		if got := (&BodyTooLargeError{Limit: limit}).Error(); got != want {
			t.Errorf("limit %d: %q, want %q", limit, got, want)
		}
	}
}
