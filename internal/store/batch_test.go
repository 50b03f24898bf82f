package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func batchStores(t *testing.T, fn func(t *testing.T, s Store)) {
	t.Run("memory", func(t *testing.T) { fn(t, NewMemory()) })
	t.Run("bolt", func(t *testing.T) {
		s, err := OpenBolt(filepath.Join(t.TempDir(), "doppel.db"), BoltOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		fn(t, s)
	})
}

func value(t *testing.T, s Store, key string) string {
	t.Helper()
	var v string
	err := s.View(context.Background(), func(tx Tx) error {
		b, err := tx.Get("t", key)
		if errors.Is(err, ErrNotFound) {
			v = "<missing>"
			return nil
		}
		v = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// increment is an idempotent batch function: it reads the counter inside
// the transaction and writes it plus one, and marks key as done.
func increment(key string) func(Tx) error {
	return func(tx Tx) error {
		n := 0
		if b, err := tx.Get("t", "counter"); err == nil {
			n, _ = strconv.Atoi(string(b))
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.Put("t", "counter", []byte(strconv.Itoa(n+1))); err != nil {
			return err
		}
		return tx.Put("t", key, []byte("done"))
	}
}

// TestBatch: concurrent Batch calls are serializable and each gets its own
// outcome, whatever the others in its batch do.
func TestBatch(t *testing.T) {
	errBoom := errors.New("boom")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	type call struct {
		ctx     context.Context
		fn      func(Tx) error
		wantErr error
		panics  bool
		written bool
	}
	tests := []struct {
		name  string
		calls func(i int) call
		want  int // the counter after all calls
	}{
		{"all succeed", func(i int) call {
			return call{ctx: context.Background(), fn: increment(fmt.Sprint(i)), written: true}
		}, 20},
		{"every other one fails", func(i int) call {
			if i%2 == 1 {
				inc := increment(fmt.Sprint(i))
				return call{ctx: context.Background(), fn: func(tx Tx) error { inc(tx); return errBoom }, wantErr: errBoom}
			}
			return call{ctx: context.Background(), fn: increment(fmt.Sprint(i)), written: true}
		}, 10},
		{"one panics", func(i int) call {
			if i == 7 {
				inc := increment(fmt.Sprint(i))
				return call{ctx: context.Background(), fn: func(tx Tx) error { inc(tx); panic("bug") }, panics: true}
			}
			return call{ctx: context.Background(), fn: increment(fmt.Sprint(i)), written: true}
		}, 19},
		{"canceled callers", func(i int) call {
			if i%5 == 0 {
				return call{ctx: canceled, fn: increment(fmt.Sprint(i)), wantErr: context.Canceled}
			}
			return call{ctx: context.Background(), fn: increment(fmt.Sprint(i)), written: true}
		}, 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			batchStores(t, func(t *testing.T, s Store) {
				var wg sync.WaitGroup
				calls := make([]call, 20)
				for i := range calls {
					calls[i] = tc.calls(i)
					wg.Go(func() {
						c := calls[i]
						defer func() {
							if p := recover(); (p != nil) != c.panics {
								t.Errorf("call %d: panic %v, want panic %v", i, p, c.panics)
							}
						}()
						if err := Batch(c.ctx, s, c.fn); !errors.Is(err, c.wantErr) {
							t.Errorf("call %d: err %v, want %v", i, err, c.wantErr)
						}
					})
				}
				wg.Wait()
				if got := value(t, s, "counter"); got != strconv.Itoa(tc.want) {
					t.Errorf("counter = %s, want %d", got, tc.want)
				}
				for i, c := range calls {
					if got := value(t, s, fmt.Sprint(i)) == "done"; got != c.written {
						t.Errorf("call %d written = %v, want %v", i, got, c.written)
					}
				}
			})
		})
	}
}

// TestBatchSharesCommit: the writes queued while a commit is under way are
// committed together, in one commit (one generation).
func TestBatchSharesCommit(t *testing.T) {
	s, err := OpenBolt(filepath.Join(t.TempDir(), "doppel.db"), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	release := make(chan struct{})
	holding := make(chan struct{})
	go s.Update(context.Background(), func(Tx) error { close(holding); <-release; return nil })
	<-holding
	gen := s.Generation()
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := s.Batch(context.Background(), increment(fmt.Sprint(i))); err != nil {
				t.Error(err)
			}
		})
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		s.batchMu.Lock()
		queued := len(s.pending)
		s.batchMu.Unlock()
		if queued == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d calls queued", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if got := value(t, s, "counter"); got != strconv.Itoa(n) {
		t.Errorf("counter = %s, want %d", got, n)
	}
	// The holding Update's commit, then one for the whole batch.
	if d := s.Generation() - gen; d != 2 {
		t.Errorf("%d commits for the update and %d batched calls, want 2", d, n)
	}
}
