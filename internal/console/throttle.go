package console

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Sign-in guessing is slowed per identity (an account's root user, an IAM
// user) and per client address, as AWS's sign-in throttles and then
// challenges. An identity gets a few failures; a client, which on loopback
// is every local program and person at once, a few more. Past that each
// failure blocks further attempts for twice as long as the one before, up to
// maxBlock; failures are forgotten after failureWindow without one. A 6-digit
// MFA code then takes years to guess instead of minutes.
const (
	identityFailures = 5
	clientFailures   = 20
	firstBlock       = 30 * time.Second
	maxBlock         = 15 * time.Minute
	failureWindow    = 15 * time.Minute
	// maxMFAFailures wrong codes end a pending sign-in: the password must
	// be given again.
	maxMFAFailures = 5
	// maxThrottled bounds memory against a spray of made-up names.
	maxThrottled = 100000
)

type strikes struct {
	n     int       // failures within the window
	last  time.Time // the latest failure
	until time.Time // attempts are refused before this
}

// throttle counts failed sign-in attempts by key, on the console's clock.
type throttle struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*strikes
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, m: map[string]*strikes{}}
}

// blocked returns how long attempts under any of keys must still wait
// (0: they may go ahead).
func (t *throttle) blocked(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		if s := t.m[k]; s != nil && now.Before(s.until) {
			wait = max(wait, s.until.Sub(now))
		}
	}
	return wait
}

// fail records a failed attempt under key, which allows limit of them.
func (t *throttle) fail(key string, limit int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	s := t.m[key]
	if s == nil {
		if len(t.m) >= maxThrottled {
			t.sweep(now)
		}
		s = &strikes{}
		t.m[key] = s
	} else if now.Sub(s.last) > failureWindow && !now.Before(s.until) {
		*s = strikes{}
	}
	s.n++
	s.last = now
	if s.n >= limit {
		block := maxBlock
		if shift := s.n - limit; shift < 6 {
			block = min(firstBlock<<shift, maxBlock)
		}
		s.until = now.Add(block)
	}
}

// forget clears key's failures (a sign-in succeeded).
func (t *throttle) forget(key string) {
	t.mu.Lock()
	delete(t.m, key)
	t.mu.Unlock()
}

// sweep drops the keys that neither block nor count any more; if all still
// do, one that does not block right now, so that a spray of names cannot lift
// a block by filling the map.
func (t *throttle) sweep(now time.Time) {
	var spare string
	for k, s := range t.m {
		if now.Before(s.until) {
			continue
		}
		if now.Sub(s.last) > failureWindow {
			delete(t.m, k)
		} else if spare == "" {
			spare = k
		}
	}
	if len(t.m) >= maxThrottled && spare != "" {
		delete(t.m, spare)
	}
}

// userKey and rootKey name identities. IAM user names are unique without
// regard to case, and sign-in accepts any case. The account is as typed
// when it does not exist, so that made-up accounts are throttled alike and
// their answers reveal nothing.
func userKey(account, user string) string { return "user " + account + " " + strings.ToLower(user) }
func rootKey(account string) string       { return "root " + account }

// clientKey names the client by address.
func clientKey(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return "client " + ap.Addr().Unmap().String()
	}
	return "client " + r.RemoteAddr
}

// throttledMessage is the sign-in page's answer to a blocked attempt.
func throttledMessage(wait time.Duration) string {
	wait = wait.Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	return fmt.Sprintf("Too many failed sign-in attempts. Wait %s before you try again.", wait)
}
