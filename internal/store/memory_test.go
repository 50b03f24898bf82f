package store_test

import (
	"testing"

	"github.com/doppel-aws/doppel/internal/store"
	"github.com/doppel-aws/doppel/internal/store/storetest"
)

func openMemory(testing.TB) store.Store { return store.NewMemory() }

func TestMemory(t *testing.T) { storetest.Run(t, openMemory) }

func BenchmarkMemory(b *testing.B) { storetest.Bench(b, openMemory) }
