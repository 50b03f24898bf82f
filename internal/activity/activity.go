// Package activity keeps the latest requests of each account in memory, for
// the console's Activity page: who called what, and what was decided and why.
// It is a bounded ring per account; the durable audit log (CloudTrail-style)
// is a later step.
package activity

import (
	"sync"
	"time"
)

// Entry is one request as the gateway saw it.
type Entry struct {
	Time      time.Time
	RequestID string
	Account   string // the caller's account ("" for anonymous)
	Principal string // the caller's ARN, or "anonymous"
	Service   string
	Operation string
	Status    int
	ErrorCode string // "" when the request succeeded
	Message   string // the error message: for AccessDenied, the policy engine's explanation
	SourceIP  string
}

// Log holds the latest entries of each account.
type Log struct {
	perAccount int

	mu   sync.Mutex
	ring map[string]*ring
}

type ring struct {
	entries []Entry
	next    int
	full    bool
}

// NewLog returns a Log keeping the latest perAccount entries of each account.
func NewLog(perAccount int) *Log {
	if perAccount <= 0 {
		perAccount = 500
	}
	return &Log{perAccount: perAccount, ring: map[string]*ring{}}
}

// Record adds e under its account (anonymous requests under "").
func (l *Log) Record(e Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.ring[e.Account]
	if r == nil {
		r = &ring{entries: make([]Entry, l.perAccount)}
		l.ring[e.Account] = r
	}
	r.entries[r.next] = e
	r.next++
	if r.next == len(r.entries) {
		r.next, r.full = 0, true
	}
}

// Latest returns up to n of the account's entries, newest first.
func (l *Log) Latest(account string, n int) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.ring[account]
	if r == nil {
		return nil
	}
	size := r.next
	if r.full {
		size = len(r.entries)
	}
	if n <= 0 || n > size {
		n = size
	}
	out := make([]Entry, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.entries[(r.next-i+len(r.entries))%len(r.entries)])
	}
	return out
}
