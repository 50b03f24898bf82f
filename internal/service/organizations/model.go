package organizations

import (
	"crypto/rand"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

// table holds every record of this package:
//
//	org/<o-id>         an orgRec
//	member/<account>   the o-id of the organization the account is in
//	email/<address>    the account an email address belongs to (lower case)
const table = "organizations"

// Policy types doppel enforces, and the AWS managed policy attached to every
// root, OU and account when each is enabled.
const (
	typeSCP = "SERVICE_CONTROL_POLICY"
	typeRCP = "RESOURCE_CONTROL_POLICY"

	fullAWSAccess    = "p-FullAWSAccess"
	rcpFullAWSAccess = "p-RCPFullAWSAccess"
)

// Account statuses and how accounts joined.
const (
	statusActive    = "ACTIVE"
	statusSuspended = "SUSPENDED"
	joinedCreated   = "CREATED"
	joinedInvited   = "INVITED"
)

type orgRec struct {
	ID          string
	Master      string // the management account's ID
	MasterEmail string
	FeatureSet  string
	Created     time.Time
	Root        rootRec
	OUs         map[string]*ouRec      // by ID
	Accounts    map[string]*accountRec // by ID, the management account included
	Policies    map[string]*policyRec  // customer managed, by ID
	Attached    map[string][]string    // target ID -> policy IDs, in attachment order
	Tags        map[string][]tag       // resource ID -> tags
	Creates     []*createRec           // CreateAccount requests, oldest first
	Services    map[string]time.Time   // trusted service principal -> when enabled
	// Delegated: account -> service principal -> when it became that
	// service's delegated administrator.
	Delegated map[string]map[string]time.Time `json:",omitempty"`
	// ResourcePolicy is the organization's delegation policy, nil when none.
	ResourcePolicy *resourcePolicyRec `json:",omitempty"`
}

type rootRec struct {
	ID          string
	Name        string
	PolicyTypes []string // enabled, in the order enabled
}

type ouRec struct {
	ID     string
	Name   string
	Parent string
}

type accountRec struct {
	ID       string
	Name     string
	Email    string
	Parent   string
	Status   string
	Joined   string
	JoinedAt time.Time
	// AccessRole is the role CreateAccount made; "" for accounts that
	// joined otherwise, whose access role is by convention AWS's default.
	AccessRole string `json:",omitempty"`
}

type policyRec struct {
	ID          string
	Name        string
	Description string
	Type        string
	Content     string
}

type createRec struct {
	ID          string
	AccountName string
	State       string
	Reason      string `json:",omitempty"`
	AccountID   string `json:",omitempty"`
	Requested   time.Time
	Completed   time.Time
}

type tag struct {
	Key, Value string
}

func newOrg(id, master, email, featureSet string, now time.Time) *orgRec {
	return &orgRec{
		ID: id, Master: master, MasterEmail: email, FeatureSet: featureSet, Created: now,
		Root:     rootRec{ID: "r-" + randomID(4), Name: "Root"},
		OUs:      map[string]*ouRec{},
		Accounts: map[string]*accountRec{},
		Policies: map[string]*policyRec{},
		Attached: map[string][]string{},
		Tags:     map[string][]tag{},
		Services: map[string]time.Time{},

		Delegated: map[string]map[string]time.Time{},
	}
}

// loadOrgOf returns the organization account is in, nil when none.
func loadOrgOf(tx store.Tx, account string) (*orgRec, error) {
	id, err := tx.Get(table, "member/"+account)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o, err := store.GetJSON[orgRec](tx, table, "org/"+string(id))
	if err != nil {
		return nil, err
	}
	o.fix()
	return &o, nil
}

// fix gives a decoded record its empty maps, so code can write them.
func (o *orgRec) fix() {
	if o.OUs == nil {
		o.OUs = map[string]*ouRec{}
	}
	if o.Accounts == nil {
		o.Accounts = map[string]*accountRec{}
	}
	if o.Policies == nil {
		o.Policies = map[string]*policyRec{}
	}
	if o.Attached == nil {
		o.Attached = map[string][]string{}
	}
	if o.Tags == nil {
		o.Tags = map[string][]tag{}
	}
	if o.Services == nil {
		o.Services = map[string]time.Time{}
	}
	if o.Delegated == nil {
		o.Delegated = map[string]map[string]time.Time{}
	}
}

func putOrg(tx store.Tx, o *orgRec) error { return store.PutJSON(tx, table, "org/"+o.ID, o) }

func putMember(tx store.Tx, account, org string) error {
	return tx.Put(table, "member/"+account, []byte(org))
}

func deleteMember(tx store.Tx, account string) error { return tx.Delete(table, "member/"+account) }

func emailKey(email string) string { return "email/" + strings.ToLower(email) }

// IDs as AWS forms them (the model's patterns): o- and 10, r- and 4, and
// ou-<root's 4>- and 8 lower-case letters and digits; p- and 10 (the ARN
// pattern of a customer policy wants 10 to 32); car- and 32.
const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

func (o *orgRec) newOUID() string {
	for {
		id := "ou-" + strings.TrimPrefix(o.Root.ID, "r-") + "-" + randomID(8)
		if o.OUs[id] == nil {
			return id
		}
	}
}

func (o *orgRec) newPolicyID() string {
	for {
		id := "p-" + randomID(10)
		if o.Policies[id] == nil {
			return id
		}
	}
}

// ARNs (Service Authorization Reference, Organizations' resource types).

const arnPrefix = "arn:aws:organizations::"

func (o *orgRec) arn() string { return arnPrefix + o.Master + ":organization/" + o.ID }
func (o *orgRec) rootARN() string {
	return arnPrefix + o.Master + ":root/" + o.ID + "/" + o.Root.ID
}
func (o *orgRec) ouARN(id string) string { return arnPrefix + o.Master + ":ou/" + o.ID + "/" + id }
func (o *orgRec) accountARN(id string) string {
	return arnPrefix + o.Master + ":account/" + o.ID + "/" + id
}

// policyARN: AWS managed policies live in the "aws" account.
func (o *orgRec) policyARN(id, typ string) string {
	t := strings.ToLower(typ)
	if _, ok := awsPolicies[id]; ok {
		return arnPrefix + "aws:policy/" + t + "/" + id
	}
	return arnPrefix + o.Master + ":policy/" + o.ID + "/" + t + "/" + id
}

// targetARN is the ARN of a root, OU or account ID of the organization, ""
// when there is no such target.
func (o *orgRec) targetARN(id string) string {
	switch {
	case id == o.Root.ID:
		return o.rootARN()
	case o.OUs[id] != nil:
		return o.ouARN(id)
	case o.Accounts[id] != nil:
		return o.accountARN(id)
	}
	return ""
}

// isParent reports whether id is the root or an OU.
func (o *orgRec) isParent(id string) bool { return id == o.Root.ID || o.OUs[id] != nil }

func (o *orgRec) typeEnabled(typ string) bool {
	for _, t := range o.Root.PolicyTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// path returns the containers from the root down to id's parent, root
// first.
func (o *orgRec) path(parent string) []string {
	var up []string
	for p := parent; p != "" && len(up) <= len(o.OUs)+1; {
		up = append(up, p)
		if p == o.Root.ID {
			break
		}
		ou := o.OUs[p]
		if ou == nil {
			break
		}
		p = ou.Parent
	}
	for i, j := 0, len(up)-1; i < j; i, j = i+1, j-1 {
		up[i], up[j] = up[j], up[i]
	}
	return up
}

// sortedIDs returns m's keys in order, for stable listing and paging.
func sortedIDs[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
