package console

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Sign-in guessing is slowed per identity (an account's root user, an IAM
// user) and per client address, as AWS's sign-in throttles and then
// challenges. An identity gets a few failures; a client, which on loopback
// is every local program and person at once, a few more. Past that each
// failure blocks further attempts (package attempts: 30 seconds, doubling up
// to 15 minutes). A 6-digit MFA code then takes years to guess instead of
// minutes.
const (
	identityFailures = 5
	clientFailures   = 20
	// maxMFAFailures wrong codes end a pending sign-in: the password must
	// be given again.
	maxMFAFailures = 5
)

// userKey and rootKey name identities. IAM user names are unique without
// regard to case, and sign-in accepts any case. The account is as typed
// when it does not exist, so that made-up accounts are throttled alike and
// their answers reveal nothing.
func userKey(account, user string) string { return "user " + account + " " + strings.ToLower(user) }
func rootKey(account string) string       { return "root " + account }

// clientKey names the client by address.
func clientKey(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return "client " + ap.Addr().Unmap().String()
	}
	return "client " + r.RemoteAddr
}

// throttledMessage is the sign-in page's answer to a blocked attempt.
func throttledMessage(wait time.Duration) string {
	wait = wait.Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	return fmt.Sprintf("Too many failed sign-in attempts. Wait %s before you try again.", wait)
}
