package activity

import (
	"fmt"
	"testing"
)

func TestLatestNewestFirstAndBounded(t *testing.T) {
	l := NewLog(3)
	for i := 1; i <= 5; i++ {
		l.Record(Entry{Account: "111111111111", RequestID: fmt.Sprint(i)})
	}
	l.Record(Entry{Account: "222222222222", RequestID: "b1"})
	got := l.Latest("111111111111", 10)
	if len(got) != 3 || got[0].RequestID != "5" || got[1].RequestID != "4" || got[2].RequestID != "3" {
		t.Fatalf("Latest = %+v, want 5, 4, 3", got)
	}
	if got := l.Latest("111111111111", 1); len(got) != 1 || got[0].RequestID != "5" {
		t.Fatalf("Latest(1) = %+v", got)
	}
	if got := l.Latest("222222222222", 0); len(got) != 1 || got[0].RequestID != "b1" {
		t.Fatalf("other account = %+v", got)
	}
	if got := l.Latest("333333333333", 5); got != nil {
		t.Fatalf("unknown account = %+v", got)
	}
}
