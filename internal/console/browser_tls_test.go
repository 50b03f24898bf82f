package console_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/doppel-aws/doppel/doppeltest"
)

// TestBrowserOverHTTPS: the console served over HTTPS on doppel's one port,
// to Chromium trusting only the server's certificate: a root sign-in works,
// the session cookie is Secure, HttpOnly and SameSite=Strict, and pages
// behind it load.
func TestBrowserOverHTTPS(t *testing.T) {
	if os.Getenv("DOPPEL_SKIP_E2E") == "1" {
		t.Skip("DOPPEL_SKIP_E2E=1")
	}
	t.Parallel()
	srv := doppeltest.NewTLSServer(t)
	b := startBrowser(t, srv)
	b.signinRoot(srv.Account("account-a"))
	b.do("roles list over HTTPS", chromedp.Click(chromedp.CSS(`nav.services a[href$="/iam/roles"]`)), chromedp.WaitVisible(chromedp.ID("create-role")))

	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.Action[network.GetCookiesResult](func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL + "/_doppel/console/"}})
	}))
	if err != nil {
		t.Fatalf("reading cookies: %v", err)
	}
	cookies := res.Cookies
	if len(cookies) == 0 {
		t.Fatal("no console cookie over HTTPS")
	}
	for _, c := range cookies {
		if !c.Secure || !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
			t.Errorf("cookie %s: Secure %v, HttpOnly %v, SameSite %s; want Secure, HttpOnly, Strict", c.Name, c.Secure, c.HTTPOnly, c.SameSite)
		}
	}
	b.signout()
}
