package webhook

import (
	"crypto/sha256"
	"sync"
	"time"
)

// replayCache remembers, per Lambda instance, the webhook-ids of producer
// requests that were fully enqueued, until their timestamp leaves the replay
// window. It is only the first line against replays: another instance does
// not see it, and there the queue's deduplication on (source, id) and the
// consumer's longer deduplication make a replayed body change nothing (see
// docs/WEBHOOKS.md). It is bounded: when full, the oldest entries go first.
type replayCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]replayEntry
	order   []string // insertion order, for eviction
}

type replayEntry struct {
	bodyHash [sha256.Size]byte
	expires  time.Time
}

// replayVerdict is what the cache knows about a request.
type replayVerdict int

const (
	replayNew      replayVerdict = iota // never seen (or forgotten)
	replaySame                          // seen with the same body: already enqueued
	replayConflict                      // seen with a different body: id reused
)

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, entries: map[string]replayEntry{}}
}

func replayKey(org, id string) string { return org + "\x00" + id }

func (c *replayCache) check(org, id string, body []byte, now time.Time) replayVerdict {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[replayKey(org, id)]
	if !ok || !now.Before(e.expires) {
		return replayNew
	}
	if e.bodyHash != sha256.Sum256(body) {
		return replayConflict
	}
	return replaySame
}

// remember records a fully enqueued request until expires.
func (c *replayCache) remember(org, id string, body []byte, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Drop expired entries from the front, then the oldest while full.
	for len(c.order) > 0 {
		k := c.order[0]
		e, ok := c.entries[k]
		if ok && now.Before(e.expires) && len(c.entries) < c.max {
			break
		}
		c.order = c.order[1:]
		delete(c.entries, k)
	}
	k := replayKey(org, id)
	if _, ok := c.entries[k]; !ok {
		c.order = append(c.order, k)
	}
	c.entries[k] = replayEntry{bodyHash: sha256.Sum256(body), expires: expires}
}
