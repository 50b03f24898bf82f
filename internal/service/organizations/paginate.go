package organizations

import (
	"encoding/base64"
	"sort"
)

// defaultMaxResults is the page size when MaxResults is absent (the model
// allows 1 to 20; the decoder refuses the rest).
const defaultMaxResults = 20

// page cuts one page out of items, sorted by key. NextToken is opaque to
// clients: the key of the first item of the next page.
func page[T any](items []T, key func(T) string, token *string, maxResults *int32) ([]T, *string, error) {
	start := 0
	if token != nil && *token != "" {
		k, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil {
			return nil, nil, badToken()
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) >= string(k) })
	}
	n := defaultMaxResults
	if maxResults != nil && *maxResults > 0 {
		n = int(*maxResults)
	}
	rest := items[start:]
	if len(rest) <= n {
		return rest, nil, nil
	}
	next := base64.RawURLEncoding.EncodeToString([]byte(key(rest[n])))
	return rest[:n], &next, nil
}
