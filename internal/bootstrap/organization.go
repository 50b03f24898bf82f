package bootstrap

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/service/organizations"
)

// Organization declares an AWS Organization over the file's accounts:
//
//	organization:
//	  management: account-a          # an account of the file, by name or ID
//	  accounts: [account-b]          # members directly under the root
//	  units:
//	    - name: workloads
//	      accounts: [account-c]
//	      units: [{name: prod}]
//	  policies:
//	    - name: no-leaving
//	      type: SERVICE_CONTROL_POLICY   # the default; or RESOURCE_CONTROL_POLICY, TAG_POLICY...
//	      content: '{"Version":"2012-10-17","Statement":[...]}'
//	      targets: [workloads/prod, account-b, root]
//
// Applying it creates the organization, OUs and policies that are missing,
// enables the policy types the policies need, moves the declared members
// where the file puts them, updates declared policies' content and attaches
// them; it removes nothing.
type Organization struct {
	Management string   `yaml:"management"`
	Accounts   []string `yaml:"accounts"`
	Units      []Unit   `yaml:"units"`
	Policies   []Policy `yaml:"policies"`
}

// Unit declares an OU.
type Unit struct {
	Name     string   `yaml:"name"`
	Accounts []string `yaml:"accounts"`
	Units    []Unit   `yaml:"units"`
}

// Policy declares an Organizations policy and its targets.
type Policy struct {
	Name        string   `yaml:"name"`
	Type        string   `yaml:"type"`
	Description string   `yaml:"description"`
	Content     string   `yaml:"content"`
	Targets     []string `yaml:"targets"`
}

// checkOrganization validates the organization part: accounts named exist
// in the file, each is placed once, policies parse for their type, targets
// name the root, a declared OU path or a member.
func checkOrganization(cfg *Config, node *yaml.Node, fail func(int, string, ...any) error) error {
	o := cfg.Organization
	line := func(key string) int { return fieldLine(node, key) }
	known := func(ref string) bool {
		return slices.ContainsFunc(cfg.Accounts, func(a Account) bool { return a.ID == ref || a.Name == ref })
	}
	if o.Management == "" {
		return fail(line("management"), "the organization has no management account")
	}
	if !known(o.Management) {
		return fail(line("management"), "management account %q is not an account of this file", o.Management)
	}
	placed := map[string]bool{o.Management: true, cfg.accountID(o.Management): true}
	paths := map[string]bool{"root": true}
	var walk func(prefix string, accounts []string, units []Unit, depth int) error
	walk = func(prefix string, accounts []string, units []Unit, depth int) error {
		for _, a := range accounts {
			if !known(a) {
				return fail(line("accounts"), "member account %q is not an account of this file", a)
			}
			id := cfg.accountID(a)
			if placed[id] {
				return fail(line("accounts"), "account %q is placed twice (or is the management account)", a)
			}
			placed[id] = true
		}
		if depth > 5 {
			return fail(line("units"), "OU %s is more than 5 levels deep", prefix)
		}
		for _, u := range units {
			if u.Name == "" {
				return fail(line("units"), "an OU has no name")
			}
			if paths[prefix+u.Name] {
				return fail(line("units"), "OU %s%s is declared twice", prefix, u.Name)
			}
			paths[prefix+u.Name] = true
			if err := walk(prefix+u.Name+"/", u.Accounts, u.Units, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk("", o.Accounts, o.Units, 1); err != nil {
		return err
	}
	types := organizationsapi.PolicyType("").EnumValues()
	for _, p := range o.Policies {
		if p.Name == "" {
			return fail(line("policies"), "a policy has no name")
		}
		typ := p.Type
		if typ == "" {
			typ = "SERVICE_CONTROL_POLICY"
		}
		if !slices.Contains(types, typ) {
			return fail(line("policies"), "policy %s: type %q is not one of %v", p.Name, p.Type, types)
		}
		if err := organizations.CheckPolicy(typ, p.Content); err != nil {
			return fail(line("policies"), "policy %s: %v", p.Name, err)
		}
		for _, t := range p.Targets {
			if !paths[t] && !placed[cfg.accountID(t)] {
				return fail(line("policies"), "policy %s: target %q is not root, a declared OU path or a declared account", p.Name, t)
			}
		}
	}
	return nil
}

// accountID resolves an account of the file by name or ID ("" if none).
func (c *Config) accountID(ref string) string {
	for _, a := range c.Accounts {
		if a.ID == ref || a.Name == ref {
			return a.ID
		}
	}
	return ""
}

// declaration turns the file's organization into what organizations.Apply
// takes, with account IDs.
func (o *Organization) declaration(c *Config) organizations.Declaration {
	ids := func(refs []string) []string {
		out := make([]string, 0, len(refs))
		for _, r := range refs {
			out = append(out, c.accountID(r))
		}
		return out
	}
	var units func([]Unit) []organizations.UnitDeclaration
	units = func(us []Unit) []organizations.UnitDeclaration {
		var out []organizations.UnitDeclaration
		for _, u := range us {
			out = append(out, organizations.UnitDeclaration{Name: u.Name, Accounts: ids(u.Accounts), Units: units(u.Units)})
		}
		return out
	}
	d := organizations.Declaration{Management: c.accountID(o.Management), Accounts: ids(o.Accounts), Units: units(o.Units)}
	for _, p := range o.Policies {
		targets := make([]string, 0, len(p.Targets))
		for _, t := range p.Targets {
			if id := c.accountID(t); id != "" {
				t = id
			}
			targets = append(targets, t)
		}
		d.Policies = append(d.Policies, organizations.PolicyDeclaration{Name: p.Name, Type: p.Type, Description: p.Description, Content: p.Content, Targets: targets})
	}
	return d
}
