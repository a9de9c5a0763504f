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
// follows links.next until it is null, in cursor and page-number mode alike.
//
// Page-number listings (time_entries) are fetched concurrently once the first page says how
// many pages there are; fn then sees them in any order, with Seq the page number. fn is never
// called concurrently. An error from fn stops the listing and is returned as it is.
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
	if err != nil {
		return c.redact.err(fmt.Errorf("harvest: %w", err))
	}
	return nil
}

// callerError carries fn's error out unchanged.
type callerError struct{ err error }

func (e *callerError) Error() string { return e.err.Error() }
func (e *callerError) Unwrap() error { return e.err }

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
	if err := c.deliver(fn, p); err != nil {
		return err
	}
	if next == nil {
		return nil
	}
	seq := 1
	if askedPage(next) == 2 && env.page != nil && *env.page == 1 && env.totalPages >= 2 {
		if next, err = c.fetchPages(ctx, res, next, env.totalPages, fn); err != nil {
			return err
		}
		// If the last page still links on, entries were added while we read: the rest is
		// fetched by following the links.
		seq = env.totalPages
	}
	return c.follow(ctx, res, first, next, seq, fn)
}

// follow fetches next and the pages it links to, one after the other.
func (c *APIClient) follow(ctx context.Context, res Resource, from, next *url.URL, seq int, fn func(Page) error) error {
	seen := map[string]bool{from.String(): true}
	prev := from
	for next != nil {
		if seen[next.String()] {
			return &MalformedPageError{URL: c.redact.url(prev), Reason: "links.next leads back to a page already fetched"}
		}
		seen[next.String()] = true
		seq++
		p, _, nx, err := c.fetchPage(ctx, res, next, seq)
		if err != nil {
			return err
		}
		if err := c.deliver(fn, p); err != nil {
			return err
		}
		prev, next = next, nx
	}
	return nil
}

// fetchPages fetches pages 2..total concurrently, by setting page on page 1's links.next, and
// hands them to fn one at a time. It returns the last page's links.next.
func (c *APIClient) fetchPages(ctx context.Context, res Resource, next *url.URL, total int, fn func(Page) error) (*url.URL, error) {
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
	type fetched struct {
		page Page
		next *url.URL
	}
	results := make(chan fetched)
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
				select {
				case results <- fetched{p, nx}:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	fetchErr := make(chan error, 1)
	go func() {
		fetchErr <- g.Wait()
		close(results)
	}()

	var last *url.URL
	var fnErr error
	for r := range results {
		if fnErr != nil {
			continue // drain, so that the workers can stop
		}
		if err := c.deliver(fn, r.page); err != nil {
			fnErr = err
			cancel()
			continue
		}
		if r.page.Seq == total {
			last = r.next
		}
	}
	if err := <-fetchErr; fnErr == nil && err != nil {
		return nil, err
	}
	return last, fnErr
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
	c.stats.pages.Add(1)
	c.stats.bytes.Add(int64(len(p.Body)))
	if err := fn(p); err != nil {
		return &callerError{err: err}
	}
	return nil
}
