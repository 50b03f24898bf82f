// Package awspolicies is the catalogue of AWS managed policies
// (arn:aws:iam::aws:policy/...) that every account sees: their real documents,
// paths and default version IDs, as embedded data (see README.md for its source).
package awspolicies

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed policies.json.gz
var data []byte

// ARNPrefix starts every AWS managed policy ARN.
const ARNPrefix = "arn:aws:iam::aws:policy"

// Policy is one AWS managed policy.
type Policy struct {
	Name             string
	Path             string
	ARN              string
	DefaultVersionID string
	Created          time.Time
	Updated          time.Time
	Document         string // JSON
}

var (
	once    sync.Once
	byARN   map[string]*Policy
	ordered []*Policy
	loadErr error
)

func load() {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		loadErr = err
		return
	}
	var raw struct {
		Policies map[string]struct {
			Path             string
			DefaultVersionId string
			CreateDate       time.Time
			UpdateDate       time.Time
			Document         json.RawMessage
		} `json:"policies"`
	}
	if err := json.NewDecoder(zr).Decode(&raw); err != nil {
		loadErr = err
		return
	}
	byARN = make(map[string]*Policy, len(raw.Policies))
	for name, p := range raw.Policies {
		path := p.Path
		if path == "" {
			path = "/"
		}
		pol := &Policy{
			Name:             name,
			Path:             path,
			ARN:              ARNPrefix + path + name,
			DefaultVersionID: p.DefaultVersionId,
			Created:          p.CreateDate,
			Updated:          p.UpdateDate,
			Document:         string(p.Document),
		}
		byARN[pol.ARN] = pol
		ordered = append(ordered, pol)
	}
	sort.Slice(ordered, func(i, j int) bool {
		return strings.ToLower(ordered[i].Name) < strings.ToLower(ordered[j].Name)
	})
}

// Lookup returns the AWS managed policy with this ARN, or nil.
func Lookup(arn string) *Policy {
	once.Do(load)
	return byARN[arn]
}

// All returns every AWS managed policy, ordered by name without regard to case.
// The slice is shared: do not modify it.
func All() []*Policy {
	once.Do(load)
	return ordered
}

// Err reports whether the embedded catalogue failed to decode.
func Err() error {
	once.Do(load)
	return loadErr
}
