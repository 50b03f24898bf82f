package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Default audiences: what aws-actions/configure-aws-credentials asks GitHub
// for, and HCP Terraform's default for AWS (TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE).
const (
	GitHubAudience    = "sts.amazonaws.com"
	TerraformAudience = "aws.workload.identity"
)

// Lifetimes: GitHub's ID tokens last five minutes; HCP Terraform's last the
// run phase; doppel gives those an hour, as it does local issuers' tokens.
const (
	githubTTL  = 5 * time.Minute
	defaultTTL = time.Hour
	// MaxTTL bounds a minted token's life.
	MaxTTL = 24 * time.Hour
)

// Claims GitHub Actions puts in every ID token beyond the registered ones
// (GitHub docs, "About security hardening with OpenID Connect", token
// claims).
var githubClaims = []string{
	"ref", "ref_type", "ref_protected", "sha", "repository", "repository_id", "repository_owner",
	"repository_owner_id", "repository_visibility", "actor", "actor_id", "workflow", "workflow_ref",
	"workflow_sha", "job_workflow_ref", "job_workflow_sha", "event_name", "environment", "head_ref",
	"base_ref", "run_id", "run_number", "run_attempt", "runner_environment", "enterprise", "enterprise_id",
}

// Claims of HCP Terraform's workload identity tokens (HashiCorp docs,
// "Workload identity", token specification).
var terraformClaims = []string{
	"terraform_organization_id", "terraform_organization_name", "terraform_project_id",
	"terraform_project_name", "terraform_workspace_id", "terraform_workspace_name",
	"terraform_full_workspace", "terraform_run_id", "terraform_run_phase",
}

// MintRequest is what a token should say; empty fields take the issuer's
// defaults.
type MintRequest struct {
	Subject  string
	Audience string
	TTL      time.Duration
	// Claims are set last, over the defaults; `iss` cannot be set (a
	// token's issuer is the key that signs it).
	Claims map[string]any
}

// RequestError is a MintRequest the issuer refuses.
type RequestError struct{ Msg string }

func (e *RequestError) Error() string { return e.Msg }

// Mint returns a signed token (compact JWS) from the issuer, making its key
// the first time.
func (s *Issuers) Mint(ctx context.Context, is Issuer, r MintRequest) (string, error) {
	ttl := r.TTL
	if ttl == 0 {
		ttl = defaultTTL
		if is.Name == "github" {
			ttl = githubTTL
		}
	}
	if ttl < 0 || ttl > MaxTTL {
		return "", &RequestError{fmt.Sprintf("ttl must be between 1s and %s", MaxTTL)}
	}
	if _, ok := r.Claims["iss"]; ok {
		return "", &RequestError{"the iss claim is the issuer's own and cannot be set"}
	}
	now := s.now().UTC()
	c := map[string]any{
		"iss": is.URL,
		"jti": newID(),
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(ttl).Unix(),
	}
	var err error
	switch is.Name {
	case "github":
		err = githubDefaults(c, r)
	case "terraform":
		err = terraformDefaults(c, r)
	default:
		c["sub"], c["aud"] = r.Subject, r.Audience
		if r.Subject == "" {
			c["sub"] = "local-user"
		}
		if r.Audience == "" {
			c["aud"] = GitHubAudience
		}
	}
	if err != nil {
		return "", err
	}
	for k, v := range r.Claims {
		c[k] = v
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", &RequestError{"claims: " + err.Error()}
	}
	k, _, err := s.key(ctx, is, true)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: is.Alg, Key: k}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// githubDefaults fills GitHub's claims from the subject, which names the
// repository and the ref or environment as GitHub forms it:
// repo:OWNER/REPO:ref:REF, repo:OWNER/REPO:environment:ENV,
// repo:OWNER/REPO:pull_request, with OWNER@ID/REPO@ID in the immutable form.
func githubDefaults(c map[string]any, r MintRequest) error {
	sub := r.Subject
	if sub == "" {
		sub = "repo:octo-org/octo-repo:ref:refs/heads/main"
	}
	rest, ok := strings.CutPrefix(sub, "repo:")
	repo, context, ok2 := strings.Cut(rest, ":")
	owner, name, ok3 := strings.Cut(repo, "/")
	if !ok || !ok2 || !ok3 || owner == "" || name == "" {
		return &RequestError{"a GitHub subject is repo:OWNER/REPO:ref:REF, repo:OWNER/REPO:environment:ENV or repo:OWNER/REPO:pull_request"}
	}
	owner, ownerID := splitID(owner)
	name, repoID := splitID(name)
	ref, event := "refs/heads/main", "push"
	switch {
	case strings.HasPrefix(context, "ref:"):
		ref = strings.TrimPrefix(context, "ref:")
	case strings.HasPrefix(context, "environment:"):
		c["environment"] = strings.TrimPrefix(context, "environment:")
	case context == "pull_request":
		ref, event = "refs/pull/1/merge", "pull_request"
	}
	refType := "branch"
	if strings.HasPrefix(ref, "refs/tags/") {
		refType = "tag"
	}
	full := owner + "/" + name
	if ownerID == "" {
		ownerID = numericID(owner)
	}
	if repoID == "" {
		repoID = numericID(full)
	}
	h := sum(full + ref)
	sha := hex.EncodeToString(h[:20])
	workflow := full + "/.github/workflows/deploy.yml@" + ref
	aud := r.Audience
	if aud == "" {
		aud = GitHubAudience
	}
	for k, v := range map[string]string{
		"sub": sub, "aud": aud, "ref": ref, "ref_type": refType, "ref_protected": "false", "sha": sha,
		"repository": full, "repository_id": repoID, "repository_owner": owner, "repository_owner_id": ownerID,
		"repository_visibility": "private", "actor": "octocat", "actor_id": "583231",
		"workflow": "deploy", "workflow_ref": workflow, "workflow_sha": sha,
		"job_workflow_ref": workflow, "job_workflow_sha": sha, "event_name": event,
		"head_ref": "", "base_ref": "", "run_id": numericID(newID()), "run_number": "1", "run_attempt": "1",
		"runner_environment": "github-hosted",
	} {
		c[k] = v
	}
	return nil
}

// terraformDefaults fills HCP Terraform's claims from the subject
// organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:PHASE.
func terraformDefaults(c map[string]any, r MintRequest) error {
	sub := r.Subject
	if sub == "" {
		sub = "organization:my-org:project:Default Project:workspace:my-workspace:run_phase:apply"
	}
	f := strings.Split(sub, ":")
	if len(f) != 8 || f[0] != "organization" || f[2] != "project" || f[4] != "workspace" || f[6] != "run_phase" ||
		f[1] == "" || f[3] == "" || f[5] == "" || (f[7] != "plan" && f[7] != "apply") {
		return &RequestError{"an HCP Terraform subject is organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:plan|apply"}
	}
	org, project, ws, phase := f[1], f[3], f[5], f[7]
	aud := r.Audience
	if aud == "" {
		aud = TerraformAudience
	}
	for k, v := range map[string]string{
		"sub": sub, "aud": aud,
		"terraform_organization_id": hcpID("org-", org), "terraform_organization_name": org,
		"terraform_project_id": hcpID("prj-", org+"/"+project), "terraform_project_name": project,
		"terraform_workspace_id": hcpID("ws-", org+"/"+project+"/"+ws), "terraform_workspace_name": ws,
		"terraform_full_workspace": strings.Join(f[:6], ":"),
		"terraform_run_id":         hcpID("run-", newID()), "terraform_run_phase": phase,
	} {
		c[k] = v
	}
	return nil
}

// splitID splits GitHub's immutable form NAME@ID.
func splitID(s string) (name, id string) {
	name, id, _ = strings.Cut(s, "@")
	return name, id
}

func sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// numericID is a stable numeric ID for a name, as GitHub's IDs are numbers.
func numericID(s string) string {
	h := sum(s)
	var n uint64
	for _, b := range h[:4] {
		n = n<<8 | uint64(b)
	}
	return strconv.FormatUint(n, 10)
}

// hcpID is a stable HCP-style ID (prefix and 16 letters and digits) for a
// name, so every token for one workspace carries the same IDs.
func hcpID(prefix, s string) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789"
	h := sum(prefix + s)
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[int(h[i])%len(alphabet)]
	}
	return prefix + string(b)
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// ParseClaim reads KEY=VALUE as given to `doppel oidc token --claim`: a
// value starting with { or [ is JSON (the session tags claim is an object),
// exp, nbf and iat are integers (seconds since the epoch), and anything else
// is a string, as GitHub's and HCP Terraform's claims are.
func ParseClaim(kv string) (string, any, error) {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return "", nil, fmt.Errorf("claim %q is not KEY=VALUE", kv)
	}
	switch {
	case strings.HasPrefix(v, "{") || strings.HasPrefix(v, "["):
		var j any
		if err := json.Unmarshal([]byte(v), &j); err != nil {
			return "", nil, fmt.Errorf("claim %s: %v", k, err)
		}
		return k, j, nil
	case k == "exp" || k == "nbf" || k == "iat":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", nil, fmt.Errorf("claim %s must be seconds since the epoch", k)
		}
		return k, n, nil
	}
	return k, v, nil
}
