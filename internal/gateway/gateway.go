// Package gateway is doppel's front door: it takes an HTTP request, works out
// which service and operation it is for, authenticates it (SigV4), decodes the
// operation's input with the service's wire protocol, calls the service, and
// encodes the answer or the error in that protocol's envelope. Every request
// gets a request ID and one log line.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/activity"
	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/protocol/query"
	"github.com/doppel-aws/doppel/internal/protocol/restxml"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/sigv4"
)

// Resolver turns the access key that signed a request into its principal and
// the secret to check the signature with. It returns sigv4.ErrUnknownAccessKey,
// sigv4.ErrInvalidToken or sigv4.ErrExpiredToken when it cannot.
type Resolver func(ctx context.Context, accessKeyID, sessionToken string) (*identity.Principal, string, error)

// Backend is one service doppel serves: its model and the handler that
// implements the model's generated Handler interface.
type Backend struct {
	Service *api.Service
	Handler any
}

// Config is what a Gateway needs.
type Config struct {
	Backends []Backend
	Resolve  Resolver
	Logger   *slog.Logger
	Now      func() time.Time // nil means time.Now
	Version  string
	// Hostnames are extra endpoint host names for virtual-hosted S3 requests
	// (bucket.HOSTNAME); localhost and s3.* forms are always recognised.
	Hostnames []string
	// Internal serves /_doppel/ paths other than health (the console), or nil.
	Internal http.Handler
	// Admit, when set, runs after authentication and decoding and before the
	// service: the place for rules that hold across services, such as what
	// GetSessionToken credentials may call.
	Admit func(ctx context.Context, info *request.Info) error
	// KeyUsed, when set, hears of every access key whose signature verified
	// (for GetAccessKeyLastUsed); it must not block.
	KeyUsed func(accessKeyID, service, region string, at time.Time)
	// Activity, when set, records every request (the console's Activity page).
	Activity *activity.Log
	// MaxBodyBytes caps the body of a non-S3 request; 0 means 1 MiB.
	MaxBodyBytes int64
	// BodyIdleTimeout is how long a request body may stall before the
	// request fails with RequestTimeout; 0 means DefaultBodyIdleTimeout.
	BodyIdleTimeout time.Duration
}

// Gateway is the http.Handler for every AWS endpoint doppel serves.
type Gateway struct {
	cfg      Config
	log      *slog.Logger
	verifier *sigv4.Verifier
	byName   map[string]Backend // signing name -> backend
	byTarget map[string]Backend // json X-Amz-Target prefix -> backend
	s3       *Backend
	s3router *restxml.Router
	// s3control is S3 Control, which S3 shares its signing name with.
	s3control *Backend
}

// New returns a Gateway for cfg.
func New(cfg Config) *Gateway {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.BodyIdleTimeout == 0 {
		cfg.BodyIdleTimeout = DefaultBodyIdleTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{cfg: cfg, log: cfg.Logger, byName: map[string]Backend{}, byTarget: map[string]Backend{}}
	for _, b := range cfg.Backends {
		if b.Service.EndpointPrefix == s3ControlEndpointPrefix {
			// It signs as "s3": route finds it by the request instead.
			b := b
			g.s3control = &b
			continue
		}
		g.byName[b.Service.Name] = b
		if b.Service.TargetPrefix != "" {
			g.byTarget[b.Service.TargetPrefix] = b
		}
		if b.Service.Protocol == api.ProtocolRestXML {
			b := b
			g.s3 = &b
			g.s3router = restxml.NewRouter(b.Service)
		}
	}
	// Every call passes its own lookup (VerifyWith), to learn the principal.
	g.verifier = &sigv4.Verifier{Now: cfg.Now, MaxHashedBody: cfg.MaxBodyBytes,
		VirtualHostBucket: func(host string) string { return virtualHostBucket(host, cfg.Hostnames) }}
	return g
}

// lookup resolves a signing key for c, remembering its principal: sigv4
// only wants the secret.
func (g *Gateway) lookup(c *call) sigv4.Lookup {
	return func(ctx context.Context, akid, token string) (string, error) {
		p, secret, err := g.cfg.Resolve(ctx, akid, token)
		if err != nil {
			return "", err
		}
		c.signer = p
		return secret, nil
	}
}

// call is the state of one request as it moves through the pipeline.
type call struct {
	id      requestID
	info    request.Info
	backend Backend
	w       *statusWriter
	start   time.Time
	method  string
	err     *awserr.Error // the error answered, for the log line
	body    *idleBody     // nil when the request has no body

	// Held here so that a request costs one allocation for all of them.
	sw     statusWriter
	anon   identity.Principal
	sig    sigv4.Result
	signer *identity.Principal // who the verified key belongs to
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_doppel/") {
		g.watchBody(w, r)
		g.serveInternal(w, r)
		return
	}
	setContentHeaders(w.Header())
	c := &call{id: newRequestID(), start: time.Now(), method: r.Method}
	c.body = g.watchBody(w, r)
	c.sw.ResponseWriter = w
	c.w = &c.sw
	c.anon.Kind = identity.Anonymous
	c.info = request.Info{
		ID:        c.id.uuid,
		Time:      g.cfg.Now(),
		Secure:    r.TLS != nil,
		UserAgent: r.Header.Get("User-Agent"),
		Host:      r.Host,
		Principal: &c.anon,
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		c.info.SourceIP = ap.Addr().Unmap()
	}
	defer g.finish(c, r)

	b, ok := g.route(r)
	if !ok {
		g.writeError(c, awserr.New(http.StatusBadRequest, "UnrecognizedClientException",
			"doppel serves IAM, STS, S3, S3 Control and Organizations; this request names no service it knows."))
		return
	}
	c.backend = b
	c.info.Service = b.Service.Name
	if b.Service.Protocol == api.ProtocolRestXML {
		c.id.uuid = c.id.s3 // S3 clients see the short form everywhere
		c.info.ID = c.id.s3
	}
	switch {
	case g.s3control != nil && b.Service == g.s3control.Service:
		g.serveS3Control(c, r)
		return
	}
	switch b.Service.Protocol {
	case api.ProtocolQuery:
		g.serveQuery(c, r)
	case api.ProtocolRestXML:
		g.serveS3(c, r)
	case api.ProtocolJSON:
		g.serveJSON(c, r)
	default:
		g.writeError(c, awserr.Internal(fmt.Errorf("service %s has unknown protocol %q", b.Service.Name, b.Service.Protocol)))
	}
}

// route picks the service: the SigV4 scope says it for signed requests; an
// unsigned one is JSON by X-Amz-Target, query by an Action form field on POST
// with a form body, and S3 otherwise.
func (g *Gateway) route(r *http.Request) (Backend, bool) {
	svc, _, signed := sigv4.Scope(r)
	if (!signed || svc == "s3") && g.s3control != nil && isS3Control(r) {
		return *g.s3control, true
	}
	if signed {
		b, ok := g.byName[svc]
		return b, ok
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, _, _ := strings.Cut(t, ".")
		b, ok := g.byTarget[prefix]
		return b, ok
	}
	if r.URL.Path == "/" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		// Unsigned query request: which of IAM and STS does not matter, it
		// will be refused as unauthenticated; prefer STS, whose errors match.
		if b, ok := g.byName["sts"]; ok {
			return b, true
		}
	}
	if g.s3 != nil {
		return *g.s3, true
	}
	return Backend{}, false
}

// authenticate verifies the signature and fills c.info with the principal.
// Anonymous requests are left anonymous: each protocol decides what to do.
// Verification may replace r's body with one that checks the payload, so
// callers continue with the request it returns.
func (g *Gateway) authenticate(c *call, r *http.Request) (*http.Request, *sigv4.Result, error) {
	res := &c.sig
	if err := g.verifier.VerifyWith(r, c.backend.Service.Name, g.lookup(c), res); err != nil {
		return r, nil, err
	}
	c.info.Region = res.Region
	c.info.SigV2 = res.SigV2
	if !res.Anonymous && c.signer != nil {
		c.info.Principal = c.signer
		if g.cfg.KeyUsed != nil {
			g.cfg.KeyUsed(res.AccessKeyID, res.Service, res.Region, c.info.Time)
		}
	}
	return r, res, nil
}

// invoke runs the operation with c.info in its context; a panic in the
// service becomes InternalFailure and is logged with the request ID.
func (g *Gateway) invoke(c *call, r *http.Request, op *api.Operation, in any) (out any, err error) {
	ctx := request.With(r.Context(), &c.info)
	if g.cfg.Admit != nil {
		if err := g.cfg.Admit(ctx, &c.info); err != nil {
			return nil, err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			g.log.Error("panic in service", "request_id", c.info.ID, "service", c.info.Service, "operation", c.info.Operation, "panic", p, "stack", string(debug.Stack()))
			out, err = nil, awserr.Internal(fmt.Errorf("panic: %v", p))
		}
	}()
	return op.Invoke(ctx, c.backend.Handler, in)
}

// finish recovers from a panic outside the service, and logs the request.
func (g *Gateway) finish(c *call, r *http.Request) {
	if p := recover(); p != nil {
		if p == http.ErrAbortHandler {
			panic(p)
		}
		g.log.Error("panic in gateway", "request_id", c.info.ID, "panic", p, "stack", string(debug.Stack()))
		if !c.w.wroteHeader {
			g.writeError(c, awserr.Internal(fmt.Errorf("panic: %v", p)))
		}
	}
	p := c.info.Principal
	if g.cfg.Activity != nil {
		e := activity.Entry{
			Time: c.info.Time, RequestID: c.info.ID, Account: p.Account, Principal: principalName(p),
			Service: c.info.Service, Operation: c.info.Operation, Status: c.w.status(),
		}
		if c.info.SourceIP.IsValid() {
			e.SourceIP = c.info.SourceIP.String()
		}
		if c.err != nil {
			e.ErrorCode, e.Message = c.err.Code, c.err.Message
		}
		g.cfg.Activity.Record(e)
	}
	if !g.log.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", c.info.ID),
		slog.String("account", p.Account),
		slog.String("principal", principalName(p)),
		slog.String("service", c.info.Service),
		slog.String("operation", c.info.Operation),
		slog.Int("status", c.w.status()),
		slog.Duration("duration", time.Since(c.start)),
	}
	level := slog.LevelInfo
	if c.err != nil {
		attrs = append(attrs, slog.String("error", c.err.Code))
		if c.err.Status >= 500 {
			level = slog.LevelError
			if c.err.Cause != nil {
				attrs = append(attrs, slog.String("cause", c.err.Cause.Error()))
			}
		}
	}
	g.log.LogAttrs(r.Context(), level, "request", attrs...)
}

func principalName(p *identity.Principal) string {
	if p.Kind == identity.Anonymous {
		return "anonymous"
	}
	return p.ARN
}

// writeError answers e in the protocol of the call's service.
func (g *Gateway) writeError(c *call, e *awserr.Error) {
	if c.body != nil && c.body.timedOut {
		// Whatever the stall became on its way up (IncompleteBody, a
		// cancelled context), the cause is the client's silence.
		e = errRequestTimeout
	}
	c.err = e
	if c.w.wroteHeader {
		// Too late for an error document (a streamed body broke): the
		// connection is all that can signal it.
		panic(http.ErrAbortHandler)
	}
	if c.backend.Service == nil {
		writeQueryError(c, nil, e)
		return
	}
	switch c.backend.Service.Protocol {
	case api.ProtocolRestXML:
		if c.backend.Service.EndpointPrefix == s3ControlEndpointPrefix {
			setS3RequestID(c)
			restxml.WriteWrappedError(c.w, c.method, e, c.id.s3, c.id.id2)
			return
		}
		writeS3Error(c, e)
	case api.ProtocolJSON:
		writeJSONError(c, e)
	default:
		writeQueryError(c, c.backend.Service, e)
	}
}

// statusWriter remembers the status written, for the log line, and whether
// the header is out.
type statusWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) status() int {
	if !w.wroteHeader {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// asAWS turns any error into the *awserr.Error to answer.
func asAWS(err error) *awserr.Error {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e
	}
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return awserr.Newf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body must be at most %d bytes.", maxErr.Limit)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, net.ErrClosed) {
		return awserr.New(499, "RequestCanceled", "The client closed the request.").Wrap(err)
	}
	return awserr.Internal(err)
}

// Authenticate verifies a request to one of doppel's own endpoints under
// /_doppel/, signed for service like any API call, and returns its caller
// (Kind Anonymous when unsigned). Errors are *awserr.Error in the query
// protocol's dialect.
func (g *Gateway) Authenticate(r *http.Request, service string) (*identity.Principal, error) {
	c := &call{info: request.Info{Principal: &identity.Principal{Kind: identity.Anonymous}}}
	c.backend.Service = &api.Service{Name: service}
	if _, _, err := g.authenticate(c, r); err != nil {
		return nil, err
	}
	return c.info.Principal, nil
}

// WriteQueryError answers e as IAM would, for doppel's own endpoints.
func WriteQueryError(w http.ResponseWriter, e *awserr.Error) {
	id := newRequestID()
	w.Header().Set("x-amzn-RequestId", id.uuid)
	query.WriteError(w, &api.Service{XMLNamespace: "https://iam.amazonaws.com/doc/2010-05-08/"}, e, id.uuid)
}
