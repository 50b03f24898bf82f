package console

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// The trust map draws, for the acting principal's account, every role and
// the principals its trust policy lets assume it, grouped by account, with
// the conditions on each edge. The roles come from ListRoles as the acting
// principal, so the map shows exactly what that principal may list.

type mapNode struct {
	ID     string // for edges
	Label  string
	Sub    string // smaller second line
	X, Y   int
	W, H   int
	Kind   string // "role", "principal", "service", "anyone"
	Link   string // role page
	Denied bool   // an edge from here is a Deny
}

type mapGroup struct {
	Label      string
	X, Y, W, H int
	Self       bool
}

type mapEdge struct {
	Path       string // SVG path data
	LabelX     int
	LabelY     int
	Label      string
	Deny       bool
	Conditions bool
}

type trustMap struct {
	Width, Height int
	Groups        []mapGroup
	Nodes         []mapNode
	Edges         []mapEdge
	Account       string
	Empty         bool
}

const (
	mapNodeW   = 290
	mapNodeH   = 36
	mapGap     = 12
	mapGroupPd = 28 // room for the group's title
	mapLeftX   = 30
	mapRightX  = 640
	mapTop     = 20
)

func (h *Handler) trustMapPage(w http.ResponseWriter, r *http.Request, s *session) {
	v := view{Title: "Trust map", Section: "trustmap"}
	roles, err := h.listRoles(r, s)
	if err != nil {
		v.Denied = errNotice(err)
		h.render(w, s, "trustmap", v)
		return
	}
	names := map[string]string{}
	h.cfg.Store.View(r.Context(), func(tx store.Tx) error {
		accts, _ := identity.ListAccounts(tx)
		for _, a := range accts {
			names[a.ID] = a.Name
		}
		return nil
	})
	var in []mapRole
	for _, role := range roles {
		in = append(in, mapRole{Name: role.RoleName, ARN: role.Arn, Edges: trustEdges(decodeDoc(role.AssumeRolePolicyDocument))})
	}
	m := layoutTrustMap(s.acting().Account, names, in)
	v.Data = m
	h.render(w, s, "trustmap", v)
}

type mapRole struct {
	Name, ARN string
	Edges     []trustEdge
}

func accountLabel(id string, names map[string]string) string {
	if n := names[id]; n != "" {
		return n + " (" + id + ")"
	}
	return id
}

// principalNode names a trusted principal as a node: the account's root
// ARN means "any principal of the account that its own policies allow".
func principalNode(e trustEdge) (label, sub, kind string) {
	switch e.Kind {
	case "*":
		return "Anyone (*)", "any AWS principal", "anyone"
	case "Service":
		return e.Principal, "AWS service", "service"
	case "Federated":
		return e.Principal, "identity provider", "service"
	case "CanonicalUser":
		return e.Principal, "canonical user", "principal"
	}
	p := e.Principal
	switch {
	case p == "*":
		return "Anyone (*)", "any AWS principal", "anyone"
	case identity.ValidAccountID(p) || strings.HasSuffix(p, ":root"):
		return "Whole account", "any user or role its policies allow", "principal"
	}
	if i := strings.LastIndex(p, ":"); i >= 0 {
		return p[i+1:], p, "principal"
	}
	return p, "", "principal"
}

// layoutTrustMap places principals (grouped by account) on the left, the
// account's roles on the right, and an edge for each trust statement.
func layoutTrustMap(self string, names map[string]string, roles []mapRole) *trustMap {
	m := &trustMap{Account: accountLabel(self, names)}
	sort.Slice(roles, func(i, j int) bool { return strings.ToLower(roles[i].Name) < strings.ToLower(roles[j].Name) })

	// Left side: unique principals, grouped by account ("" for services
	// and anyone).
	type pkey struct{ account, kind, principal string }
	byAccount := map[string][]pkey{}
	seen := map[pkey]bool{}
	for _, r := range roles {
		for _, e := range r.Edges {
			k := pkey{e.Account, e.Kind, e.Principal}
			if !seen[k] {
				seen[k] = true
				byAccount[e.Account] = append(byAccount[e.Account], k)
			}
		}
	}
	var accounts []string
	for a := range byAccount {
		accounts = append(accounts, a)
	}
	sort.Slice(accounts, func(i, j int) bool {
		// Accounts first (own account last among them), services at the end.
		ai, aj := accounts[i], accounts[j]
		if (ai == "") != (aj == "") {
			return aj == ""
		}
		return ai < aj
	})
	nodeAt := map[pkey]int{}
	y := mapTop
	for _, a := range accounts {
		keys := byAccount[a]
		sort.Slice(keys, func(i, j int) bool { return keys[i].principal < keys[j].principal })
		label := "AWS services and others"
		if a != "" {
			label = "Account " + accountLabel(a, names)
		}
		g := mapGroup{Label: label, X: mapLeftX - 12, Y: y, W: mapNodeW + 24, Self: a == self}
		y += mapGroupPd
		for _, k := range keys {
			lbl, sub, kind := principalNode(trustEdge{Kind: k.kind, Principal: k.principal})
			nodeAt[k] = len(m.Nodes)
			m.Nodes = append(m.Nodes, mapNode{ID: fmt.Sprintf("p%d", len(m.Nodes)), Label: lbl, Sub: sub,
				X: mapLeftX, Y: y, W: mapNodeW, H: mapNodeH, Kind: kind})
			y += mapNodeH + mapGap
		}
		g.H = y - g.Y
		m.Groups = append(m.Groups, g)
		y += mapGap * 2
	}
	leftBottom := y - mapGap*2

	// Right side: this account's roles.
	y = mapTop
	g := mapGroup{Label: "Account " + accountLabel(self, names) + " - roles", X: mapRightX - 12, Y: y, W: mapNodeW + 24, Self: true}
	y += mapGroupPd
	roleAt := make([]int, len(roles))
	for i, r := range roles {
		roleAt[i] = len(m.Nodes)
		m.Nodes = append(m.Nodes, mapNode{ID: fmt.Sprintf("r%d", i), Label: r.Name, Sub: r.ARN,
			X: mapRightX, Y: y, W: mapNodeW, H: mapNodeH, Kind: "role", Link: roleURL(r.Name)})
		y += mapNodeH + mapGap
	}
	g.H = y - g.Y
	m.Groups = append(m.Groups, g)
	rightBottom := y

	for i, r := range roles {
		to := m.Nodes[roleAt[i]]
		for _, e := range r.Edges {
			from := m.Nodes[nodeAt[pkey{e.Account, e.Kind, e.Principal}]]
			x1, y1 := from.X+from.W, from.Y+from.H/2
			x2, y2 := to.X, to.Y+to.H/2
			mid := (x1 + x2) / 2
			edge := mapEdge{
				Path:   fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, mid, y1, mid, y2, x2-6, y2),
				LabelX: mid, LabelY: (y1+y2)/2 - 4, Deny: e.Deny, Conditions: len(e.Conditions) > 0,
			}
			label := strings.Join(e.Conditions, " + ")
			if e.Deny {
				label = "DENY " + label
			}
			edge.Label = label
			m.Edges = append(m.Edges, edge)
		}
	}
	m.Width = mapRightX + mapNodeW + 30
	m.Height = max(leftBottom, rightBottom) + mapTop
	m.Empty = len(roles) == 0
	return m
}
