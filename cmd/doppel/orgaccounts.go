package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

func init() {
	register("accounts", command{summary: "list the accounts and where each sits in its organization", run: runAccounts})
}

const accountsUsage = `Usage: doppel accounts [--data DIR]

Lists the running doppel's accounts: those with root credentials in the data
directory's profiles, and the members of every organization one of them
manages (accounts AWS Organizations created have no root keys; reach them
with doppel env NAME). For each: name, ID, organization, and its place from
the root ("Root/workloads/prod"), or "-" outside any organization.

Flags:`

func runAccounts(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doppel accounts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", ".doppel", "the data `DIR`ectory of the running doppel")
	fs.Usage = func() {
		fmt.Fprintln(stderr, accountsUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	profiles, err := clientconfig.ReadProfiles(*dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "doppel accounts:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := accountRows(ctx, profiles)
	if err != nil {
		fmt.Fprintln(stderr, "doppel accounts:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tORGANIZATION\tPLACE\tSTATUS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.name, r.id, r.org, r.place, r.status)
	}
	tw.Flush()
	return 0
}

type accountRow struct{ name, id, org, place, status string }

// accountRows asks the running doppel, as each root profile, which
// organization its account is in and, for management accounts, where every
// member sits.
func accountRows(ctx context.Context, profiles []clientconfig.Profile) ([]accountRow, error) {
	rows := map[string]*accountRow{}
	for _, p := range profiles {
		rows[p.Account] = &accountRow{name: p.Name, id: p.Account, org: "-", place: "-", status: "-"}
	}
	for _, p := range profiles {
		if p.AccessKeyID == "" || p.EndpointURL == "" {
			continue
		}
		c := organizations.NewFromConfig(aws.Config{
			Region: p.Region, BaseEndpoint: aws.String(p.EndpointURL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, ""),
		})
		d, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "AWSOrganizationsNotInUseException" {
				continue
			}
			return nil, fmt.Errorf("as %s: %w", p.Name, err)
		}
		if aws.ToString(d.Organization.MasterAccountId) != p.Account {
			continue // the management account's own profile lists the members
		}
		if err := orgRows(ctx, c, aws.ToString(d.Organization.Id), rows); err != nil {
			return nil, fmt.Errorf("as %s: %w", p.Name, err)
		}
	}
	out := make([]accountRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// orgRows walks an organization from its root and fills rows for its
// accounts.
func orgRows(ctx context.Context, c *organizations.Client, orgID string, rows map[string]*accountRow) error {
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return err
	}
	var walk func(parent, place string) error
	walk = func(parent, place string) error {
		accts := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
		for accts.HasMorePages() {
			page, err := accts.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, a := range page.Accounts {
				id := aws.ToString(a.Id)
				r := rows[id]
				if r == nil {
					r = &accountRow{name: aws.ToString(a.Name), id: id}
					rows[id] = r
				}
				r.org, r.place, r.status = orgID, place, string(a.Status)
			}
		}
		ous := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for ous.HasMorePages() {
			page, err := ous.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, ou := range page.OrganizationalUnits {
				if err := walk(aws.ToString(ou.Id), place+"/"+strings.ReplaceAll(aws.ToString(ou.Name), "/", "_")); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, r := range roots.Roots {
		if err := walk(aws.ToString(r.Id), aws.ToString(r.Name)); err != nil {
			return err
		}
	}
	return nil
}
