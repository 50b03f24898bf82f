package identity

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

// usageInterval is the least time between two recorded uses of one key.
const usageInterval = time.Minute

type keyUse struct {
	at              time.Time
	service, region string
}

// usageRecorder batches RecordUse calls into one store Update.
type usageRecorder struct {
	a     *Authority
	delay time.Duration

	mu       sync.Mutex
	last     map[string]time.Time // when each key's use was last taken
	pending  map[string]keyUse
	timer    *time.Timer
	stopped  bool
	flushing sync.Mutex // one flush at a time, so uses land in order
}

func (u *usageRecorder) init(a *Authority, delay time.Duration) {
	if delay <= 0 {
		delay = 5 * time.Second
	}
	u.a, u.delay = a, delay
	u.last, u.pending = map[string]time.Time{}, map[string]keyUse{}
}

func (u *usageRecorder) record(id string, use keyUse) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if last, ok := u.last[id]; ok && use.at.Before(last.Add(usageInterval)) {
		return
	}
	if len(u.last) >= maxCachedKeys {
		clear(u.last)
	}
	u.last[id] = use.at
	u.pending[id] = use
	if u.timer == nil && !u.stopped {
		u.timer = time.AfterFunc(u.delay, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := u.flush(ctx); err != nil {
				u.a.log.Warn("recording access key use", "error", err)
			}
		})
	}
}

func (u *usageRecorder) stop() {
	u.mu.Lock()
	u.stopped = true
	if u.timer != nil {
		u.timer.Stop()
		u.timer = nil
	}
	u.mu.Unlock()
}

func (u *usageRecorder) flush(ctx context.Context) error {
	u.flushing.Lock()
	defer u.flushing.Unlock()
	u.mu.Lock()
	batch := u.pending
	u.pending = map[string]keyUse{}
	u.timer = nil
	u.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := u.a.store.Update(ctx, func(tx store.Tx) error {
		for id, use := range batch {
			k, err := GetAccessKey(tx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted since
			}
			if err != nil {
				return err
			}
			if k.LastUsedDate != nil && !use.at.After(*k.LastUsedDate) {
				continue
			}
			at := use.at.Truncate(time.Second)
			k.LastUsedDate, k.LastUsedService, k.LastUsedRegion = &at, use.service, use.region
			if err := PutAccessKey(tx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Keep the batch for the next flush, unless newer uses replaced it.
		u.mu.Lock()
		for id, use := range batch {
			if _, newer := u.pending[id]; !newer {
				u.pending[id] = use
			}
		}
		u.mu.Unlock()
	}
	return err
}
