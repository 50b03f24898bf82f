package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/gateway"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/mfa"
)

// serveMFACode answers GET /_doppel/mfa/code?serial=SERIAL with the current
// code of a virtual MFA device, for `doppel mfa code`: tests and demos then
// need no phone. Only the root user of the device's account may ask, with a
// SigV4 signature for iam, as any IAM call would be signed.
//
// A code is accepted once per device; when the current step's code was used
// already, the next step's code is given (AWS accepts codes one step ahead).
func (s *Server) serveMFACode(now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			gateway.WriteQueryError(w, awserr.New(http.StatusMethodNotAllowed, "InvalidAction", "Use GET."))
			return
		}
		p, err := s.Gateway.Authenticate(r, "iam")
		if err != nil {
			gateway.WriteQueryError(w, awserr.From(err))
			return
		}
		serial := r.URL.Query().Get("serial")
		account, ok := serialAccount(serial)
		if !ok {
			gateway.WriteQueryError(w, awserr.ValidationError("serial must be a virtual MFA device ARN, arn:aws:iam::ACCOUNT:mfa/NAME"))
			return
		}
		if p.Kind != identity.Root || p.Account != account {
			gateway.WriteQueryError(w, awserr.AccessDenied("Only the root user of account "+account+" may read the codes of its MFA devices."))
			return
		}
		seed, last, found, err := s.IAM.MFADeviceSeed(r.Context(), account, serial)
		if err != nil {
			gateway.WriteQueryError(w, awserr.From(err))
			return
		}
		if !found {
			gateway.WriteQueryError(w, awserr.Newf(http.StatusNotFound, "NoSuchEntity", "VirtualMFADevice with serial number %s doesn't exist.", serial))
			return
		}
		step := mfa.Step(now())
		if last >= step {
			step = last + 1
		}
		if step > mfa.Step(now())+1 {
			gateway.WriteQueryError(w, awserr.New(http.StatusTooManyRequests, "Throttling", "The device's next codes were used already; ask again in 30 seconds."))
			return
		}
		code, err := mfa.Code(seed, step)
		if err != nil {
			gateway.WriteQueryError(w, awserr.Internal(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"serial": serial, "code": code})
	}
}

// serialAccount returns the account of arn:aws:iam::ACCOUNT:mfa/PATH/NAME.
func serialAccount(serial string) (string, bool) {
	rest, ok := strings.CutPrefix(serial, "arn:aws:iam::")
	if !ok {
		return "", false
	}
	account, resource, ok := strings.Cut(rest, ":")
	return account, ok && identity.ValidAccountID(account) && strings.HasPrefix(resource, "mfa/")
}
