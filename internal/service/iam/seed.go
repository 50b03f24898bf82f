package iam

import (
	"context"

	"github.com/doppel-aws/doppel/internal/store"
)

// MFADeviceSeed returns the Base32 seed of the virtual MFA device serial in
// account and the last time step a code of it was accepted. It authorizes
// nothing: it serves `doppel mfa code`, whose endpoint lets only the
// account's root user through, so tests and demos can run without a phone.
func (s *Service) MFADeviceSeed(ctx context.Context, account, serial string) (seed string, lastStep int64, found bool, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		d, ok, err := get[mfaRec](tx, mfaKey(account, serial))
		if err != nil || !ok {
			return err
		}
		seed, lastStep, found = d.Seed, d.LastStep, true
		return nil
	})
	return seed, lastStep, found, err
}
