package attempts

import (
	"strconv"
	"testing"
	"time"
)

func TestCounter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := New(func() time.Time { return now })
	for i := range 4 {
		c.Fail("k", 5)
		if w := c.Blocked("k"); w != 0 {
			t.Fatalf("blocked after %d failures: %v", i+1, w)
		}
	}
	steps := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for i, want := range steps {
		c.Fail("k", 5)
		if w := c.Blocked("other", "k"); w != want {
			t.Fatalf("failure %d: blocked %v, want %v", 5+i, w, want)
		}
		now = now.Add(want)
		if w := c.Blocked("k"); w != 0 {
			t.Fatalf("still blocked after %v", want)
		}
	}
	// A quiet window forgets.
	now = now.Add(Window + time.Second)
	c.Fail("k", 5)
	if w := c.Blocked("k"); w != 0 {
		t.Fatalf("the failures before the window still count: %v", w)
	}
	for range 4 {
		c.Fail("k", 5)
	}
	c.Forget("k")
	if w := c.Blocked("k"); w != 0 {
		t.Fatalf("blocked after Forget: %v", w)
	}
}

// A spray of names fills the map to its bound, not beyond, and does not lift
// a block.
func TestCounterBound(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := New(func() time.Time { return now })
	c.Fail("victim", 1)
	for i := range maxKeys + 10 {
		c.Fail("spray"+strconv.Itoa(i), 5)
	}
	if len(c.m) > maxKeys {
		t.Fatalf("%d keys, bound %d", len(c.m), maxKeys)
	}
	if c.Blocked("victim") == 0 {
		t.Fatal("the spray lifted a block")
	}
}
