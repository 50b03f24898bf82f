package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/doppel-aws/doppel/internal/policy"
)

func init() {
	register("policy", command{summary: "evaluate or validate IAM policies offline", run: runPolicy})
}

const policyUsage = `Usage:
  doppel policy eval [--explain] FILE|-
      Evaluate one authorization request, or a JSON array of them, as AWS
      would. Prints one JSON object per request per line:
      {"decision": "Allow"|"ExplicitDeny"|"ImplicitDeny", "message": "...", "trace": [...]}
      --explain prints a readable trace of every statement instead.
  doppel policy validate [--kind KIND] FILE|-
      Check a policy document as IAM does and report errors and warnings in
      the manner of IAM Access Analyzer. KIND is identity (default), resource,
      trust, boundary, session, scp or rcp. Exits 1 when there are errors.

A request file looks like:
  {"request": {"principal_arn": "arn:aws:iam::111122223333:user/alice",
               "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key",
               "resource_account": "444455556666",
               "context": {"aws:SourceIp": "203.0.113.7"}},
   "identity_policies": [{...}], "resource_policy": {...}|null,
   "permissions_boundary": null, "session_policies": null, "scps": null, "rcps": null}
"resource_policy_kind": "resource" or "trust" says what resource_policy is;
without it, a trust policy for sts:AssumeRole* and the session actions.
`

func runPolicy(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, policyUsage)
		return 0
	}
	if len(args) > 1 && (args[1] == "-h" || args[1] == "--help") {
		fmt.Fprint(stdout, policyUsage)
		return 0
	}
	switch args[0] {
	case "eval":
		return runPolicyEval(args[1:], stdin, stdout, stderr)
	case "validate":
		return runPolicyValidate(args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "doppel policy: unknown subcommand %q\n\n%s", args[0], policyUsage)
	return 2
}

// policyArgs splits flags from the one FILE argument; flags may come before
// or after it. valueFlags take a value ("--kind trust" or "--kind=trust").
func policyArgs(args []string, boolFlags, valueFlags []string) (file string, flags map[string]string, err error) {
	flags = map[string]string{}
	is := func(list []string, name string) bool {
		for _, f := range list {
			if f == name {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-" || !strings.HasPrefix(a, "-") {
			if file != "" {
				return "", nil, fmt.Errorf("one FILE expected, got %q and %q", file, a)
			}
			file = a
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case is(boolFlags, name) && !hasValue:
			flags[name] = "true"
		case is(valueFlags, name):
			if !hasValue {
				if i+1 >= len(args) {
					return "", nil, fmt.Errorf("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
			flags[name] = value
		default:
			return "", nil, fmt.Errorf("unknown flag %s", a)
		}
	}
	if file == "" {
		return "", nil, fmt.Errorf("FILE (or - for standard input) is required")
	}
	return file, flags, nil
}

func readInput(file string, stdin io.Reader) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(file)
}

func runPolicyEval(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	file, flags, err := policyArgs(args, []string{"explain"}, nil)
	if err != nil {
		fmt.Fprintf(stderr, "doppel policy eval: %v\n\n%s", err, policyUsage)
		return 2
	}
	data, err := readInput(file, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "doppel policy eval: %v\n", err)
		return 1
	}
	cases, err := policy.DecodeEvalFile(data)
	if err != nil {
		fmt.Fprintf(stderr, "doppel policy eval: %v\n", err)
		return 1
	}
	explain := flags["explain"] != ""
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for i := range cases {
		c := &cases[i]
		if explain {
			fmt.Fprint(stdout, policy.ExplainText(&c.Request, policy.Explain(&c.Request, &c.Set)))
			continue
		}
		if err := enc.Encode(c.Run(false)); err != nil {
			fmt.Fprintf(stderr, "doppel policy eval: %v\n", err)
			return 1
		}
	}
	return 0
}

func runPolicyValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	file, flags, err := policyArgs(args, nil, []string{"kind"})
	if err != nil {
		fmt.Fprintf(stderr, "doppel policy validate: %v\n\n%s", err, policyUsage)
		return 2
	}
	kind := policy.Identity
	if k, ok := flags["kind"]; ok {
		if kind, ok = policy.ParseKind(k); !ok {
			fmt.Fprintf(stderr, "doppel policy validate: unknown --kind %q\n", k)
			return 2
		}
	}
	data, err := readInput(file, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "doppel policy validate: %v\n", err)
		return 1
	}
	findings := policy.Validate(string(data), kind)
	if findings == nil {
		findings = []policy.Finding{}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Findings []policy.Finding `json:"findings"`
	}{findings}); err != nil {
		fmt.Fprintf(stderr, "doppel policy validate: %v\n", err)
		return 1
	}
	for _, f := range findings {
		if f.Severity == policy.SeverityError {
			return 1
		}
	}
	return 0
}
