package gateway

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// DefaultBodyIdleTimeout is how long a request body may go without a byte
// before the request is cut off. S3 closes such connections after about 20
// seconds (S3 API Reference, "Error responses", RequestTimeout).
const DefaultBodyIdleTimeout = 20 * time.Second

// errRequestTimeout is S3's answer to a body that stopped arriving; every
// service answers a stalled body with it.
var errRequestTimeout = awserr.New(http.StatusBadRequest, "RequestTimeout",
	"Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.")

// idleBody gives each read of a request body its own deadline, so a client
// that keeps sending, however slowly, is served, and one that stops is cut
// off; a deadline on the whole request would cut off large uploads too.
type idleBody struct {
	body     io.ReadCloser
	rc       *http.ResponseController
	idle     time.Duration
	timedOut bool // the body stalled: whatever error the read caused, the answer is RequestTimeout
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.rc != nil {
		if err := b.rc.SetReadDeadline(time.Now().Add(b.idle)); err != nil {
			b.rc = nil // a writer without deadlines (a test recorder): read as is
		}
	}
	n, err := b.body.Read(p)
	if err == io.EOF {
		// net/http clears the deadline at the body's end, to watch the
		// connection while the handler works: a read after EOF must not
		// set it again, or the handler's context would end with it.
		b.rc = nil
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		b.timedOut = true
		return n, errRequestTimeout
	}
	return n, err
}

func (b *idleBody) Close() error { return b.body.Close() }

// watchBody wraps r's body, if it has one, in an idleBody.
func (g *Gateway) watchBody(w http.ResponseWriter, r *http.Request) *idleBody {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b := &idleBody{body: r.Body, rc: http.NewResponseController(w), idle: g.cfg.BodyIdleTimeout}
	r.Body = b
	return b
}

// Headers on every API response. A browser that opens an object (through a
// presigned URL or a public bucket) renders it with this server's origin,
// which is the console's: the sandbox gives the document an opaque origin
// with no scripts, forms or plugins, so it cannot read console pages or
// their CSRF tokens, and nosniff stops a browser from running a "text/plain"
// object as a script or style. API clients ignore both. The slices are
// shared and never modified (Header.Set replaces, Add copies: cap is 1).
var (
	contentSandbox = []string{"sandbox"}
	noSniff        = []string{"nosniff"}
)

func setContentHeaders(h http.Header) {
	h["Content-Security-Policy"] = contentSandbox
	h["X-Content-Type-Options"] = noSniff
}
