package store

import (
	"encoding/json"
	"fmt"
)

// GetJSON reads the JSON record at table/key into a T. A missing key returns
// ErrNotFound (wrapped nowhere, so errors.Is and == both work).
func GetJSON[T any](tx Tx, table, key string) (T, error) {
	var v T
	b, err := tx.Get(table, key)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("store: decoding %s/%q: %w", table, key, err)
	}
	return v, nil
}

// PutJSON stores v as JSON at table/key.
func PutJSON(tx Tx, table, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encoding %s/%q: %w", table, key, err)
	}
	return tx.Put(table, key, b)
}

// ScanJSON decodes each record of table under prefix, after "after", in key
// order, and calls fn until it returns false or an error.
func ScanJSON[T any](tx Tx, table, prefix, after string, fn func(key string, v T) (bool, error)) error {
	return tx.Scan(table, prefix, after, func(key string, b []byte) (bool, error) {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return false, fmt.Errorf("store: decoding %s/%q: %w", table, key, err)
		}
		return fn(key, v)
	})
}
