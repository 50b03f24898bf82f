// Package attempts slows guessing: it counts failed attempts at a secret
// (a password, a secret key, an MFA code) by key, and once a key has failed
// too often, blocks further attempts for a time that doubles with each
// failure after that. Time comes from an injected clock, so tests move it
// instead of sleeping.
package attempts

import (
	"sync"
	"time"
)

const (
	// FirstBlock is the block after the failure that reaches the limit;
	// each further failure doubles it, up to MaxBlock.
	FirstBlock = 30 * time.Second
	MaxBlock   = 15 * time.Minute
	// Window: failures are forgotten after this long without one.
	Window = 15 * time.Minute
	// maxKeys bounds memory against a spray of made-up names.
	maxKeys = 100000
)

type strikes struct {
	n     int       // failures within the window
	last  time.Time // the latest failure
	until time.Time // attempts are refused before this
}

// Counter counts failures by key. The zero value is not usable; use New.
type Counter struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*strikes
}

// New returns a Counter on the clock now.
func New(now func() time.Time) *Counter {
	return &Counter{now: now, m: map[string]*strikes{}}
}

// Blocked returns how long attempts under any of keys must still wait (0:
// they may go ahead).
func (c *Counter) Blocked(keys ...string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var wait time.Duration
	for _, k := range keys {
		if s := c.m[k]; s != nil && now.Before(s.until) {
			wait = max(wait, s.until.Sub(now))
		}
	}
	return wait
}

// Fail records a failed attempt under key, which is allowed limit of them
// before it is blocked.
func (c *Counter) Fail(key string, limit int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	s := c.m[key]
	if s == nil {
		if len(c.m) >= maxKeys {
			c.sweep(now)
		}
		s = &strikes{}
		c.m[key] = s
	} else if now.Sub(s.last) > Window && !now.Before(s.until) {
		*s = strikes{}
	}
	s.n++
	s.last = now
	if s.n >= limit {
		block := MaxBlock
		if shift := s.n - limit; shift < 6 {
			block = min(FirstBlock<<shift, MaxBlock)
		}
		s.until = now.Add(block)
	}
}

// Forget clears key's failures (the secret was given).
func (c *Counter) Forget(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

// sweep drops the keys that neither block nor count any more; if that frees
// too little, some that count but do not block right now (a tenth of the
// bound, so the sweep is not paid on every new key), never a block: a spray
// of names cannot lift one by filling the map.
func (c *Counter) sweep(now time.Time) {
	var spare []string
	for k, s := range c.m {
		if now.Before(s.until) {
			continue
		}
		if now.Sub(s.last) > Window {
			delete(c.m, k)
		} else if len(spare) < maxKeys/10 {
			spare = append(spare, k)
		}
	}
	if len(c.m) >= maxKeys*9/10 {
		for _, k := range spare {
			delete(c.m, k)
		}
	}
}
