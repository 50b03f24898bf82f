package iam

import (
	"context"

	"github.com/doppel-aws/doppel/internal/store"
)

// ConsoleUser is what the console's sign-in needs to know about an IAM user
// before the user is signed in (and so before anything can be authorized as
// them): who they are, whether they have a console password, and the serial
// numbers of their enabled MFA devices.
type ConsoleUser struct {
	Name        string
	ARN         string
	UserID      string
	HasPassword bool
	// ResetRequired: the user must choose a new password at sign-in
	// (CreateLoginProfile / UpdateLoginProfile PasswordResetRequired).
	ResetRequired bool
	MFASerials    []string
}

// LookupConsoleUser returns the user name (matched without regard to case, as
// IAM names are) in account. It authorizes nothing: only the console's
// sign-in calls it, and it reveals nothing to the person signing in before the
// password has been checked with CheckPassword.
func (s *Service) LookupConsoleUser(ctx context.Context, account, name string) (ConsoleUser, bool, error) {
	var out ConsoleUser
	found := false
	err := s.view(ctx, func(tx store.Tx) error {
		u, ok, err := get[userRec](tx, recordKey(account, kindUser, name))
		if err != nil || !ok {
			return err
		}
		found = true
		out = ConsoleUser{
			Name: u.Name, ARN: userARN(account, u), UserID: u.ID,
			HasPassword: u.Login != nil, MFASerials: append([]string(nil), u.MFA...),
		}
		if u.Login != nil {
			out.ResetRequired = u.Login.ResetRequired
		}
		return nil
	})
	return out, found, err
}
