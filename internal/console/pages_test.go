package console

import "testing"

// Pages are parsed lazily, on first render; a template that does not parse
// must still fail a test, not a user's first page view.
func TestEveryPageParses(t *testing.T) {
	pages := parsePages() // panics on a template that does not parse
	for _, name := range []string{"signin", "home", "roles", "role", "wizard", "users", "buckets", "activity", "trustmap"} {
		if pages[name] == nil {
			t.Errorf("page %q missing from the %d parsed pages", name, len(pages))
		}
	}
}
