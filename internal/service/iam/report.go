package iam

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// Credential reports (IAM User Guide, "Getting credential reports for your
// AWS account"). IAM keeps one report per account and makes a new one when
// asked if the last is more than four hours old; doppel writes it at once,
// so GenerateCredentialReport reports STARTED when it made one and COMPLETE
// when a recent one already existed.
const reportMaxAge = 4 * time.Hour

// reportColumns are the report's columns, in AWS's order.
var reportColumns = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// keyColumns are the five columns of one access key slot.
func keyColumns(keys []identity.AccessKey, i int) []string {
	if i >= len(keys) {
		return []string{"false", "N/A", "N/A", "N/A", "N/A"}
	}
	k := keys[i]
	out := []string{strconv.FormatBool(k.Status == identity.KeyActive), reportTime(k.CreateDate), "N/A", "N/A", "N/A"}
	if k.LastUsedDate != nil {
		out[2], out[3], out[4] = reportTime(*k.LastUsedDate), k.LastUsedRegion, k.LastUsedService
	}
	return out
}

// certColumns are the two signing certificate slots' columns.
func certColumns(certs []signingCertRec) []string {
	out := []string{"false", "N/A", "false", "N/A"}
	for i := 0; i < len(certs) && i < 2; i++ {
		out[2*i], out[2*i+1] = strconv.FormatBool(certs[i].Status == "Active"), reportTime(certs[i].Uploaded)
	}
	return out
}

func buildReport(tx store.Tx, account string, created time.Time, policy *passwordPolicy) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(reportColumns); err != nil {
		return nil, err
	}
	rootKeys, err := identity.ListAccessKeys(tx, account, "")
	if err != nil {
		return nil, err
	}
	// Every signing certificate, read once, by its user's name in lower case
	// ("" for the root user's).
	allCerts, err := scan[signingCertRec](tx, account, kindSigningCert)
	if err != nil {
		return nil, err
	}
	certsOf := map[string][]signingCertRec{}
	for _, c := range allCerts {
		certsOf[lower(c.User)] = append(certsOf[lower(c.User)], c)
	}
	root := []string{"<root_account>", identity.RootARN(account), reportTime(created), "not_supported", "no_information", "not_supported", "not_supported", "false"}
	root = append(append(append(root, keyColumns(rootKeys, 0)...), keyColumns(rootKeys, 1)...), certColumns(certsOf[""])...)
	if err := w.Write(root); err != nil {
		return nil, err
	}
	users, err := scan[userRec](tx, account, kindUser)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		keys, err := identity.ListAccessKeys(tx, account, u.Name)
		if err != nil {
			return nil, err
		}
		row := []string{u.Name, userARN(account, u), reportTime(u.Created), "false", "N/A", "N/A", "N/A", strconv.FormatBool(len(u.MFA) > 0)}
		if u.Login != nil {
			row[3], row[4], row[5] = "true", "no_information", reportTime(u.Login.Changed)
			if u.PasswordLastUsed != nil {
				row[4] = reportTime(*u.PasswordLastUsed)
			}
			if policy != nil && policy.MaxPasswordAge != nil {
				row[6] = reportTime(u.Login.Changed.AddDate(0, 0, int(*policy.MaxPasswordAge)))
			}
		}
		row = append(append(append(row, keyColumns(keys, 0)...), keyColumns(keys, 1)...), certColumns(certsOf[lower(u.Name)])...)
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func (s *Service) GenerateCredentialReport(ctx context.Context, in *iamapi.GenerateCredentialReportInput) (*iamapi.GenerateCredentialReportOutput, error) {
	account, err := s.begin(ctx, "GenerateCredentialReport", nil, nil)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	state := iamapi.ReportStateTypeCOMPLETE
	err = s.update(ctx, func(tx store.Tx) error {
		a, _, err := get[accountRec](tx, accountKey(account))
		if err != nil {
			return err
		}
		if a.Report != nil && now.Sub(a.Report.Generated) < reportMaxAge {
			return nil
		}
		created := now
		if acct, err := identity.GetAccount(tx, account); err == nil {
			created = acct.CreatedAt
		}
		report, err := buildReport(tx, account, created, a.PasswordPolicy)
		if err != nil {
			return err
		}
		a.Report = &credentialReport{Generated: now, CSV: report}
		state = iamapi.ReportStateTypeSTARTED
		return put(tx, accountKey(account), a)
	})
	if err != nil {
		return nil, err
	}
	out := &iamapi.GenerateCredentialReportOutput{State: &state}
	if state == iamapi.ReportStateTypeSTARTED {
		out.Description = api.String("No report exists. Starting a new report generation task")
	}
	return out, nil
}

func (s *Service) GetCredentialReport(ctx context.Context, in *iamapi.GetCredentialReportInput) (*iamapi.GetCredentialReportOutput, error) {
	account, err := s.begin(ctx, "GetCredentialReport", nil, nil)
	if err != nil {
		return nil, err
	}
	a, err := s.readAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	if a.Report == nil {
		// The model's description of CredentialReportNotPresentException.
		return nil, awserr.New(http.StatusGone, "ReportNotPresent", "The credential report does not exist. To generate a credential report, use GenerateCredentialReport.")
	}
	if s.now().Sub(a.Report.Generated) >= reportMaxAge {
		return nil, awserr.New(http.StatusGone, "ReportExpired", "The request was rejected because the most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.")
	}
	format := iamapi.ReportFormatTypeTextCsv
	return &iamapi.GetCredentialReportOutput{Content: a.Report.CSV, ReportFormat: &format, GeneratedTime: api.Time(a.Report.Generated)}, nil
}
