package harvest

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	r := redactor{token: testToken}
	u, _ := url.Parse("https://user:pw@api.harvestapp.com/v2/users?access_token=" + testToken + "&cursor=" + testToken)
	if got := r.url(u); strings.Contains(got, testToken) || strings.Contains(got, "pw@") || !strings.Contains(got, "access_token=%5BREDACTED%5D") {
		t.Errorf("url = %s", got)
	}
	long := strings.Repeat("é", 400) + testToken
	for _, body := range []string{
		`{"error":"` + testToken + `"}`,
		"line one\n\n\tline two " + testToken,
		long,
		"\xff\xfe" + testToken,
	} {
		got := r.excerpt([]byte(body))
		if strings.Contains(got, testToken) || strings.ContainsAny(got, "\n\t") || len(got) > 310 {
			t.Errorf("excerpt(%.40q) = %q", body, got)
		}
	}
	if got := r.excerpt([]byte(long)); !strings.HasSuffix(got, "é…") {
		t.Errorf("excerpt cut inside a character: %q", got[len(got)-8:])
	}

	inner := errors.New("inner " + testToken)
	err := r.err(fmt.Errorf("outer: %w", inner))
	if strings.Contains(err.Error(), testToken) || !errors.Is(err, inner) {
		t.Errorf("err = %v (unwraps to inner: %v)", err, errors.Is(err, inner))
	}
	plain := errors.New("nothing secret")
	if r.err(plain) != plain {
		t.Error("an error without the token was wrapped")
	}
}
