package store_test

import (
	"path/filepath"
	"testing"

	"github.com/doppel-aws/doppel/internal/store"
	"github.com/doppel-aws/doppel/internal/store/storetest"
)

func openMemory(testing.TB) store.Store { return store.NewMemory() }

func openBolt(t testing.TB) store.Store {
	s, err := store.OpenBolt(filepath.Join(t.TempDir(), "doppel.db"), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMemory(t *testing.T) { storetest.Run(t, openMemory) }
func TestBolt(t *testing.T)   { storetest.Run(t, openBolt) }

func BenchmarkMemory(b *testing.B) { storetest.Bench(b, openMemory) }
func BenchmarkBolt(b *testing.B)   { storetest.Bench(b, openBolt) }
