package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltOptions tunes OpenBolt. The zero value is ready to use.
type BoltOptions struct {
	// LockTimeout bounds the wait for the database file's lock, so a second
	// doppel on the same data directory fails fast instead of hanging.
	// Zero means DefaultLockTimeout.
	LockTimeout time.Duration
}

// initialMmapSize reserves address space (not memory) for the file, so that
// growing it seldom needs a remap that waits for readers.
const initialMmapSize = 1 << 30

// DefaultLockTimeout is how long OpenBolt waits for another process to
// release the database file.
const DefaultLockTimeout = time.Second

// ErrLocked is returned by OpenBolt when another process holds the database.
var ErrLocked = errors.New("store: database is locked by another process")

// ErrSchemaTooNew is returned by OpenBolt for a database written by a newer
// doppel: this binary does not know that schema and must not touch it.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this doppel")

// A Migration moves the stored state from one schema version to the next.
type Migration struct {
	Name  string
	Apply func(Tx) error
}

// migrations is the schema's history: migrations[i] takes version i to i+1,
// so the current schema version is len(migrations). Append only; never edit
// or reorder a migration that has shipped.
var migrations = []Migration{
	{Name: "initial schema: tables are created on demand", Apply: func(Tx) error { return nil }},
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int { return len(migrations) }

const (
	metaBucket       = "_meta" // the leading _ keeps it out of the table namespace
	metaSchemaKey    = "schema_version"
	metaMigratedAtFn = "migrated_at"
)

// Bolt is a durable Store in one bbolt file: one bucket per table. Every
// committed Update is fsynced before Update returns.
//
// A View must not wait for an Update on the same store: when the file outgrows
// its memory map, bbolt remaps it inside the commit, and the remap waits for
// every open read transaction (bbolt's README, "Caveats & Limitations").
// initialMmapSize makes that rare; the rule stands.
type Bolt struct {
	db     *bolt.DB
	path   string
	writer chan struct{} // one Update at a time, waited for under the caller's context
	gen    atomic.Uint64
	tables tableGenerations

	batchMu sync.Mutex
	pending []*batchCall // Batch calls waiting for the next commit
}

var _ Store = (*Bolt)(nil)

// OpenBolt opens (creating it with mode 0600 if needed) the database at path
// and brings its schema up to date.
func OpenBolt(path string, opts BoltOptions) (*Bolt, error) {
	return openBolt(path, opts, migrations)
}

func openBolt(path string, opts BoltOptions, migs []Migration) (*Bolt, error) {
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, InitialMmapSize: initialMmapSize})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is in use (is another doppel running on this data directory?)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	s := &Bolt{db: db, path: path, writer: make(chan struct{}, 1)}
	if err := s.migrate(migs); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrate applies, in one transaction, every migration the database has not
// seen yet: a failure leaves the database as it was.
func (s *Bolt) migrate(migs []Migration) error {
	return s.db.Update(func(btx *bolt.Tx) error {
		meta, err := btx.CreateBucketIfNotExists([]byte(metaBucket))
		if err != nil {
			return fmt.Errorf("store: %s: %w", s.path, err)
		}
		version := 0
		if v := meta.Get([]byte(metaSchemaKey)); v != nil {
			version, err = strconv.Atoi(string(v))
			if err != nil || version < 0 {
				return fmt.Errorf("store: %s: unreadable schema version %q", s.path, v)
			}
		}
		if version > len(migs) {
			return fmt.Errorf("%w: %s has schema version %d, this doppel knows up to %d; use a newer doppel",
				ErrSchemaTooNew, s.path, version, len(migs))
		}
		if version == len(migs) {
			return nil
		}
		tx := &boltTx{ctx: context.Background(), tx: btx, writable: true}
		for v := version; v < len(migs); v++ {
			if err := migs[v].Apply(tx); err != nil {
				return fmt.Errorf("store: %s: migration %d (%s): %w", s.path, v+1, migs[v].Name, err)
			}
		}
		tx.closed = true
		if err := meta.Put([]byte(metaSchemaKey), []byte(strconv.Itoa(len(migs)))); err != nil {
			return err
		}
		return meta.Put([]byte(metaMigratedAtFn), []byte(time.Now().UTC().Format(time.RFC3339)))
	})
}

func (s *Bolt) View(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.mapClosed(s.db.View(func(btx *bolt.Tx) error {
		tx := &boltTx{ctx: ctx, tx: btx}
		defer tx.end()
		return fn(tx)
	}))
}

func (s *Bolt) Update(ctx context.Context, fn func(Tx) error) error {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writer }()
	return s.update(ctx, fn)
}

// update runs fn in a write transaction; the caller holds the writer slot.
func (s *Bolt) update(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var written map[string]bool
	err := s.db.Update(func(btx *bolt.Tx) error {
		tx := &boltTx{ctx: ctx, tx: btx, writable: true}
		written = nil
		defer func() { written = tx.written }()
		defer tx.end()
		if err := fn(tx); err != nil {
			return err
		}
		// A caller that gave up before the commit does not get one.
		return ctx.Err()
	})
	if err != nil {
		return s.mapClosed(err)
	}
	s.gen.Add(1)
	s.tables.bump(written)
	return nil
}

func (s *Bolt) mapClosed(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}

func (s *Bolt) Generation() uint64 { return s.gen.Load() }

func (s *Bolt) TableGeneration(table string) uint64 { return s.tables.get(table) }

// Close waits for open transactions to finish and releases the file. A nil
// *Bolt (as a failed OpenBolt returns) closes without error, so that
// `st, err = OpenBolt(...)` into a Store variable and a deferred Close are safe.
func (s *Bolt) Close() error {
	if s == nil {
		return nil
	}
	return s.db.Close()
}

// Path is the database file's path.
func (s *Bolt) Path() string { return s.path }

type boltTx struct {
	ctx      context.Context
	tx       *bolt.Tx
	writable bool
	closed   bool
	writes   int             // bumped by Put and Delete so Scan knows to re-seek its cursor
	written  map[string]bool // the tables Put or Delete touched
}

func (tx *boltTx) end() { tx.closed = true }

// bytesOf views key as bytes without copying, for bbolt calls that only read
// the key during the call (Get, Seek, bucket lookup).
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func (tx *boltTx) Get(table, key string) ([]byte, error) {
	if tx.closed {
		return nil, ErrTxClosed
	}
	if err := checkTable(table); err != nil {
		return nil, err
	}
	b := tx.tx.Bucket(bytesOf(table))
	if b == nil || key == "" {
		return nil, ErrNotFound
	}
	// bbolt's Get answers nil both for a missing key and for an empty value,
	// so look with a cursor, which tells them apart.
	k, v := b.Cursor().Seek(bytesOf(key))
	if k == nil || string(k) != key {
		return nil, ErrNotFound
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

func (tx *boltTx) Put(table, key string, value []byte) error {
	if err := tx.checkWrite(table, key); err != nil {
		return err
	}
	b, err := tx.tx.CreateBucketIfNotExists([]byte(table))
	if err != nil {
		return fmt.Errorf("store: creating table %q: %w", table, err)
	}
	tx.touch(table)
	// bbolt keeps both slices until the commit; the caller may reuse value.
	return b.Put([]byte(key), append([]byte{}, value...))
}

func (tx *boltTx) Delete(table, key string) error {
	if err := tx.checkWrite(table, key); err != nil {
		return err
	}
	b := tx.tx.Bucket(bytesOf(table))
	if b == nil {
		return nil
	}
	tx.touch(table)
	return b.Delete([]byte(key))
}

func (tx *boltTx) touch(table string) {
	tx.writes++
	if tx.written == nil {
		tx.written = map[string]bool{}
	}
	tx.written[table] = true
}

func (tx *boltTx) checkWrite(table, key string) error {
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

func (tx *boltTx) Scan(table, prefix, after string, fn func(string, []byte) (bool, error)) error {
	if tx.closed {
		return ErrTxClosed
	}
	if err := checkTable(table); err != nil {
		return err
	}
	b := tx.tx.Bucket(bytesOf(table))
	if b == nil {
		return nil
	}
	c := b.Cursor()
	start := scanStart(prefix, after)
	var k, v []byte
	if start == "" {
		k, v = c.First()
	} else {
		k, v = c.Seek(bytesOf(start))
	}
	for n := 1; k != nil; n++ {
		key := string(k)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		if key != after {
			if n%ctxCheckEvery == 0 {
				if err := tx.ctx.Err(); err != nil {
					return err
				}
			}
			if v == nil {
				v = []byte{}
			}
			writes := tx.writes
			more, err := fn(key, v)
			if err != nil || !more {
				return err
			}
			if tx.closed {
				return ErrTxClosed
			}
			// bbolt cursors are invalidated by writes to their bucket
			// (bbolt's Cursor docs); find our place again.
			if tx.writes != writes {
				c = b.Cursor()
				if k, v = c.Seek(bytesOf(key)); k != nil && string(k) == key {
					k, v = c.Next()
				}
				continue
			}
		}
		k, v = c.Next()
	}
	return nil
}
