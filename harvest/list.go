package harvest

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"golang.org/x/sync/errgroup"
)

// perPage is Harvest's maximum page size; fewer pages mean fewer requests against the limit.
const perPage = "2000"

// List fetches every page of the listing res and calls fn once per page. The first request
// asks for per_page=2000 (unless query sets per_page) plus query; after that the client
// follows links.next, in cursor and page-number mode alike.
//
// Page-number listings (time_entries) are fetched concurrently once the first page says how
// many pages there are; fn then sees them in any order, with Seq the page number. fn is never
// called concurrently. An error from fn stops the listing and is returned as it is.
//
// Paging stops at an empty page, once the records received reach the total_entries the last
// page announced, and before asking for a page past the total_pages the linking page
// announced, whatever links.next says: a server whose counts are broken cannot keep a run
// busy. A listing that ends with fewer records than its first page announced, or sends an
// empty page before the last page its first page announced, is incomplete (R17 a): List
// returns an *IncompleteListingError, after fn saw the pages that came. So is a first page
// whose total_pages is more than one past what its own total_entries and per_page fill
// (Harvest computes both from one count, so they never disagree that much); such a listing is
// not read further. More records than announced are fine: entries added while the listing
// was read.
func (c *APIClient) List(ctx context.Context, res Resource, query url.Values, fn func(Page) error) error {
	if err := res.validate(); err != nil {
		return err
	}
	if fn == nil {
		return errors.New("harvest: List needs a function to receive the pages")
	}
	err := c.list(ctx, res, query, fn)
	var fnErr *callerError
	if errors.As(err, &fnErr) {
		return fnErr.err
	}
	var inc *IncompleteListingError
	if errors.As(err, &inc) {
		c.log.WarnContext(ctx, "harvest: incomplete listing (R17 a)", "resource", string(res),
			"announced_entries", inc.AnnouncedEntries, "received_entries", inc.ReceivedEntries,
			"announced_pages", inc.AnnouncedPages, "pages_read", inc.PagesRead, "reason", inc.Reason)
		return err
	}
	if err != nil {
		return c.redact.err(fmt.Errorf("harvest: %w", err))
	}
	return nil
}

// callerError carries fn's error out unchanged.
type callerError struct{ err error }

func (e *callerError) Error() string { return e.err.Error() }
func (e *callerError) Unwrap() error { return e.err }

// tally counts what one listing announced and sent, to tell a complete listing from one cut
// short (R17 a). Only the goroutine that delivers pages touches it.
type tally struct {
	res                              Resource
	url                              string
	announcedEntries, announcedPages int
	hasEntries                       bool
	received, pages                  int
	emptyAt                          int    // the page that came back empty and stopped the paging; 0 if none
	stopped                          string // why paging stopped early, when it did
}

func (t *tally) add(p Page) {
	t.received += p.Records
	t.pages++
}

// err is the listing's verdict once paging stopped: nil, or an *IncompleteListingError.
func (t *tally) err() error {
	short := t.hasEntries && t.received < t.announcedEntries
	emptyEarly := t.emptyAt > 0 && t.emptyAt < t.announcedPages
	if !short && !emptyEarly {
		return nil
	}
	reason := t.stopped
	switch {
	case t.emptyAt > 0:
		reason = fmt.Sprintf("page %d was empty", t.emptyAt)
	case reason == "" && t.pages < t.announcedPages:
		reason = fmt.Sprintf("links.next ended the listing after page %d of %d", t.pages, t.announcedPages)
	case reason == "":
		reason = fmt.Sprintf("the listing ended after page %d", t.pages)
	}
	return t.incomplete(reason)
}

func (t *tally) incomplete(reason string) *IncompleteListingError {
	return &IncompleteListingError{Resource: t.res, URL: t.url, AnnouncedEntries: t.announcedEntries,
		ReceivedEntries: t.received, AnnouncedPages: t.announcedPages, PagesRead: t.pages, Reason: reason}
}

// countsDisagree says why a first page's total_pages cannot be true of its own total_entries
// and per_page, or "" when they fit. One page of slack is allowed: it costs one request.
func countsDisagree(env envelope, records int) string {
	perPage := env.perPage
	if perPage <= 0 && env.totalPages > 1 {
		perPage = records // a first page of several is full
	}
	if !env.hasEntries || perPage <= 0 || env.totalEntries < 0 {
		return ""
	}
	fill := (env.totalEntries + perPage - 1) / perPage
	if env.totalPages <= max(fill, 1)+1 {
		return ""
	}
	return fmt.Sprintf("%s entries of %s per page fill %s, not %s", thousands(env.totalEntries), thousands(perPage),
		plural(fill, "page"), thousands(env.totalPages))
}

func (c *APIClient) list(ctx context.Context, res Resource, query url.Values, fn func(Page) error) error {
	first := c.base.JoinPath("v2", string(res))
	q := url.Values{}
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	if !q.Has("per_page") {
		q.Set("per_page", perPage)
	}
	first.RawQuery = q.Encode()

	p, env, next, err := c.fetchPage(ctx, res, first, 1)
	if err != nil {
		return err
	}
	t := &tally{res: res, url: p.URL, announcedEntries: env.totalEntries, announcedPages: env.totalPages, hasEntries: env.hasEntries}
	if err := c.deliver(fn, p); err != nil {
		return err
	}
	t.add(p)
	if why := countsDisagree(env, p.Records); why != "" {
		return t.incomplete(why)
	}
	if p.Records == 0 {
		t.emptyAt = 1
		return t.err()
	}
	if next == nil {
		return t.err()
	}
	seq := 1
	last := env
	if askedPage(next) == 2 && env.page != nil && *env.page == 1 && env.totalPages >= 2 {
		if next, last, err = c.fetchPages(ctx, res, next, env.totalPages, t, fn); err != nil {
			return err
		}
		if t.emptyAt > 0 {
			return t.err()
		}
		// If the last page still links on, entries were added while we read: the rest is
		// fetched by following the links.
		seq = env.totalPages
	}
	if err := c.follow(ctx, res, first, next, seq, last, t, fn); err != nil {
		return err
	}
	return t.err()
}

// follow fetches next and the pages it links to, one after the other. last is the envelope of
// the page that linked to next.
func (c *APIClient) follow(ctx context.Context, res Resource, from, next *url.URL, seq int, last envelope, t *tally, fn func(Page) error) error {
	seen := map[string]bool{from.String(): true}
	prev := from
	for next != nil {
		if seen[next.String()] {
			return &MalformedPageError{URL: c.redact.url(prev), Reason: "links.next leads back to a page already fetched"}
		}
		if t.hasEntries && last.hasEntries && t.received >= last.totalEntries {
			break // every entry the last page counted is here: a link on would only repeat them
		}
		n := askedPage(next)
		if n == 0 {
			n = seq + 1
		}
		if last.totalPages > 0 && n > last.totalPages {
			t.stopped = fmt.Sprintf("page %d linked to page %d, past the %d it announced", seq, n, last.totalPages)
			break
		}
		seen[next.String()] = true
		seq++
		p, env, nx, err := c.fetchPage(ctx, res, next, seq)
		if err != nil {
			return err
		}
		if err := c.deliver(fn, p); err != nil {
			return err
		}
		t.add(p)
		if p.Records == 0 {
			t.emptyAt = seq
			break
		}
		prev, next, last = next, nx, env
	}
	return nil
}

// fetchPages fetches pages 2..total concurrently, by setting page on page 1's links.next, and
// hands them to fn one at a time. It returns the last page's links.next and envelope. The
// first page that comes back empty before page total stops the walk at once: the requests
// still under way are cancelled and no other is sent (t.emptyAt says which page).
func (c *APIClient) fetchPages(ctx context.Context, res Resource, next *url.URL, total int, t *tally, fn func(Page) error) (*url.URL, envelope, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)

	numbers := make(chan int)
	g.Go(func() error {
		defer close(numbers)
		for n := 2; n <= total; n++ {
			select {
			case numbers <- n:
			case <-gctx.Done():
				return nil
			}
		}
		return nil
	})
	results := make(chan fetchedPage)
	for range min(c.concurrency, total-1) {
		g.Go(func() error {
			for n := range numbers {
				p, env, nx, err := c.fetchPage(gctx, res, withPage(next, n), n)
				if err != nil {
					return err
				}
				if env.totalPages != total {
					c.log.WarnContext(ctx, "harvest: the listing changed while it was read",
						"resource", string(res), "page", n, "total_pages", env.totalPages, "first_page_said", total)
				}
				if p.Records == 0 && n < total {
					cancel() // the listing is incomplete (R17 a): nothing more is worth asking
				}
				// The collector below reads until results closes, so this send never blocks
				// for good; the page is landed as evidence even when the walk stops.
				results <- fetchedPage{p, env, nx}
			}
			return nil
		})
	}
	fetchErr := make(chan error, 1)
	go func() {
		fetchErr <- g.Wait()
		close(results)
	}()

	last, emptyAt, fnErr := c.collectPages(results, total, t, fn, cancel)
	err := <-fetchErr
	if fnErr != nil {
		return nil, last.env, fnErr
	}
	if emptyAt > 0 {
		t.emptyAt = emptyAt
		return nil, last.env, nil
	}
	if err != nil {
		return nil, last.env, err
	}
	return last.next, last.env, nil
}

// fetchedPage is a page fetchPages fetched, with its envelope and checked links.next.
type fetchedPage struct {
	page Page
	env  envelope
	next *url.URL
}

// collectPages hands the pages from results to fn, one at a time, until results closes. It
// returns page total (zero if it did not come), the lowest page that came back empty (0 if
// none) and fn's error; after fn fails it cancels the walk and only drains results, so that
// the workers can stop.
func (c *APIClient) collectPages(results <-chan fetchedPage, total int, t *tally, fn func(Page) error, cancel func()) (last fetchedPage, emptyAt int, fnErr error) {
	for r := range results {
		if fnErr != nil {
			continue
		}
		if err := c.deliver(fn, r.page); err != nil {
			fnErr = err
			cancel()
			continue
		}
		t.add(r.page)
		if r.page.Records == 0 && (emptyAt == 0 || r.page.Seq < emptyAt) {
			emptyAt = r.page.Seq
		}
		if r.page.Seq == total {
			last = r
		}
	}
	return last, emptyAt, fnErr
}

// fetchPage gets u and checks that it is page seq of the listing res. next is the checked
// links.next, nil when there is none.
func (c *APIClient) fetchPage(ctx context.Context, res Resource, u *url.URL, seq int) (p Page, env envelope, next *url.URL, err error) {
	resp, err := c.get(ctx, res, u)
	if err != nil {
		return p, env, nil, err
	}
	shown := c.redact.url(u)
	env, err = parseEnvelope(resp.body, res.recordsKey())
	if err != nil {
		return p, env, nil, &MalformedPageError{URL: shown, Reason: c.redact.string(err.Error())}
	}
	if want := askedPage(u); want > 0 && (env.page == nil || *env.page != want) {
		got := "null"
		if env.page != nil {
			got = fmt.Sprint(*env.page)
		}
		return p, env, nil, &MalformedPageError{URL: shown, Reason: fmt.Sprintf("asked for page %d, got page %s", want, got)}
	}
	if env.next != "" {
		next, err = u.Parse(env.next)
		if err != nil {
			return p, env, nil, &MalformedPageError{URL: shown, Reason: "links.next is not a URL"}
		}
		if !sameOrigin(next, c.base) || next.User != nil {
			return p, env, nil, fmt.Errorf("%w: %s links to %s, outside %s; nothing was sent there, to keep the token safe",
				ErrOffsiteLink, shown, c.redact.url(next), c.redact.url(c.base))
		}
	}
	return Page{
		Resource:     res,
		Seq:          seq,
		URL:          shown,
		Status:       200,
		Body:         resp.body,
		FetchedAt:    resp.fetchedAt,
		Duration:     resp.duration,
		Attempts:     resp.attempts,
		Records:      env.records,
		TotalPages:   env.totalPages,
		TotalEntries: env.totalEntries,
	}, env, next, nil
}

// deliver hands p to fn, counting it.
func (c *APIClient) deliver(fn func(Page) error, p Page) error {
	c.pages.Add(1)
	c.bytes.Add(int64(len(p.Body)))
	if err := fn(p); err != nil {
		return &callerError{err: err}
	}
	return nil
}
