// Package storetest is the conformance suite every store.Store implementation
// must pass, and the benchmarks that compare them. Each implementation's
// tests call Run and Bench with a constructor.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

// Open returns a fresh, empty store. The suite closes it.
type Open func(t testing.TB) store.Store

// Run runs the conformance suite against stores made by open.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"InvalidInput", testInvalidInput},
		{"ReadOnlyView", testReadOnlyView},
		{"TxUsedAfterEnd", testTxUsedAfterEnd},
		{"RollbackOnError", testRollbackOnError},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"ReadOwnWrites", testReadOwnWrites},
		{"Scan", testScan},
		{"ScanWhileWriting", testScanWhileWriting},
		{"SnapshotIsolation", testSnapshotIsolation},
		{"ConcurrentReadersOneWriter", testConcurrentReadersOneWriter},
		{"WritersSerialized", testWritersSerialized},
		{"Generation", testGeneration},
		{"TableGeneration", testTableGeneration},
		{"ContextCancelled", testContextCancelled},
		{"ContextCancelledDuringUpdate", testContextCancelledDuringUpdate},
		{"ContextWhileWaitingForWriter", testContextWhileWaitingForWriter},
		{"PutCopiesValue", testPutCopiesValue},
		{"JSONHelpers", testJSONHelpers},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

func put(t testing.TB, s store.Store, table string, kv ...string) {
	t.Helper()
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if err := tx.Put(table, kv[i], []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// get returns the value at table/key, or "<missing>".
func get(t testing.TB, s store.Store, table, key string) string {
	t.Helper()
	var out string
	err := s.View(context.Background(), func(tx store.Tx) error {
		v, err := tx.Get(table, key)
		if errors.Is(err, store.ErrNotFound) {
			out = "<missing>"
			return nil
		}
		out = string(v)
		return err
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return out
}

func testGetPutDelete(t *testing.T, s store.Store) {
	if got := get(t, s, "t", "k"); got != "<missing>" {
		t.Fatalf("missing table: got %q", got)
	}
	put(t, s, "t", "k", "v1")
	if got := get(t, s, "t", "k"); got != "v1" {
		t.Fatalf("after Put: got %q", got)
	}
	put(t, s, "t", "k", "v2", "empty", "")
	if got := get(t, s, "t", "k"); got != "v2" {
		t.Fatalf("after overwrite: got %q", got)
	}
	if got := get(t, s, "t", "empty"); got != "" {
		t.Fatalf("empty value: got %q", got)
	}
	if got := get(t, s, "other", "k"); got != "<missing>" {
		t.Fatalf("tables are separate: got %q", got)
	}
	err := s.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Delete("t", "k"); err != nil {
			return err
		}
		if err := tx.Delete("t", "never-there"); err != nil {
			return fmt.Errorf("deleting a missing key: %w", err)
		}
		if err := tx.Delete("no-such-table", "k"); err != nil {
			return fmt.Errorf("deleting in a missing table: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "t", "k"); got != "<missing>" {
		t.Fatalf("after Delete: got %q", got)
	}
}

func testInvalidInput(t *testing.T, s store.Store) {
	tests := []struct {
		name, table, key string
		want             error
	}{
		{"empty table", "", "k", store.ErrInvalidTable},
		{"reserved table", "_meta", "k", store.ErrInvalidTable},
		{"empty key", "t", "", store.ErrInvalidKey},
		{"key too long", "t", strings.Repeat("k", store.MaxKeySize+1), store.ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(context.Background(), func(tx store.Tx) error {
				if err := tx.Put(tc.table, tc.key, []byte("v")); !errors.Is(err, tc.want) {
					t.Errorf("Put: got %v, want %v", err, tc.want)
				}
				if err := tx.Delete(tc.table, tc.key); !errors.Is(err, tc.want) {
					t.Errorf("Delete: got %v, want %v", err, tc.want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	// Longest legal key works.
	long := strings.Repeat("k", store.MaxKeySize)
	put(t, s, "t", long, "v")
	if got := get(t, s, "t", long); got != "v" {
		t.Fatalf("longest key: got %q", got)
	}
}

func testReadOnlyView(t *testing.T, s store.Store) {
	put(t, s, "t", "k", "v")
	err := s.View(context.Background(), func(tx store.Tx) error {
		if err := tx.Put("t", "k", []byte("x")); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Put in View: got %v, want ErrReadOnly", err)
		}
		if err := tx.Delete("t", "k"); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Delete in View: got %v, want ErrReadOnly", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "t", "k"); got != "v" {
		t.Fatalf("View changed the store: %q", got)
	}
}

func testTxUsedAfterEnd(t *testing.T, s store.Store) {
	put(t, s, "t", "k", "v")
	var kept store.Tx
	if err := s.Update(context.Background(), func(tx store.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Get("t", "k"); !errors.Is(err, store.ErrTxClosed) {
		t.Errorf("Get after Update: got %v", err)
	}
	if err := kept.Put("t", "k", nil); !errors.Is(err, store.ErrTxClosed) {
		t.Errorf("Put after Update: got %v", err)
	}
	if err := s.View(context.Background(), func(tx store.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := kept.Scan("t", "", "", func(string, []byte) (bool, error) { return true, nil }); !errors.Is(err, store.ErrTxClosed) {
		t.Errorf("Scan after View: got %v", err)
	}
	if got := get(t, s, "t", "k"); got != "v" {
		t.Fatalf("late Put changed the store: %q", got)
	}
}

func testRollbackOnError(t *testing.T, s store.Store) {
	put(t, s, "t", "keep", "1")
	gen := s.Generation()
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx store.Tx) error {
		tx.Put("t", "keep", []byte("changed"))
		tx.Put("t", "new", []byte("x"))
		tx.Put("newtable", "k", []byte("x"))
		tx.Delete("t", "keep")
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	for _, c := range []struct{ table, key, want string }{
		{"t", "keep", "1"}, {"t", "new", "<missing>"}, {"newtable", "k", "<missing>"},
	} {
		if got := get(t, s, c.table, c.key); got != c.want {
			t.Errorf("%s/%s after rollback: got %q, want %q", c.table, c.key, got, c.want)
		}
	}
	if s.Generation() != gen {
		t.Errorf("Generation moved on a rolled-back Update: %d -> %d", gen, s.Generation())
	}
}

func testRollbackOnPanic(t *testing.T, s store.Store) {
	put(t, s, "t", "k", "1")
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic did not propagate")
			}
		}()
		s.Update(context.Background(), func(tx store.Tx) error {
			tx.Put("t", "k", []byte("2"))
			panic("boom")
		})
	}()
	if got := get(t, s, "t", "k"); got != "1" {
		t.Fatalf("after panic: got %q", got)
	}
	// The writer lock was released: a later Update goes through.
	put(t, s, "t", "k", "3")
	if got := get(t, s, "t", "k"); got != "3" {
		t.Fatalf("after panic and Update: got %q", got)
	}
}

func testReadOwnWrites(t *testing.T, s store.Store) {
	put(t, s, "t", "a", "1", "b", "2")
	err := s.Update(context.Background(), func(tx store.Tx) error {
		tx.Put("t", "c", []byte("3"))
		tx.Delete("t", "a")
		tx.Put("t", "b", []byte("22"))
		if _, err := tx.Get("t", "a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted key: got %v", err)
		}
		if v, _ := tx.Get("t", "b"); string(v) != "22" {
			t.Errorf("overwritten key: got %q", v)
		}
		if got := scanAll(t, tx, "t", "", ""); got != "b=22 c=3" {
			t.Errorf("Scan in Update: got %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func scanAll(t testing.TB, tx store.Tx, table, prefix, after string) string {
	t.Helper()
	var out []string
	err := tx.Scan(table, prefix, after, func(k string, v []byte) (bool, error) {
		out = append(out, k+"="+string(v))
		return true, nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return strings.Join(out, " ")
}

func testScan(t *testing.T, s store.Store) {
	// Bytewise order: "B" < "a" < "a/" < "a0" < "ab" < "b" < "\xff".
	put(t, s, "t", "b", "", "a/2", "", "a/10", "", "a/1", "", "ab", "", "B", "", "a0", "", "\xff", "", "a", "")
	tests := []struct {
		name, prefix, after, want string
	}{
		{"everything in order", "", "", "B a a/1 a/10 a/2 a0 ab b \xff"},
		{"prefix", "a/", "", "a/1 a/10 a/2"},
		{"prefix is itself a key", "a", "", "a a/1 a/10 a/2 a0 ab"},
		{"after inside prefix", "a/", "a/1", "a/10 a/2"},
		{"after not a key", "a/", "a/15", "a/2"},
		{"after before prefix", "a/", "A", "a/1 a/10 a/2"},
		{"after past prefix", "a/", "a0", ""},
		{"after without prefix", "", "ab", "b \xff"},
		{"after last key", "", "\xff", ""},
		{"no match", "zz", "", ""},
	}
	err := s.View(context.Background(), func(tx store.Tx) error {
		for _, tc := range tests {
			var keys []string
			err := tx.Scan("t", tc.prefix, tc.after, func(k string, _ []byte) (bool, error) {
				keys = append(keys, k)
				return true, nil
			})
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			if got := strings.Join(keys, " "); got != tc.want {
				t.Errorf("%s: Scan(%q, %q) = %q, want %q", tc.name, tc.prefix, tc.after, got, tc.want)
			}
		}
		if got := scanAll(t, tx, "missing-table", "", ""); got != "" {
			t.Errorf("missing table: got %q", got)
		}
		n := 0
		tx.Scan("t", "", "", func(string, []byte) (bool, error) { n++; return n < 3, nil })
		if n != 3 {
			t.Errorf("stop on false: fn called %d times, want 3", n)
		}
		stop := errors.New("stop")
		n = 0
		err := tx.Scan("t", "", "", func(string, []byte) (bool, error) { n++; return true, stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("stop on error: got %v after %d calls", err, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testScanWhileWriting(t *testing.T, s store.Store) {
	var kv []string
	for i := range 50 {
		kv = append(kv, fmt.Sprintf("k%03d", i), "old")
	}
	put(t, s, "t", kv...)
	seen := 0
	err := s.Update(context.Background(), func(tx store.Tx) error {
		return tx.Scan("t", "k", "", func(k string, v []byte) (bool, error) {
			seen++
			if string(v) != "old" {
				return false, fmt.Errorf("%s: value %q", k, v)
			}
			// Rewrite, delete and add around the cursor.
			if err := tx.Delete("t", k); err != nil {
				return false, err
			}
			if err := tx.Put("t", "n"+k, []byte("new")); err != nil {
				return false, err
			}
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != 50 {
		t.Errorf("visited %d keys, want 50", seen)
	}
	s.View(context.Background(), func(tx store.Tx) error {
		if got := scanAll(t, tx, "t", "k", ""); got != "" {
			t.Errorf("old keys left: %q", got)
		}
		n := 0
		tx.Scan("t", "nk", "", func(string, []byte) (bool, error) { n++; return true, nil })
		if n != 50 {
			t.Errorf("new keys: %d, want 50", n)
		}
		return nil
	})
}

func testSnapshotIsolation(t *testing.T, s store.Store) {
	put(t, s, "t", "k", "before")
	inView := make(chan struct{})
	written := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.View(context.Background(), func(tx store.Tx) error {
			v, err := tx.Get("t", "k")
			if err != nil || string(v) != "before" {
				return fmt.Errorf("first read: %q, %v", v, err)
			}
			close(inView)
			<-written
			v, err = tx.Get("t", "k")
			if err != nil || string(v) != "before" {
				return fmt.Errorf("read after a concurrent commit: %q, %v", v, err)
			}
			if _, err := tx.Get("t", "added"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("key added after the View began is visible: %v", err)
			}
			return nil
		})
	}()
	<-inView
	put(t, s, "t", "k", "after", "added", "x")
	close(written)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "t", "k"); got != "after" {
		t.Fatalf("new View: got %q", got)
	}
}

// testConcurrentReadersOneWriter moves units between two keys; every reader
// must always see the same total, whatever the writer is doing.
func testConcurrentReadersOneWriter(t *testing.T, s store.Store) {
	const total, moves, readers = 100, 200, 4
	put(t, s, "t", "a", strconv.Itoa(total), "b", "0")
	atoi := func(b []byte, err error) int {
		if err != nil {
			return -1_000_000
		}
		n, _ := strconv.Atoi(string(b))
		return n
	}
	stop := make(chan struct{})
	errs := make(chan error, readers)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				err := s.View(context.Background(), func(tx store.Tx) error {
					a, b := atoi(tx.Get("t", "a")), atoi(tx.Get("t", "b"))
					if a+b != total {
						return fmt.Errorf("torn read: a=%d b=%d", a, b)
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range moves {
		err := s.Update(context.Background(), func(tx store.Tx) error {
			a, b := atoi(tx.Get("t", "a")), atoi(tx.Get("t", "b"))
			d := 1
			if i%3 == 2 {
				d = -1
			}
			if err := tx.Put("t", "a", []byte(strconv.Itoa(a-d))); err != nil {
				return err
			}
			return tx.Put("t", "b", []byte(strconv.Itoa(b+d)))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	for range readers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func testWritersSerialized(t *testing.T, s store.Store) {
	const writers, each = 4, 25
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := s.Update(context.Background(), func(tx store.Tx) error {
					v, err := tx.Get("t", "n")
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					n, _ := strconv.Atoi(string(v))
					return tx.Put("t", "n", []byte(strconv.Itoa(n+1)))
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if got := get(t, s, "t", "n"); got != strconv.Itoa(writers*each) {
		t.Fatalf("counter = %s, want %d (lost updates)", got, writers*each)
	}
}

func testGeneration(t *testing.T, s store.Store) {
	steps := []struct {
		name string
		do   func() error
		bump bool
	}{
		{"View", func() error { return s.View(context.Background(), func(store.Tx) error { return nil }) }, false},
		{"committed Update", func() error {
			return s.Update(context.Background(), func(tx store.Tx) error { return tx.Put("t", "k", nil) })
		}, true},
		{"failed Update", func() error {
			s.Update(context.Background(), func(tx store.Tx) error { tx.Put("t", "k", nil); return errors.New("no") })
			return nil
		}, false},
		{"committed Update without writes", func() error {
			return s.Update(context.Background(), func(store.Tx) error { return nil })
		}, true},
	}
	for _, st := range steps {
		before := s.Generation()
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after := s.Generation()
		if st.bump && after <= before {
			t.Errorf("%s: Generation %d -> %d, want an increase", st.name, before, after)
		}
		if !st.bump && after != before {
			t.Errorf("%s: Generation %d -> %d, want unchanged", st.name, before, after)
		}
	}
}

func testTableGeneration(t *testing.T, s store.Store) {
	ctx := context.Background()
	steps := []struct {
		name         string
		do           func() error
		bumpA, bumpB bool
	}{
		{"write a", func() error { return s.Update(ctx, func(tx store.Tx) error { return tx.Put("a", "k", []byte("1")) }) }, true, false},
		{"write b", func() error { return s.Update(ctx, func(tx store.Tx) error { return tx.Put("b", "k", []byte("1")) }) }, false, true},
		{"write both", func() error {
			return s.Update(ctx, func(tx store.Tx) error {
				if err := tx.Put("a", "k2", nil); err != nil {
					return err
				}
				return tx.Delete("b", "k")
			})
		}, true, true},
		{"failed write to a", func() error {
			s.Update(ctx, func(tx store.Tx) error { tx.Put("a", "k3", nil); return errors.New("no") })
			return nil
		}, false, false},
		{"read a", func() error { return s.View(ctx, func(tx store.Tx) error { _, err := tx.Get("a", "k"); return err }) }, false, false},
		{"delete from an absent table", func() error { return s.Update(ctx, func(tx store.Tx) error { return tx.Delete("c", "k") }) }, false, false},
	}
	for _, st := range steps {
		a, b := s.TableGeneration("a"), s.TableGeneration("b")
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if moved := s.TableGeneration("a") != a; moved != st.bumpA {
			t.Errorf("%s: table a's generation moved = %v, want %v", st.name, moved, st.bumpA)
		}
		if moved := s.TableGeneration("b") != b; moved != st.bumpB {
			t.Errorf("%s: table b's generation moved = %v, want %v", st.name, moved, st.bumpB)
		}
	}
}

func testContextCancelled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	fn := func(store.Tx) error { called = true; return nil }
	if err := s.View(ctx, fn); !errors.Is(err, context.Canceled) {
		t.Errorf("View: got %v, want context.Canceled", err)
	}
	if err := s.Update(ctx, fn); !errors.Is(err, context.Canceled) {
		t.Errorf("Update: got %v, want context.Canceled", err)
	}
	if called {
		t.Error("fn ran under a cancelled context")
	}
}

func testContextCancelledDuringUpdate(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	gen := s.Generation()
	err := s.Update(ctx, func(tx store.Tx) error {
		tx.Put("t", "k", []byte("v"))
		cancel() // the caller gives up before the commit
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update: got %v, want context.Canceled", err)
	}
	if got := get(t, s, "t", "k"); got != "<missing>" {
		t.Errorf("cancelled Update committed: %q", got)
	}
	if s.Generation() != gen {
		t.Error("cancelled Update moved Generation")
	}
	// A long Scan notices cancellation.
	var kv []string
	for i := range 3000 {
		kv = append(kv, fmt.Sprintf("s%05d", i), "")
	}
	put(t, s, "t", kv...)
	ctx, cancel = context.WithCancel(context.Background())
	n := 0
	err = s.View(ctx, func(tx store.Tx) error {
		return tx.Scan("t", "s", "", func(string, []byte) (bool, error) {
			if n++; n == 10 {
				cancel()
			}
			return true, nil
		})
	})
	if !errors.Is(err, context.Canceled) || n >= 3000 {
		t.Errorf("Scan after cancel: err %v after %d keys", err, n)
	}
}

func testContextWhileWaitingForWriter(t *testing.T, s store.Store) {
	holding := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(store.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	called := false
	err := s.Update(ctx, func(store.Tx) error { called = true; return nil })
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) || called {
		t.Errorf("Update waiting for the writer: got %v (fn called: %v), want DeadlineExceeded", err, called)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func testPutCopiesValue(t *testing.T, s store.Store) {
	buf := []byte("original")
	err := s.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Put("t", "k", buf); err != nil {
			return err
		}
		copy(buf, "CHANGED!") // the caller reuses its buffer inside the transaction
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	copy(buf, "changed2")
	if got := get(t, s, "t", "k"); got != "original" {
		t.Fatalf("stored value follows the caller's buffer: %q", got)
	}
}

type record struct {
	Name string
	N    int
}

func testJSONHelpers(t *testing.T, s store.Store) {
	err := s.Update(context.Background(), func(tx store.Tx) error {
		if err := store.PutJSON(tx, "r", "a", record{"alpha", 1}); err != nil {
			return err
		}
		if err := store.PutJSON(tx, "r", "b", record{"beta", 2}); err != nil {
			return err
		}
		if err := store.PutJSON(tx, "r", "bad", func() {}); err == nil {
			t.Error("PutJSON of a func: no error")
		}
		return tx.Put("r", "c-garbage", []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(context.Background(), func(tx store.Tx) error {
		got, err := store.GetJSON[record](tx, "r", "b")
		if err != nil || got != (record{"beta", 2}) {
			t.Errorf("GetJSON: %+v, %v", got, err)
		}
		if _, err := store.GetJSON[record](tx, "r", "zz"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetJSON missing: %v", err)
		}
		if _, err := store.GetJSON[record](tx, "r", "c-garbage"); err == nil {
			t.Error("GetJSON of garbage: no error")
		}
		var names []string
		err = store.ScanJSON(tx, "r", "", "", func(k string, r record) (bool, error) {
			names = append(names, r.Name)
			return k < "b", nil
		})
		if err != nil || strings.Join(names, ",") != "alpha,beta" {
			t.Errorf("ScanJSON: %v, %v", names, err)
		}
		return nil
	})
}

func testClosed(t *testing.T, s store.Store) {
	put(t, s, "t", "k", "v")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fn := func(store.Tx) error { return nil }
	if err := s.View(context.Background(), fn); err == nil {
		t.Error("View on a closed store: no error")
	}
	if err := s.Update(context.Background(), fn); err == nil {
		t.Error("Update on a closed store: no error")
	}
}

// Bench runs the store benchmarks: Get in a View and Put in an Update.
func Bench(b *testing.B, open Open) {
	const keys = 10000
	b.Run("GetInView", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		err := s.Update(context.Background(), func(tx store.Tx) error {
			for i := range keys {
				if err := tx.Put("bench", fmt.Sprintf("key-%06d", i), []byte("a value of some thirty bytes.")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		names := make([]string, keys)
		for i := range names {
			names[i] = fmt.Sprintf("key-%06d", i)
		}
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			err := s.View(ctx, func(tx store.Tx) error {
				_, err := tx.Get("bench", names[i%keys])
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("PutInUpdate", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		ctx := context.Background()
		value := []byte("a value of some thirty bytes.")
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			err := s.Update(ctx, func(tx store.Tx) error {
				return tx.Put("bench", fmt.Sprintf("key-%06d", i%keys), value)
			})
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
