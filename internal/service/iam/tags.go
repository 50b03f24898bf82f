package iam

import (
	"fmt"
	"strings"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// maxTags is the tags-per-resource quota of every taggable IAM resource.
const maxTags = 50

func toTags(in []iamapi.Tag) []tag {
	out := make([]tag, 0, len(in))
	for _, t := range in {
		out = append(out, tag{t.Key, t.Value})
	}
	return out
}

func fromTags(in []tag) []iamapi.Tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]iamapi.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, iamapi.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// checkTags refuses more than 50 tags and keys given twice; IAM tag keys are
// case-insensitive.
func checkTags(in []iamapi.Tag) error {
	if len(in) > maxTags {
		return validationError("[...]", "tags", "must have length less than or equal to 50")
	}
	seen := map[string]bool{}
	for _, t := range in {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags adds or replaces (by case-insensitive key) tags on existing ones.
func mergeTags(existing []tag, add []iamapi.Tag) ([]tag, error) {
	out := append([]tag(nil), existing...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = tag{t.Key, t.Value}
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, tag{t.Key, t.Value})
		}
	}
	if len(out) > maxTags {
		return nil, limitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

func removeTags(existing []tag, keys []string) []tag {
	var out []tag
	for _, t := range existing {
		if !containsFold(keys, t.Key) {
			out = append(out, t)
		}
	}
	return out
}

// requestTagKeys are the aws:RequestTag/* and aws:TagKeys condition keys of a
// request carrying tags (IAM User Guide, "Controlling access to IAM resources").
func requestTagKeys(keys map[string][]string, tags []iamapi.Tag) map[string][]string {
	if len(tags) == 0 {
		return keys
	}
	if keys == nil {
		keys = map[string][]string{}
	}
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		keys["aws:RequestTag/"+t.Key] = []string{t.Value}
		names = append(names, t.Key)
	}
	keys["aws:TagKeys"] = names
	return keys
}

// resourceTagKeys adds aws:ResourceTag/* (and iam:ResourceTag/* for users and
// roles, which the Service Authorization Reference lists for them).
func resourceTagKeys(keys map[string][]string, tags []tag, iamToo bool) map[string][]string {
	if len(tags) == 0 {
		return keys
	}
	if keys == nil {
		keys = map[string][]string{}
	}
	for _, t := range tags {
		keys["aws:ResourceTag/"+t.Key] = []string{t.Value}
		if iamToo {
			keys["iam:ResourceTag/"+t.Key] = []string{t.Value}
		}
	}
	return keys
}

// pageTags paginates tags in the order they were added; the marker is the
// position of the next tag.
func pageTags(tags []tag, marker *string, maxItems *int32) ([]iamapi.Tag, *bool, *string, error) {
	type indexed struct {
		i int
		t tag
	}
	items := make([]indexed, len(tags))
	for i, t := range tags {
		items[i] = indexed{i, t}
	}
	pg, trunc, next, err := page(items, func(x indexed) string { return fmt.Sprintf("%03d", x.i) }, marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	out := make([]iamapi.Tag, 0, len(pg))
	for _, x := range pg {
		out = append(out, iamapi.Tag{Key: x.t.Key, Value: x.t.Value})
	}
	return out, trunc, next, nil
}
