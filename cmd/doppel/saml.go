package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

func init() {
	register("saml", command{summary: "doppel's local SAML identity provider: its metadata, and signed responses", run: runSAML})
}

const samlUsage = `Usage: doppel saml metadata [--data DIR]
       doppel saml response [--data DIR] [--account NAME] --role ROLE_ARN,PROVIDER_ARN
                            --subject NAME [--session NAME] [--ttl DURATION] [--attr NAME=VALUE ...]

doppel runs a SAML 2.0 identity provider (entity ID https://saml.doppel.local/idp)
so AssumeRoleWithSAML can be tried without one:

  metadata   prints its metadata document, for
             aws iam create-saml-provider --saml-metadata-document file://...
  response   prints a signed, base64 SAMLResponse as AWS takes it
             (aws sts assume-role-with-saml --saml-assertion ...), whose Role
             attribute lists ROLE_ARN,PROVIDER_ARN (repeat --role for more) and
             whose RoleSessionName is --session (default: the subject); it is
             good for --ttl (default 5m). --attr adds attributes under their
             full names, e.g.
             https://aws.amazon.com/SAML/Attributes/PrincipalTag:team=ops

Both ask the running doppel; a response is signed only for the root user of
an account (the credentials doppel wrote into its data directory; the first
account unless --account).

Flags:`

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func runSAML(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	usage := strings.TrimSuffix(samlUsage, "\n\nFlags:")
	if len(args) == 0 || (args[0] != "metadata" && args[0] != "response") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, usage)
			return 0
		}
		fmt.Fprintln(stderr, usage)
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("doppel saml "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", ".doppel", "the data `DIR`ectory of the running doppel")
	account := fs.String("account", "", "the account (`NAME` or ID) whose root asks; default: the first")
	var roles, attrs repeated
	subject, session := new(string), new(string)
	ttl := new(time.Duration)
	if sub == "response" {
		fs.Var(&roles, "role", "`ROLE_ARN,PROVIDER_ARN` for the Role attribute (repeatable)")
		fs.StringVar(subject, "subject", "", "the NameID (`NAME`)")
		fs.StringVar(session, "session", "", "the RoleSessionName (`NAME`); default: the subject")
		fs.DurationVar(ttl, "ttl", 0, "how long the assertion is good (`DURATION`, at most 24h); default 5m")
		fs.Var(&attrs, "attr", "another attribute, `NAME=VALUE` (repeatable)")
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, samlUsage)
		printFlags(fs.Output(), fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 || (sub == "response" && (len(roles) == 0 || *subject == "")) {
		fs.Usage()
		return 2
	}
	p, err := clientconfig.ReadProfile(*dataDir, *account)
	if err != nil {
		fmt.Fprintln(stderr, "doppel saml "+sub+":", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out string
	if sub == "metadata" {
		var body []byte
		// The metadata is public; signing changes nothing.
		body, _, err = signedGet(ctx, http.DefaultClient, p, "/_doppel/saml/metadata", time.Now())
		out = strings.TrimSpace(string(body))
	} else {
		q := url.Values{"role": roles, "subject": {*subject}, "attr": attrs}
		if *session != "" {
			q.Set("session", *session)
		}
		if *ttl != 0 {
			q.Set("ttl", ttl.String())
		}
		var body []byte
		if body, _, err = signedGet(ctx, http.DefaultClient, p, "/_doppel/saml/response?"+q.Encode(), time.Now()); err == nil {
			var r struct{ SAMLResponse string }
			if json.Unmarshal(body, &r) != nil || r.SAMLResponse == "" {
				err = fmt.Errorf("unexpected answer from %s: %.200s", p.EndpointURL, body)
			}
			out = r.SAMLResponse
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "doppel saml "+sub+":", err)
		return 1
	}
	fmt.Fprintln(stdout, out)
	return 0
}
