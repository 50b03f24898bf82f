package s3

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// CORS as S3 applies a bucket's CORS configuration (S3 User Guide, "Using
// cross-origin resource sharing (CORS)", "How does Amazon S3 evaluate the
// CORS configuration on a bucket?"): the first rule whose AllowedOrigin
// matches the Origin header, whose AllowedMethod holds the method (the
// preflight's Access-Control-Request-Method, or the request's own), and,
// for a preflight, whose AllowedHeader entries cover every header in
// Access-Control-Request-Headers, decides; each AllowedOrigin and
// AllowedHeader may hold one "*" wildcard. Preflights are not signed and
// are answered before authentication; the headers of actual requests are
// added whatever the request's outcome.

// corsVary is the Vary S3 sends with CORS answers.
var corsVary = []string{"Origin, Access-Control-Request-Headers, Access-Control-Request-Method"}

const msgCORSNotAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."

// corsMatch matches s against a CORS pattern: at most one "*", no "?".
func corsMatch(pattern, s string) bool {
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// corsRuleFor returns the first rule that allows origin, method and every
// one of headers (lower case), or nil.
func corsRuleFor(rules []s3api.CORSRule, origin, method string, headers []string) *s3api.CORSRule {
	for i := range rules {
		r := &rules[i]
		if !matchesAny(r.AllowedOrigins, origin, false) || !slices.Contains(r.AllowedMethods, method) {
			continue
		}
		allowed := true
		for _, h := range headers {
			if !matchesAny(r.AllowedHeaders, h, true) {
				allowed = false
				break
			}
		}
		if allowed {
			return r
		}
	}
	return nil
}

func matchesAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p = strings.ToLower(p)
		}
		if corsMatch(p, s) {
			return true
		}
	}
	return false
}

// corsRules returns the bucket's CORS rules; nil when the bucket does not
// exist or has no CORS configuration.
func (s *Service) corsRules(ctx context.Context, bucket string) ([]s3api.CORSRule, bool, error) {
	b, err := s.loadBucket(ctx, bucket)
	if err != nil {
		return nil, false, err
	}
	var c s3api.CORSConfiguration
	ok, err := b.config(cfgCORS, &c)
	if err != nil || !ok {
		return nil, false, err
	}
	return c.CORSRules, true, nil
}

// setRuleHeaders sets the Access-Control-* headers a matched rule gives.
func setRuleHeaders(h http.Header, r *s3api.CORSRule, origin string) {
	if slices.Contains(r.AllowedOrigins, "*") && !slices.Contains(r.AllowedOrigins, origin) {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	if len(r.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
	if r.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(*r.MaxAgeSeconds)))
	}
}

// Preflight answers a CORS preflight (OPTIONS) for bucket and key with the
// headers to send with a 200, or S3's error: 400 without Origin or with no
// valid Access-Control-Request-Method, 403 AccessForbidden when the bucket
// has no CORS configuration or no rule allows the request.
func (s *Service) Preflight(ctx context.Context, bucket, key string, req http.Header) (http.Header, error) {
	origin := req.Get("Origin")
	if origin == "" {
		return nil, awserr.New(http.StatusBadRequest, "BadRequest", "Insufficient information. Origin request header needed.")
	}
	method := req.Get("Access-Control-Request-Method")
	if !corsMethods[method] {
		shown := method
		if shown == "" {
			shown = "null"
		}
		return nil, awserr.New(http.StatusBadRequest, "BadRequest", "Invalid Access-Control-Request-Method: "+shown)
	}
	resource := "OBJECT"
	if key == "" {
		resource = "BUCKET"
	}
	forbidden := func(msg string) error {
		return awserr.New(http.StatusForbidden, "AccessForbidden", msg).With("Method", method).With("ResourceType", resource)
	}
	if bucket == "" {
		return nil, forbidden(msgCORSNotAllowed)
	}
	rules, ok, err := s.corsRules(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, forbidden("CORSResponse: CORS is not enabled for this bucket.")
	}
	var headers []string
	for _, v := range req.Values("Access-Control-Request-Headers") {
		for _, h := range strings.Split(v, ",") {
			if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
				headers = append(headers, h)
			}
		}
	}
	r := corsRuleFor(rules, origin, method, headers)
	if r == nil {
		return nil, forbidden(msgCORSNotAllowed)
	}
	h := http.Header{}
	setRuleHeaders(h, r, origin)
	if len(headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	h["Vary"] = corsVary
	return h, nil
}

// CORSHeaders adds to h the headers S3 sends with an actual request that
// carries an Origin header to a bucket with a CORS configuration: Vary
// always, and the Access-Control-* headers of the rule that allows the
// origin and method, if one does.
func (s *Service) CORSHeaders(ctx context.Context, bucket, method string, req, h http.Header) {
	origin := req.Get("Origin")
	if origin == "" || bucket == "" {
		return
	}
	rules, ok, err := s.corsRules(ctx, bucket)
	if err != nil || !ok {
		return
	}
	h["Vary"] = corsVary
	if r := corsRuleFor(rules, origin, method, nil); r != nil {
		setRuleHeaders(h, r, origin)
	}
}
