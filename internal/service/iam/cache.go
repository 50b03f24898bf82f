package iam

import (
	"context"
	"sync"

	"github.com/doppel-aws/doppel/internal/store"
)

// recordCache keeps decoded records of one kind between requests, so that
// the hot read paths (STS's LookupRole on every AssumeRole, ListRoles) do not
// decode JSON per request. Every entry is tagged with the IAM table's
// generation when it was read and the whole cache is dropped when that moves:
// any IAM write (a new trust policy, a tag, a deleted role) is seen by the
// next request, as with the authorizer's policy cache.
//
// Cached records are shared: callers read them and never modify them
// (their slices and maps included). Writes always read from their own
// transaction, never from here.
type recordCache[T any] struct {
	// fill, when set, completes a record just read from the store with what
	// every read derives from it (an ARN, an encoded document), once.
	fill func(account string, rec *T)

	mu    sync.RWMutex
	gen   uint64
	size  int                        // records held, lists counted in full
	one   map[string]cachedRecord[T] // record key -> the record, or its absence
	lists map[string][]T             // kind prefix -> every record under it, in key order
}

type cachedRecord[T any] struct {
	rec   T
	found bool
}

// maxCachedRecords bounds a cache; it is simply emptied when full.
const maxCachedRecords = 8192

// get returns the record name of kind in account as get does in a
// transaction of its own.
func (c *recordCache[T]) get(ctx context.Context, s *Service, account, kind, name string) (T, bool, error) {
	gen := s.PolicyGeneration()
	var buf [128]byte
	c.mu.RLock()
	// A key built on the stack: the lookup of string(bytes) does not copy.
	e, ok := c.one[string(appendRecordKey(buf[:0], account, kind, name))]
	fresh := c.gen == gen
	c.mu.RUnlock()
	if ok && fresh {
		return e.rec, e.found, nil
	}
	return c.read(ctx, s, gen, account, recordKey(account, kind, name))
}

// read is get's miss: it reads key from the store and keeps it at gen. gen
// was read before the View, so an entry tagged with it is never newer than
// the state it claims: a commit in between only drops it early.
func (c *recordCache[T]) read(ctx context.Context, s *Service, gen uint64, account, key string) (T, bool, error) {
	var e cachedRecord[T]
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		e.rec, e.found, err = get[T](tx, key)
		return err
	})
	if err != nil {
		return e.rec, false, err
	}
	if e.found && c.fill != nil {
		c.fill(account, &e.rec)
	}
	c.keep(gen, 1, func() {
		if c.one == nil {
			c.one = map[string]cachedRecord[T]{}
		}
		c.one[key] = e
	})
	return e.rec, e.found, nil
}

// scan returns every record of kind in account, in key order, as scan does.
func (c *recordCache[T]) scan(ctx context.Context, s *Service, account, kind string) ([]T, error) {
	prefix := kindPrefix(account, kind)
	gen := s.PolicyGeneration()
	c.mu.RLock()
	all, ok := c.lists[prefix]
	fresh := c.gen == gen
	c.mu.RUnlock()
	if ok && fresh {
		return all, nil
	}
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		all, err = scan[T](tx, account, kind)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c.fill != nil {
		for i := range all {
			c.fill(account, &all[i])
		}
	}
	c.keep(gen, len(all)+1, func() {
		if c.lists == nil {
			c.lists = map[string][]T{}
		}
		c.lists[prefix] = all
	})
	return all, nil
}

// keep runs add (which stores n records) under the lock if what was read at
// generation gen is still current, emptying the cache first when the
// generation moved or the cache is full.
func (c *recordCache[T]) keep(gen uint64, n int, add func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen > c.gen || c.size+n > maxCachedRecords {
		clear(c.one)
		clear(c.lists)
		c.size = 0
		c.gen = max(c.gen, gen)
	}
	if gen == c.gen && n <= maxCachedRecords {
		add()
		c.size += n
	}
}
