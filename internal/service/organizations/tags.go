package organizations

import (
	"context"
	"slices"

	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// maxTags is Organizations' tags-per-resource quota.
const maxTags = 50

func toTags(in []organizationsapi.Tag) []tag {
	out := make([]tag, 0, len(in))
	for _, t := range in {
		out = append(out, tag{t.Key, t.Value})
	}
	return out
}

func checkTags(in []organizationsapi.Tag) error {
	if len(in) > maxTags {
		return constraint("MAX_TAG_LIMIT_EXCEEDED", "You have exceeded the maximum number of tags allowed on this resource.")
	}
	seen := map[string]bool{}
	for _, t := range in {
		if seen[t.Key] {
			return invalidInput("DUPLICATE_TAG_KEY", "You provided a tag key more than once.")
		}
		seen[t.Key] = true
	}
	return nil
}

// requestTagKeys are aws:RequestTag/* and aws:TagKeys of a request that
// tags what it creates.
func requestTagKeys(in []organizationsapi.Tag) map[string][]string {
	if len(in) == 0 {
		return nil
	}
	keys := map[string][]string{}
	for _, t := range in {
		keys["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys["aws:TagKeys"] = append(keys["aws:TagKeys"], t.Key)
	}
	return keys
}

// resourceARN is the ARN of any taggable resource ID of the organization:
// root, OU, account or policy; "" when there is none.
func (o *orgRec) resourceARN(id string) string {
	if a := o.targetARN(id); a != "" {
		return a
	}
	if p := o.Policies[id]; p != nil {
		return o.policyARN(id, p.Type)
	}
	if rp := o.ResourcePolicy; rp != nil && rp.ID == id {
		return arnPrefix + o.Master + ":resourcepolicy/" + o.ID + "/" + rp.ID
	}
	return ""
}

func (s *Service) TagResource(ctx context.Context, in *organizationsapi.TagResourceInput) (*organizationsapi.TagResourceOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, _, err := s.manage(ctx, "TagResource", func(o *orgRec) string { return orStar(o.resourceARN(in.ResourceId)) }, requestTagKeys(in.Tags))
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if o.resourceARN(in.ResourceId) == "" {
			return targetNotFound()
		}
		tags := append([]tag(nil), o.Tags[in.ResourceId]...)
		for _, t := range in.Tags {
			i := slices.IndexFunc(tags, func(x tag) bool { return x.Key == t.Key })
			if i >= 0 {
				tags[i].Value = t.Value
			} else {
				tags = append(tags, tag{t.Key, t.Value})
			}
		}
		if len(tags) > maxTags {
			return constraint("MAX_TAG_LIMIT_EXCEEDED", "You have exceeded the maximum number of tags allowed on this resource.")
		}
		o.Tags[in.ResourceId] = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.TagResourceOutput{}, nil
}

func (s *Service) UntagResource(ctx context.Context, in *organizationsapi.UntagResourceInput) (*organizationsapi.UntagResourceOutput, error) {
	account, _, err := s.manage(ctx, "UntagResource", func(o *orgRec) string { return orStar(o.resourceARN(in.ResourceId)) },
		map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if o.resourceARN(in.ResourceId) == "" {
			return targetNotFound()
		}
		tags := slices.DeleteFunc(append([]tag(nil), o.Tags[in.ResourceId]...), func(t tag) bool { return slices.Contains(in.TagKeys, t.Key) })
		if len(tags) == 0 {
			delete(o.Tags, in.ResourceId)
		} else {
			o.Tags[in.ResourceId] = tags
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.UntagResourceOutput{}, nil
}

func (s *Service) ListTagsForResource(ctx context.Context, in *organizationsapi.ListTagsForResourceInput) (*organizationsapi.ListTagsForResourceOutput, error) {
	_, o, err := s.manage(ctx, "ListTagsForResource", func(o *orgRec) string { return orStar(o.resourceARN(in.ResourceId)) }, nil)
	if err != nil {
		return nil, err
	}
	if o.resourceARN(in.ResourceId) == "" {
		return nil, targetNotFound()
	}
	out := &organizationsapi.ListTagsForResourceOutput{Tags: []organizationsapi.Tag{}}
	for _, t := range o.Tags[in.ResourceId] {
		out.Tags = append(out.Tags, organizationsapi.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

func orStar(arn string) string {
	if arn == "" {
		return "*"
	}
	return arn
}
