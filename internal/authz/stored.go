package authz

import (
	"sync"

	"github.com/doppel-aws/doppel/internal/policy"
)

// Stored returns the compiled policy of a stored document of kind k (a
// bucket policy, a role's trust policy), parsed once per kind, name and
// text. A document that does not parse becomes policy.Unreadable, which
// grants nothing; the Engine logs it when a Check carries it. name is for
// traces.
func Stored(kind policy.Kind, name, doc string) *policy.Policy {
	return storedDocs.load(kind, name, doc)
}

var storedDocs = newDocCache()

// maxCachedDocs bounds a document cache; it is emptied when full, which is
// simple and keeps the working set.
const maxCachedDocs = 10000

type docKey struct {
	kind      policy.Kind
	name, doc string
}

// docCache holds compiled stored documents.
type docCache struct {
	mu   sync.Mutex
	docs map[docKey]*policy.Policy
}

func newDocCache() *docCache { return &docCache{docs: map[docKey]*policy.Policy{}} }

func (c *docCache) load(kind policy.Kind, name, doc string) *policy.Policy {
	key := docKey{kind, name, doc}
	c.mu.Lock()
	p := c.docs[key]
	c.mu.Unlock()
	if p != nil {
		return p
	}
	p, err := policy.ParseStored(doc, kind)
	if err != nil {
		p = policy.Unreadable(kind, name, err)
	} else {
		p.Name = name
	}
	c.mu.Lock()
	if len(c.docs) >= maxCachedDocs {
		clear(c.docs)
	}
	c.docs[key] = p
	c.mu.Unlock()
	return p
}
