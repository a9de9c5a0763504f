package httpx

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Defaults both clients share.
const (
	// DefaultUserAgent names harvest2runn and where to reach its authors, as Harvest asks.
	DefaultUserAgent = "harvest2runn (https://github.com/harvest2runn/harvest2runn)"
	// DefaultTimeout bounds one attempt when the caller gives no http.Client.
	DefaultTimeout = 60 * time.Second
	// MaxBody bounds one answer in memory: a page of 2,000 Harvest time entries is a few MB, a
	// page of 500 Runn actuals a few hundred kB.
	MaxBody = 64 << 20
)

// ErrBodyTooLarge: an answer's body was longer than ReadBody's limit; a *BodyTooLargeError
// matches it. Reading the answer again will not help.
var ErrBodyTooLarge = errors.New("answer too large")

// BodyTooLargeError is an answer longer than Limit bytes.
type BodyTooLargeError struct{ Limit int64 }

func (e *BodyTooLargeError) Error() string {
	if e.Limit >= 1<<20 && e.Limit%(1<<20) == 0 {
		return fmt.Sprintf("answer larger than %d MiB", e.Limit>>20)
	}
	return fmt.Sprintf("answer larger than %d bytes", e.Limit)
}

// Is makes errors.Is(err, ErrBodyTooLarge) work.
func (e *BodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }

// ReadBody reads r to the end, up to limit bytes (the clients pass MaxBody). A longer body is a
// *BodyTooLargeError (and no bytes); a read that fails returns what arrived before, with the
// error. size is the length the answer declares (http.Response.ContentLength; -1 when unknown):
// the body is then read into one buffer of that size instead of one grown as it arrives, whose
// copies (allocated, cleared, filled) were a tenth of a daily run's extract CPU.
func ReadBody(r io.Reader, size, limit int64) ([]byte, error) {
	if size < 0 || size > limit {
		body, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err == nil && int64(len(body)) > limit {
			return nil, &BodyTooLargeError{Limit: limit}
		}
		return body, err
	}
	// One byte more than declared, so that a body longer than its header is still read whole
	// (net/http reports that itself, but r need not come from net/http).
	body := make([]byte, 0, size+1)
	lr := io.LimitReader(r, limit+1)
	for {
		if len(body) == cap(body) {
			body = append(body, 0)[:len(body)]
		}
		n, err := lr.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return body, err
		}
	}
	if int64(len(body)) > limit {
		return nil, &BodyTooLargeError{Limit: limit}
	}
	return body, nil
}
