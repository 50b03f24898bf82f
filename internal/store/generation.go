package store

import (
	"sync"
	"sync/atomic"
)

// tableGenerations counts the committed updates that wrote each table, so
// that a cache of one table's data (IAM's policies, the access keys) is not
// dropped by writes to another (S3's objects).
type tableGenerations struct {
	m sync.Map // table name -> *atomic.Uint64
}

// bump records a commit that wrote tables. Callers bump after the commit is
// visible, so a reader that sees the new generation also sees the new data.
func (g *tableGenerations) bump(tables map[string]bool) {
	for t := range tables {
		c, ok := g.m.Load(t)
		if !ok {
			c, _ = g.m.LoadOrStore(t, new(atomic.Uint64))
		}
		c.(*atomic.Uint64).Add(1)
	}
}

func (g *tableGenerations) get(table string) uint64 {
	if c, ok := g.m.Load(table); ok {
		return c.(*atomic.Uint64).Load()
	}
	return 0
}
