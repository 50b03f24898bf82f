package store

import (
	"errors"
	"fmt"
	"strings"
)

// Errors shared by every implementation, so callers and the conformance suite
// can test for them with errors.Is.
var (
	ErrReadOnly     = errors.New("store: write in a read-only transaction")
	ErrTxClosed     = errors.New("store: transaction already ended")
	ErrInvalidTable = errors.New("store: invalid table name")
	ErrInvalidKey   = errors.New("store: invalid key")
	ErrClosed       = errors.New("store: closed")
)

// MaxKeySize is the longest key a table accepts. It is bbolt's limit; the
// memory store applies the same so that both behave alike.
const MaxKeySize = 32768

// checkTable refuses names the store cannot use as a table. Names starting
// with "_" are reserved for the store's own bookkeeping (the schema version).
func checkTable(table string) error {
	if table == "" {
		return fmt.Errorf("%w: empty", ErrInvalidTable)
	}
	if strings.HasPrefix(table, "_") {
		return fmt.Errorf("%w: %q (names starting with _ are reserved)", ErrInvalidTable, table)
	}
	return nil
}

func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeySize {
		return fmt.Errorf("%w: %d bytes, longer than %d", ErrInvalidKey, len(key), MaxKeySize)
	}
	return nil
}

// scanStart is the first key a Scan may visit: the later of prefix and after.
// When it is after itself, that key is skipped (after is exclusive).
func scanStart(prefix, after string) string {
	if after > prefix {
		return after
	}
	return prefix
}

// ctxCheckEvery is how many keys a Scan visits between looks at its context,
// so long scans stop soon after cancellation without paying for a check per key.
const ctxCheckEvery = 256
