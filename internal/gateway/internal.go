package gateway

import (
	"encoding/json"
	"net/http"
)

// serveInternal answers doppel's own paths. Bucket names cannot start with
// "_", so /_doppel/ never hides an S3 request.
func (g *Gateway) serveInternal(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_doppel/health" {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			Status  string `json:"status"`
			Version string `json:"version"`
		}{"ok", g.cfg.Version})
		return
	}
	if g.cfg.Internal != nil {
		g.cfg.Internal.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}
