package harvesttest

import (
	"net/url"
	"strconv"
)

// pageInfo is everything in a listing envelope except the records.
type pageInfo struct {
	perPage, totalPages, totalEntries int
	page, nextPage, previousPage      int    // 0 is written as null
	first, next, previous, last       string // "" is written as null (next and previous only)
}

// appendEnvelope writes {"<key>":[records...],"per_page":...,"links":{...}}, the envelope
// Harvest wraps every listing in; records appends the comma-separated records.
func appendEnvelope(b []byte, key string, records func([]byte) []byte, p pageInfo) []byte {
	b = append(b, `{"`...)
	b = append(b, key...)
	b = append(b, `":[`...)
	b = records(b)
	b = append(b, `],"per_page":`...)
	b = strconv.AppendInt(b, int64(p.perPage), 10)
	b = append(b, `,"total_pages":`...)
	b = strconv.AppendInt(b, int64(p.totalPages), 10)
	b = append(b, `,"total_entries":`...)
	b = strconv.AppendInt(b, int64(p.totalEntries), 10)
	b = append(b, `,"next_page":`...)
	b = appendPageNumber(b, p.nextPage)
	b = append(b, `,"previous_page":`...)
	b = appendPageNumber(b, p.previousPage)
	b = append(b, `,"page":`...)
	b = appendPageNumber(b, p.page)
	b = append(b, `,"links":{"first":`...)
	b = appendLink(b, p.first)
	b = append(b, `,"next":`...)
	b = appendLink(b, p.next)
	b = append(b, `,"previous":`...)
	b = appendLink(b, p.previous)
	b = append(b, `,"last":`...)
	b = appendLink(b, p.last)
	return append(b, "}}"...)
}

func appendPageNumber(b []byte, n int) []byte {
	if n == 0 {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// appendLink writes a URL, or null for "". Unlike record strings, links keep '&' unescaped:
// both are valid JSON, and this one is readable in a log or a saved page.
func appendLink(b []byte, l string) []byte {
	if l == "" {
		return append(b, "null"...)
	}
	for i := 0; i < len(l); i++ {
		if c := l[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return appendString(b, l)
		}
	}
	b = append(b, '"')
	b = append(b, l...)
	return append(b, '"')
}

// link builds a listing URL on the server's own base URL, carrying the request's filters.
// Parameters come out sorted by name, like Harvest's own links.
func (s *Server) link(res string, carry url.Values, extra ...string) string {
	v := make(url.Values, len(carry)+len(extra)/2)
	for k, vs := range carry {
		v[k] = vs
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return s.base + "/v2/" + res + "?" + v.Encode()
}

func pageCount(n, perPage int) int { return (n + perPage - 1) / perPage }
