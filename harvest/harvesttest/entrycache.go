package harvesttest

import (
	"sync"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// entryCache keeps the last few filtered time-entry listings, so walking a filtered listing
// of a million entries scans them once rather than once per page.
type entryCache struct {
	mu      sync.Mutex
	version uint64
	keys    []string // oldest first
	lists   map[string][]*harvest.TimeEntry
}

const entryCacheSize = 8

func (c *entryCache) get(key string, version uint64) ([]*harvest.TimeEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return nil, false
	}
	l, ok := c.lists[key]
	return l, ok
}

func (c *entryCache) put(key string, version uint64, list []*harvest.TimeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || c.lists == nil {
		c.version, c.keys, c.lists = version, nil, map[string][]*harvest.TimeEntry{}
	}
	if _, ok := c.lists[key]; ok {
		return
	}
	if len(c.keys) == entryCacheSize {
		delete(c.lists, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.keys = append(c.keys, key)
	c.lists[key] = list
}
