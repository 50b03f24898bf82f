package iam

import (
	"encoding/base64"
	"sort"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
)

// defaultMaxItems is what IAM returns per page when MaxItems is absent.
const defaultMaxItems = 100

// page cuts one page out of items, which are in key order. The marker is
// opaque to clients: the key of the first item of the next page.
func page[T any](items []T, key func(T) string, marker *string, maxItems *int32) ([]T, *bool, *string, error) {
	start := 0
	if marker != nil && *marker != "" {
		k, err := base64.RawURLEncoding.DecodeString(*marker)
		if err != nil {
			return nil, nil, nil, invalidInput("Invalid Marker.")
		}
		start = len(items)
		for i, it := range items {
			if key(it) >= string(k) {
				start = i
				break
			}
		}
	}
	n := defaultMaxItems
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > 1000 {
			return nil, nil, nil, validationError(itoa(int(*maxItems)), "maxItems", "must have value between 1 and 1000")
		}
		n = int(*maxItems)
	}
	rest := items[start:]
	if len(rest) <= n {
		return rest, api.Bool(false), nil, nil
	}
	next := base64.RawURLEncoding.EncodeToString([]byte(key(rest[n])))
	return rest[:n], api.Bool(true), &next, nil
}

// underPath reports whether path falls under a PathPrefix.
func underPath(path, prefix string) bool { return strings.HasPrefix(path, prefix) }

// underPrefix keeps the items whose path falls under a PathPrefix; every
// path falls under "/".
func underPrefix[T any](items []T, prefix string, path func(*T) string) []T {
	if prefix == "/" {
		return items
	}
	var out []T
	for i := range items {
		if underPath(path(&items[i]), prefix) {
			out = append(out, items[i])
		}
	}
	return out
}

func lower(s string) string { return strings.ToLower(s) }

// sortByName orders items by name without regard to case, the order IAM lists in.
func sortByName[T any](items []T, name func(T) string) {
	sort.SliceStable(items, func(i, j int) bool { return lower(name(items[i])) < lower(name(items[j])) })
}
