// Package store is doppel's durable state: an ordered, transactional key-value
// store of named tables.
//
// Domain packages (iam, sts, s3, identity) keep their records here, each under
// its own table names. The interface is deliberately small so that the later
// shared mode can put the same tables in PostgreSQL. Every call takes a context.
package store

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Tx.Get for a missing key.
var ErrNotFound = errors.New("store: not found")

// Store is a transactional key-value store. Update transactions are
// serializable (one writer at a time); View transactions see a consistent
// snapshot. A function returning an error rolls its transaction back.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
	// Generation increases on every committed Update; caches compare it to know
	// when to drop what they derived from the state.
	Generation() uint64
	// TableGeneration increases on every committed Update that wrote table
	// (a Put or Delete), so a cache of one table's data survives writes to
	// others.
	TableGeneration(table string) uint64
	Close() error
}

// Tx is one transaction. Keys are ordered bytewise within a table. Values
// returned by Get and Scan are only valid until the transaction ends; copy them
// to keep them. A read-only transaction refuses Put and Delete.
type Tx interface {
	Get(table, key string) ([]byte, error)
	Put(table, key string, value []byte) error
	Delete(table, key string) error // deleting a missing key is not an error
	// Scan calls fn for each key in table that starts with prefix and sorts
	// after "after" (all of them when after is ""), in key order, until fn
	// returns false or an error. fn may write, even to table: every key
	// present when Scan began and not deleted by fn is visited once; whether
	// keys fn adds ahead of the scan are visited is left to the implementation.
	Scan(table, prefix, after string, fn func(key string, value []byte) (more bool, err error)) error
}
