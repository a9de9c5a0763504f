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
		size    int64 // the declared length; -1 unknown
		want    int   // bytes returned
		wantErr error
	}{
		{"empty", strings.NewReader(""), -1, 0, nil},
		{"empty, declared", strings.NewReader(""), 0, 0, nil},
		{"small", strings.NewReader(`{"users":[]}`), -1, 12, nil},
		{"small, declared", strings.NewReader(`{"users":[]}`), 12, 12, nil},
		{"shorter than declared", strings.NewReader(`{"users":[]}`), 50, 12, nil},
		{"longer than declared", iotest.OneByteReader(strings.NewReader(`{"users":[]}`)), 3, 12, nil},
		{"exactly the limit", bytes.NewReader(make([]byte, limit)), -1, limit, nil},
		{"exactly the limit, declared", bytes.NewReader(make([]byte, limit)), limit, limit, nil},
		{"one byte over", bytes.NewReader(make([]byte, limit+1)), -1, 0, ErrBodyTooLarge},
		{"one byte over, declared within", bytes.NewReader(make([]byte, limit+1)), limit, 0, ErrBodyTooLarge},
		{"declared over the limit", bytes.NewReader(make([]byte, limit+1)), limit + 1, 0, ErrBodyTooLarge},
		{"broken half way", io.MultiReader(strings.NewReader(`{"users":[`), iotest.ErrReader(broken)), -1, 10, broken},
		{"broken half way, declared", io.MultiReader(strings.NewReader(`{"users":[`), iotest.ErrReader(broken)), 40, 10, broken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadBody(tc.r, tc.size, limit)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if len(got) != tc.want {
				t.Errorf("body of %d bytes, want %d", len(got), tc.want)
			}
		})
	}
}

// TestReadBodySameBytes: whatever length the answer declares, the body comes back byte for byte.
func TestReadBodySameBytes(t *testing.T) {
	data := bytes.Repeat([]byte(`{"id":1,"name":"Ada"},`), 1000)
	for _, size := range []int64{-1, 0, 1, int64(len(data)) - 1, int64(len(data)), int64(len(data)) + 1, 10 * int64(len(data))} {
		got, err := ReadBody(iotest.HalfReader(bytes.NewReader(data)), size, MaxBody)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("declared %d: %d bytes, err %v; want the %d bytes sent", size, len(got), err, len(data))
		}
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
