package console

import (
	"net/http"

	"github.com/doppel-aws/doppel/internal/activity"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"
)

// activityLimit is how many of the account's latest requests are shown.
const activityLimit = 100

// activityPage lists the latest requests to the acting principal's account.
// Reading them is what CloudTrail's event history is on AWS, so it takes
// cloudtrail:LookupEvents (CloudTrail User Guide, "Viewing CloudTrail events
// with the CloudTrail console": the LookupEvents permission).
func (h *Handler) activityPage(w http.ResponseWriter, r *http.Request, s *session) {
	v := view{Title: "Activity", Section: "activity"}
	p := s.acting()
	if err := h.authorizeLookup(r, s); err != nil {
		v.Denied = errNotice(err)
		h.render(w, s, "activity", v)
		return
	}
	var entries []activity.Entry
	if h.cfg.Activity != nil {
		entries = h.cfg.Activity.Latest(p.Account, activityLimit)
	}
	v.Data = struct {
		Account string
		Entries []activity.Entry
	}{p.Account, entries}
	h.render(w, s, "activity", v)
}

func (h *Handler) authorizeLookup(r *http.Request, s *session) error {
	if s.acting().Kind == identity.Root {
		return nil
	}
	if h.cfg.Authorizer == nil {
		return errNoAuthorizer
	}
	ctx, _ := h.ctx(r, s, "cloudtrail", "LookupEvents")
	return h.cfg.Authorizer.Authorize(ctx, authz.Check{Action: "cloudtrail:LookupEvents", Resource: "*"})
}
