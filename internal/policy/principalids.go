package policy

// AWS stores a trust or resource policy's IAM user and role principals by
// unique ID: a user or role deleted and created again under the same name is
// not the principal the policy named, and once the original is gone the
// policy shows its unique ID in place of the ARN (IAM User Guide, "AWS JSON
// policy elements: Principal", IAM role and user principals). IAM keeps that
// binding; these are its two operations on documents.

// AWSPrincipals returns the AWS principals named in the policy's Principal
// and NotPrincipal elements, each once, in order of appearance.
func (p *Policy) AWSPrincipals() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range p.Statements {
		for _, pr := range []*Principals{s.Principal, s.NotPrincipal} {
			if pr == nil {
				continue
			}
			for _, v := range pr.Map["AWS"] {
				if !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// RenamePrincipal returns the stored document doc with the AWS principal
// from replaced by to in every Principal and NotPrincipal element, printed
// as String prints it; doc itself when it does not name from.
func RenamePrincipal(doc string, kind Kind, from, to string) (string, error) {
	p, err := ParseStored(doc, kind)
	if err != nil {
		return "", err
	}
	changed := false
	for _, s := range p.Statements {
		for _, pr := range []*Principals{s.Principal, s.NotPrincipal} {
			if pr == nil {
				continue
			}
			var vals []string // a copy, made at the first match
			for i, v := range pr.Map["AWS"] {
				if v == from {
					if vals == nil {
						vals = append([]string(nil), pr.Map["AWS"]...)
					}
					vals[i] = to
				}
			}
			if vals != nil {
				pr.Map["AWS"] = vals
				changed = true
			}
		}
	}
	if !changed {
		return doc, nil
	}
	return p.String(), nil
}
