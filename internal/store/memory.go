package store

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/tidwall/btree"
)

// Memory is an in-memory Store: the same semantics as the bbolt store, minus
// durability. The committed state is an immutable set of copy-on-write
// B-trees: a View reads the state current when it began, an Update works on
// lazy copies of the tables it writes and swaps the new state in on success.
type Memory struct {
	state  atomic.Pointer[memState]
	writer chan struct{} // a one-slot semaphore: one Update at a time
	gen    atomic.Uint64
	tables tableGenerations
	closed atomic.Bool
}

type memState struct {
	tables map[string]*btree.Map[string, []byte]
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	m := &Memory{writer: make(chan struct{}, 1)}
	m.state.Store(&memState{tables: map[string]*btree.Map[string, []byte]{}})
	return m
}

var _ Store = (*Memory)(nil)

func (m *Memory) View(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.closed.Load() {
		return ErrClosed
	}
	tx := &memTx{ctx: ctx, tables: m.state.Load().tables}
	defer tx.end()
	return fn(tx)
}

func (m *Memory) Update(ctx context.Context, fn func(Tx) error) error {
	select {
	case m.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-m.writer }()
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.closed.Load() {
		return ErrClosed
	}
	base := m.state.Load()
	tx := &memTx{ctx: ctx, tables: base.tables, writable: true}
	defer tx.end() // also when fn panics
	err := fn(tx)
	tx.end()
	if err != nil {
		return err
	}
	// A transaction whose caller gave up before it committed is not committed.
	if err := ctx.Err(); err != nil {
		return err
	}
	if tx.copied != nil {
		m.state.Store(&memState{tables: tx.tables})
	}
	m.gen.Add(1)
	m.tables.bump(tx.copied)
	return nil
}

func (m *Memory) Generation() uint64 { return m.gen.Load() }

func (m *Memory) TableGeneration(table string) uint64 { return m.tables.get(table) }

// Close drops nothing (there is nothing to flush); it makes later
// transactions fail with ErrClosed, as they would on a closed file.
func (m *Memory) Close() error {
	m.closed.Store(true)
	return nil
}

type memTx struct {
	ctx      context.Context
	tables   map[string]*btree.Map[string, []byte]
	writable bool
	closed   bool
	// copied names the tables this transaction has copied from the base
	// state (and so may modify); nil until the first write.
	copied map[string]bool
}

func (tx *memTx) end() { tx.closed = true }

func (tx *memTx) Get(table, key string) ([]byte, error) {
	if tx.closed {
		return nil, ErrTxClosed
	}
	if err := checkTable(table); err != nil {
		return nil, err
	}
	t := tx.tables[table]
	if t == nil {
		return nil, ErrNotFound
	}
	v, ok := t.Get(key)
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

// table returns a tree of table that this transaction may modify.
func (tx *memTx) table(table string, create bool) *btree.Map[string, []byte] {
	if tx.copied == nil {
		tables := make(map[string]*btree.Map[string, []byte], len(tx.tables)+1)
		for k, v := range tx.tables {
			tables[k] = v
		}
		tx.tables = tables
		tx.copied = map[string]bool{}
	}
	t := tx.tables[table]
	if tx.copied[table] {
		return t
	}
	switch {
	case t != nil:
		t = t.Copy()
	case create:
		t = new(btree.Map[string, []byte])
	default:
		return nil
	}
	tx.tables[table] = t
	tx.copied[table] = true
	return t
}

func (tx *memTx) Put(table, key string, value []byte) error {
	if err := tx.checkWrite(table, key); err != nil {
		return err
	}
	// Copy: the caller may reuse value once Put returns. The three-index
	// slice keeps a reader's append from writing into a neighbour.
	v := append([]byte(nil), value...)
	tx.table(table, true).Set(key, v[:len(v):len(v)])
	return nil
}

func (tx *memTx) Delete(table, key string) error {
	if err := tx.checkWrite(table, key); err != nil {
		return err
	}
	if tx.tables[table] == nil {
		return nil
	}
	if t := tx.table(table, false); t != nil {
		t.Delete(key)
	}
	return nil
}

func (tx *memTx) checkWrite(table, key string) error {
	if tx.closed {
		return ErrTxClosed
	}
	if !tx.writable {
		return ErrReadOnly
	}
	if err := checkTable(table); err != nil {
		return err
	}
	return checkKey(key)
}

func (tx *memTx) Scan(table, prefix, after string, fn func(string, []byte) (bool, error)) error {
	if tx.closed {
		return ErrTxClosed
	}
	if err := checkTable(table); err != nil {
		return err
	}
	t := tx.tables[table]
	if t == nil {
		return nil
	}
	if tx.writable {
		// fn may write to this very table; iterate over a frozen copy so that
		// the tree under the iterator never changes (bbolt cursors have the
		// same rule, and its store handles it the same way).
		// Copy gives both trees fresh owners, so later writes to the
		// transaction's tree clone nodes instead of changing shared ones.
		t = t.Copy()
	}
	var err error
	n := 0
	t.Ascend(scanStart(prefix, after), func(k string, v []byte) bool {
		if !strings.HasPrefix(k, prefix) {
			return false
		}
		if k == after {
			return true
		}
		if n++; n%ctxCheckEvery == 0 {
			if err = tx.ctx.Err(); err != nil {
				return false
			}
		}
		var more bool
		more, err = fn(k, v)
		return more && err == nil && !tx.closed
	})
	return err
}
