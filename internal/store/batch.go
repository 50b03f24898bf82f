package store

import (
	"context"
	"fmt"
)

// Batcher is a Store that can commit concurrent writes together: Batch is
// Update, except that fn may share its transaction, and its commit, with
// other callers' functions, and may be called more than once (when another
// function of the batch fails, the others run again without it). fn must
// therefore be idempotent: read what it needs inside the transaction and
// set its results afresh on every call. A durable store saves an fsync per
// write this way; a caller alone waits for no one.
type Batcher interface {
	Batch(ctx context.Context, fn func(Tx) error) error
}

// Batch on a store that is not a Batcher is Update.
func Batch(ctx context.Context, s Store, fn func(Tx) error) error {
	if b, ok := s.(Batcher); ok {
		return b.Batch(ctx, fn)
	}
	return s.Update(ctx, fn)
}

// Batch implements Batcher: Memory has no commit worth sharing.
func (m *Memory) Batch(ctx context.Context, fn func(Tx) error) error { return m.Update(ctx, fn) }

var (
	_ Batcher = (*Memory)(nil)
	_ Batcher = (*Bolt)(nil)
)

// batchCall is one caller's function waiting in a batch.
type batchCall struct {
	ctx  context.Context
	fn   func(Tx) error
	done chan struct{}
	err  error
	// panicked holds what fn panicked with, re-raised in the caller.
	panicked any
}

// Batch implements Batcher with a group commit and no timer: a caller
// queues its function and waits for the writer slot; whoever gets the slot
// runs every function queued by then in one transaction and one commit.
// While one commit is under way (an fsync), the writers that arrive queue
// up and share the next one; a lone writer commits at once, as Update does.
// (bbolt's own DB.Batch waits up to MaxBatchDelay to fill a batch, a cost a
// lone writer would pay on every request.)
func (s *Bolt) Batch(ctx context.Context, fn func(Tx) error) error {
	c := &batchCall{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.batchMu.Lock()
	s.pending = append(s.pending, c)
	s.batchMu.Unlock()
	select {
	case <-c.done:
	case s.writer <- struct{}{}:
		// Every earlier leader has finished, so c is either done or
		// still queued, and then in the batch taken here.
		s.batchMu.Lock()
		batch := s.pending
		s.pending = nil
		s.batchMu.Unlock()
		func() {
			defer func() { <-s.writer }()
			s.commitBatch(batch)
		}()
	case <-ctx.Done():
		if s.dequeue(c) {
			return ctx.Err()
		}
	}
	<-c.done
	if c.panicked != nil {
		panic(c.panicked)
	}
	return c.err
}

// dequeue removes c from the queue unless a leader has taken it already.
func (s *Bolt) dequeue(c *batchCall) bool {
	s.batchMu.Lock()
	defer s.batchMu.Unlock()
	for i, p := range s.pending {
		if p == c {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			return true
		}
	}
	return false
}

// commitBatch runs batch in one transaction, with the writer slot held.
// A function that fails (or whose caller gives up) is taken out and run
// again alone after the others commit, since it may have failed only
// because of what they wrote; the others run again without it.
func (s *Bolt) commitBatch(batch []*batchCall) {
	var alone []*batchCall
	defer func() {
		for _, c := range alone {
			c.err, c.panicked = s.updateAlone(c)
			close(c.done)
		}
	}()
	for len(batch) > 0 {
		failed := -1
		err := s.update(context.Background(), func(tx Tx) error {
			for i, c := range batch {
				if err := c.ctx.Err(); err != nil {
					failed = i
					return err
				}
				if err := callRecovering(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			// A caller that gave up before the commit does not get one.
			for i, c := range batch {
				if err := c.ctx.Err(); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range batch {
				c.err = err // nil, or the commit's failure
				close(c.done)
			}
			return
		}
		alone = append(alone, batch[failed])
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
}

// updateAlone runs one call in a transaction of its own, reporting a panic
// instead of raising it in the leader's goroutine.
func (s *Bolt) updateAlone(c *batchCall) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			err, panicked = nil, p
		}
	}()
	return s.update(c.ctx, c.fn), nil
}

// callRecovering calls fn, turning a panic into an error so that one
// caller's bug does not fail the batch's other callers; the call is then
// run alone, where it panics again for its caller.
func callRecovering(fn func(Tx) error, tx Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: batched function panicked: %v", p)
		}
	}()
	return fn(tx)
}
