package console

import (
	"net/http/httptest"
	"testing"
	"time"
)

// Sessions that hold a sign-in (a good password was given) stay within
// their pool's bound however many are made: repeated good passwords cannot
// grow memory without end.
func TestHeldSessionsAreBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ss := newSessions(func() time.Time { return now })
	for range maxSessions + 500 {
		s := ss.create(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil, "")
		ss.hold(s)
	}
	ss.mu.Lock()
	held, anon := len(ss.m)-len(ss.anon), len(ss.anon)
	ss.mu.Unlock()
	if held > maxSessions || anon != 0 {
		t.Errorf("%d held and %d anonymous sessions, want at most %d held", held, anon, maxSessions)
	}
}
