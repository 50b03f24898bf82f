package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/console"
	"github.com/doppel-aws/doppel/internal/mfa"
)

const msgThrottled = "Too many failed sign-in attempts."

// userWithMFA creates an IAM user of account-a with a console password and
// an enabled virtual MFA device; it returns the device's seed.
func userWithMFA(t *testing.T, srv *doppeltest.Server, clk *clock, name, password string) string {
	t.Helper()
	ctx := context.Background()
	api := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := api.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String(name), Password: aws.String(password)}); err != nil {
		t.Fatal(err)
	}
	dev, err := api.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	step := mfa.Step(clk.now())
	c1, _ := mfa.Code(seed, step-1)
	c2, _ := mfa.Code(seed, step)
	if _, err := api.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String(name),
		SerialNumber: dev.VirtualMFADevice.SerialNumber, AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}); err != nil {
		t.Fatal(err)
	}
	return seed
}

// wrongCode is a code that is not the device's for any step near now.
func wrongCode(seed string, now time.Time) string {
	step := mfa.Step(now)
	for n := 0; ; n++ {
		c := strconv.Itoa(100000 + n)
		ok := true
		for s := step - 2; s <= step+2; s++ {
			if good, _ := mfa.Code(seed, s); good == c {
				ok = false
			}
		}
		if ok {
			return c
		}
	}
}

// Wrong passwords and root secrets are refused without being checked once
// an identity, or a client, has failed too often; the block grows with each
// failure after it, and ends on the console's clock.
func TestSignInGuessingIsThrottled(t *testing.T) {
	clk := newClock()
	srv := doppeltest.NewServer(t, doppeltest.WithClock(clk.now))
	a, b := srv.Account("account-a"), srv.Account("account-b")
	ctx := context.Background()
	api := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	api.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	if _, err := api.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("bob"), Password: aws.String("Bobs-Password-1")}); err != nil {
		t.Fatal(err)
	}
	bob := url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"bob"}, "password": {"Bobs-Password-1"}}
	with := func(v url.Values, k, val string) url.Values {
		out := url.Values{}
		for key, vs := range v {
			out[key] = vs
		}
		out.Set(k, val)
		return out
	}
	c := newClient(t, srv)
	c.get("/signin")
	for i := range 5 {
		// By ID and by name alike: one identity.
		acct := a.ID
		if i%2 == 1 {
			acct = "account-a"
		}
		code, _ := c.post("/signin", with(with(bob, "password", "guess-"+strconv.Itoa(i)), "account", acct))
		if code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d", i, code)
		}
	}
	code, body := c.post("/signin", with(bob, "user", "BOB"))
	if code != http.StatusTooManyRequests || !strings.Contains(body, msgThrottled) || !strings.Contains(body, "Wait 30s") {
		t.Fatalf("the right password after five wrong ones: %d\n%s", code, body)
	}
	if code, _ := c.get("/iam/roles"); code != 200 || !strings.Contains(c.last, `id="signin-submit"`) {
		t.Fatal("a throttled sign-in left a session")
	}
	clk.advance(31 * time.Second)
	if code, body := c.post("/signin", with(bob, "csrf", "")); code != 200 || !strings.Contains(body, "Console home") {
		t.Fatalf("after the block: %d\n%s", code, body)
	}

	// The root user: the same, and the block doubles with the next failure.
	root := url.Values{"mode": {"root"}, "account": {b.ID}, "access_key_id": {b.AccessKeyID}, "secret_access_key": {b.SecretAccessKey}}
	r := newClient(t, srv)
	r.get("/signin")
	for range 5 {
		r.post("/signin", with(root, "secret_access_key", "wrong"))
	}
	if code, _ := r.post("/signin", root); code != http.StatusTooManyRequests {
		t.Fatalf("root after five wrong secrets: %d", code)
	}
	clk.advance(31 * time.Second)
	if code, _ := r.post("/signin", with(root, "secret_access_key", "wrong")); code != http.StatusUnauthorized {
		t.Fatalf("after the first block: %d", code)
	}
	clk.advance(31 * time.Second)
	if code, body := r.post("/signin", root); code != http.StatusTooManyRequests || !strings.Contains(body, "Wait 29s") {
		t.Fatalf("second block (a minute): %d\n%s", code, body)
	}
	clk.advance(30 * time.Second)
	r.signinRoot(b)

	// The client: failures at many names block the address, whoever it
	// then names (6 + 5 failures so far, 9 more of made-up users).
	for i := range 9 {
		c := newClient(t, srv)
		c.get("/signin")
		c.post("/signin", with(bob, "user", "nobody"+strconv.Itoa(i)))
	}
	c = newClient(t, srv)
	c.get("/signin")
	if code, body := c.post("/signin", with(bob, "csrf", "")); code != http.StatusTooManyRequests || !strings.Contains(body, msgThrottled) {
		t.Fatalf("a good sign-in from a client with 20 failures: %d\n%s", code, body)
	}
}

// Wrong MFA codes count against the user: five end the pending sign-in and
// block the user, so that codes cannot be guessed at hundreds a second.
func TestMFAGuessingIsThrottled(t *testing.T) {
	clk := newClock()
	srv := doppeltest.NewServer(t, doppeltest.WithClock(clk.now))
	a := srv.Account("account-a")
	seed := userWithMFA(t, srv, clk, "alice", "Alices-Password-1")
	clk.advance(30 * time.Second) // the enabling codes are used
	form := url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"alice"}, "password": {"Alices-Password-1"}}

	c := newClient(t, srv)
	c.get("/signin")
	if _, body := c.post("/signin", form); !strings.Contains(body, `id="mfa_code"`) {
		t.Fatalf("no MFA step:\n%s", body)
	}
	bad := wrongCode(seed, clk.now())
	for i := range 4 {
		if code, body := c.post("/signin/mfa", url.Values{"mfa_code": {bad}}); code != http.StatusUnauthorized || !strings.Contains(body, `id="mfa_code"`) {
			t.Fatalf("wrong code %d: %d\n%s", i, code, body)
		}
	}
	code, body := c.post("/signin/mfa", url.Values{"mfa_code": {bad}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "Too many wrong MFA codes. Sign in again.") || strings.Contains(body, `id="mfa_code"`) {
		t.Fatalf("fifth wrong code: %d\n%s", code, body)
	}
	good, _ := mfa.Code(seed, mfa.Step(clk.now()))
	if _, body := c.post("/signin/mfa", url.Values{"mfa_code": {good}}); strings.Contains(body, "Console home") {
		t.Fatal("the right code signed in after the pending sign-in was dropped")
	}
	if code, body := c.post("/signin", form); code != http.StatusTooManyRequests || !strings.Contains(body, msgThrottled) {
		t.Fatalf("password after five wrong codes: %d\n%s", code, body)
	}

	clk.advance(31 * time.Second)
	if _, body := c.post("/signin", form); !strings.Contains(body, `id="mfa_code"`) {
		t.Fatalf("no MFA step after the block:\n%s", body)
	}
	good, _ = mfa.Code(seed, mfa.Step(clk.now()))
	if code, body := c.post("/signin/mfa", url.Values{"mfa_code": {good}}); code != 200 || !strings.Contains(body, "Console home") {
		t.Fatalf("the right code after the block: %d\n%s", code, body)
	}
}

// Codes guessed through STS (GetSessionToken's TokenCode, with the user's
// stolen keys) block the device for the console too: the right code is
// refused with a message that says why.
func TestMFAGuessedThroughSTSBlocksTheConsole(t *testing.T) {
	clk := newClock()
	srv := doppeltest.NewServer(t, doppeltest.WithClock(clk.now))
	a := srv.Account("account-a")
	ctx := context.Background()
	seed := userWithMFA(t, srv, clk, "alice", "Alices-Password-1")
	clk.advance(30 * time.Second)
	key, err := awsiam.NewFromConfig(srv.AWSConfig("account-a")).CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	stolen := awssts.NewFromConfig(srv.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	bad := wrongCode(seed, clk.now())
	for range 5 {
		if _, err := stolen.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String("arn:aws:iam::" + a.ID + ":mfa/alice"), TokenCode: aws.String(bad)}); err == nil {
			t.Fatal("a wrong code was accepted")
		}
	}
	c := newClient(t, srv)
	c.get("/signin")
	if _, body := c.post("/signin", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"alice"}, "password": {"Alices-Password-1"}}); !strings.Contains(body, `id="mfa_code"`) {
		t.Fatalf("no MFA step:\n%s", body)
	}
	good, _ := mfa.Code(seed, mfa.Step(clk.now()))
	if code, body := c.post("/signin/mfa", url.Values{"mfa_code": {good}}); code != http.StatusTooManyRequests || !strings.Contains(body, "Too many wrong codes were given for your MFA device.") {
		t.Fatalf("the right code on a blocked device: %d\n%s", code, body)
	}
	clk.advance(31 * time.Second)
	good, _ = mfa.Code(seed, mfa.Step(clk.now()))
	if code, body := c.post("/signin/mfa", url.Values{"mfa_code": {good}}); code != 200 || !strings.Contains(body, "Console home") {
		t.Fatalf("the right code after the block: %d\n%s", code, body)
	}
}

// A state-changing request that a browser marks as coming from another
// origin is refused even with the session's cookie and CSRF token.
func TestConsoleRefusesCrossOriginPosts(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	api := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	c := newClient(t, srv)
	c.signinRoot(a)
	post := func(name string, hdr map[string]string) int {
		form := url.Values{"csrf": {c.csrf}, "user_name": {name}}
		req, _ := http.NewRequest(http.MethodPost, c.base+"/iam/users", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, hdr := range map[string]map[string]string{
		"from-another-site":  {"Origin": "http://evil.example"},
		"from-another-port":  {"Origin": "http://" + strings.Split(strings.TrimPrefix(srv.URL, "http://"), ":")[0] + ":1"},
		"from-opaque-origin": {"Origin": "null"},
		"cross-site-fetch":   {"Sec-Fetch-Site": "cross-site"},
		"same-site-fetch":    {"Sec-Fetch-Site": "same-site"},
	} {
		if code := post(name, hdr); code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, code)
		}
		if _, err := api.GetUser(context.Background(), &awsiam.GetUserInput{UserName: aws.String(name)}); err == nil {
			t.Errorf("%s: the user was created", name)
		}
	}
	if code := post("same-origin", map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}); code != 200 {
		t.Fatalf("same-origin form: %d", code)
	}

	// Sign-in too (login CSRF).
	s := newClient(t, srv)
	s.get("/signin")
	form := url.Values{"csrf": {s.csrf}, "mode": {"root"}, "account": {a.ID}, "access_key_id": {a.AccessKeyID}, "secret_access_key": {a.SecretAccessKey}}
	req, _ := http.NewRequest(http.MethodPost, s.base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin sign-in: %d", resp.StatusCode)
	}
}

// A link from another site arrives without the Strict cookie: the console
// answers with a page that reloads itself from its own origin, and sets no
// cookie that would replace the signed-in person's.
func TestCrossSiteArrivalKeepsTheSession(t *testing.T) {
	srv := doppeltest.NewServer(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+console.Prefix+"/iam/roles", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 0 || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("cross-site arrival: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
}

// Anonymous sign-in page loads, however many, evict neither a sign-in
// waiting for its MFA code nor a signed-in session.
func TestAnonymousFloodKeepsPendingSignIns(t *testing.T) {
	clk := newClock()
	srv := doppeltest.NewServer(t, doppeltest.WithClock(clk.now))
	a := srv.Account("account-a")
	seed := userWithMFA(t, srv, clk, "alice", "Alices-Password-1")
	clk.advance(30 * time.Second)
	alice := newClient(t, srv)
	alice.get("/signin")
	if _, body := alice.post("/signin", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"alice"}, "password": {"Alices-Password-1"}}); !strings.Contains(body, `id="mfa_code"`) {
		t.Fatalf("no MFA step:\n%s", body)
	}
	root := newClient(t, srv)
	root.signinRoot(a)

	for i := range console.MaxSessions + 100 {
		resp, err := http.Get(srv.URL + console.Prefix + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("anonymous load %d: %d", i, resp.StatusCode)
		}
	}
	good, _ := mfa.Code(seed, mfa.Step(clk.now()))
	if code, body := alice.post("/signin/mfa", url.Values{"mfa_code": {good}}); code != 200 || !strings.Contains(body, "Console home") {
		t.Fatalf("the pending sign-in after the flood: %d\n%s", code, body)
	}
	if code, body := root.get("/iam/users"); code != 200 || !strings.Contains(body, "alice") {
		t.Fatalf("the signed-in session after the flood: %d", code)
	}
}
