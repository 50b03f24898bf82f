package iam

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/mfa"
	"github.com/doppel-aws/doppel/internal/store"
)

// maxMFAPerUser is the MFA-devices-per-user quota (IAM User Guide, "IAM and
// AWS STS quotas": up to eight MFA devices of any combination per user).
const maxMFAPerUser = 8

// mfaIssuer is the issuer AWS puts in virtual MFA URIs.
const mfaIssuer = "Amazon Web Services"

func mfaKey(account, serial string) string { return recordKey(account, kindMFA, serial) }

func mfaSerial(account, path, name string) string { return arn(account, "mfa", path, name) }

func invalidAuthCode() error {
	return awserr.New(http.StatusForbidden, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
}

// authMFA loads the virtual MFA device serial and authorizes action on it.
func (s *Service) authMFA(ctx context.Context, action, serial string, keys map[string][]string) (string, mfaRec, error) {
	p, err := caller(ctx)
	if err != nil {
		return "", mfaRec{}, err
	}
	var d mfaRec
	var found bool
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		d, found, err = get[mfaRec](tx, mfaKey(p.Account, serial))
		return err
	}); err != nil {
		return "", d, err
	}
	if found {
		keys = resourceTagKeys(keys, d.Tags, false)
	}
	res := serial
	if !strings.HasPrefix(serial, "arn:") {
		res = arn(p.Account, "mfa", "/", serial)
	}
	if err := s.authorize(ctx, p.Account, action, res, keys); err != nil {
		return "", d, err
	}
	if !found {
		return "", d, noSuchMFA(serial)
	}
	return p.Account, d, nil
}

func (s *Service) CreateVirtualMFADevice(ctx context.Context, in *iamapi.CreateVirtualMFADeviceInput) (*iamapi.CreateVirtualMFADeviceOutput, error) {
	if err := checkName(in.VirtualMFADeviceName, "virtualMFADeviceName", 226); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "CreateVirtualMFADevice", func(a string) string { return mfaSerial(a, path, in.VirtualMFADeviceName) }, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	seed, err := mfa.NewSeed()
	if err != nil {
		return nil, internal(err)
	}
	png, err := mfa.QRCodePNG(mfa.URI(mfaIssuer, in.VirtualMFADeviceName+"@"+account, seed))
	if err != nil {
		return nil, internal(err)
	}
	d := mfaRec{Name: in.VirtualMFADeviceName, Path: path, Serial: mfaSerial(account, path, in.VirtualMFADeviceName), Seed: seed, Created: s.now().UTC(), Tags: toTags(in.Tags)}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[mfaRec](tx, mfaKey(account, d.Serial)); err != nil {
			return err
		} else if found {
			return alreadyExists("MFADevice entity at the same path and name already exists.")
		}
		return put(tx, mfaKey(account, d.Serial), d)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateVirtualMFADeviceOutput{VirtualMFADevice: &iamapi.VirtualMFADevice{
		SerialNumber: d.Serial, Base32StringSeed: []byte(seed), QRCodePNG: png, Tags: fromTags(d.Tags),
	}}, nil
}

func (s *Service) DeleteVirtualMFADevice(ctx context.Context, in *iamapi.DeleteVirtualMFADeviceInput) (*iamapi.DeleteVirtualMFADeviceOutput, error) {
	account, _, err := s.authMFA(ctx, "DeleteVirtualMFADevice", in.SerialNumber, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		d, found, err := get[mfaRec](tx, mfaKey(account, in.SerialNumber))
		if err != nil {
			return err
		}
		if !found {
			return noSuchMFA(in.SerialNumber)
		}
		if d.User != "" {
			return deleteConflict("MFA device is already in use.")
		}
		return tx.Delete(table, mfaKey(account, in.SerialNumber))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteVirtualMFADeviceOutput{}, nil
}

func (s *Service) ListVirtualMFADevices(ctx context.Context, in *iamapi.ListVirtualMFADevicesInput) (*iamapi.ListVirtualMFADevicesOutput, error) {
	account, err := s.begin(ctx, "ListVirtualMFADevices", nil, nil)
	if err != nil {
		return nil, err
	}
	status := iamapi.AssignmentStatusTypeAny
	if in.AssignmentStatus != nil {
		status = *in.AssignmentStatus
	}
	var devices []mfaRec
	users := map[string]userRec{}
	err = s.view(ctx, func(tx store.Tx) error {
		all, err := scan[mfaRec](tx, account, kindMFA)
		if err != nil {
			return err
		}
		for _, d := range all {
			if (status == iamapi.AssignmentStatusTypeAssigned && d.User == "") || (status == iamapi.AssignmentStatusTypeUnassigned && d.User != "") {
				continue
			}
			if d.User != "" {
				u, _, err := get[userRec](tx, recordKey(account, kindUser, d.User))
				if err != nil {
					return err
				}
				users[d.User] = u
			}
			devices = append(devices, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := page(devices, func(d mfaRec) string { return lower(d.Serial) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListVirtualMFADevicesOutput{IsTruncated: trunc, Marker: marker, VirtualMFADevices: []iamapi.VirtualMFADevice{}}
	for _, d := range pg {
		v := iamapi.VirtualMFADevice{SerialNumber: d.Serial, EnableDate: d.Enabled}
		if d.User != "" {
			u := toUser(account, users[d.User], false)
			v.User = &u
		}
		out.VirtualMFADevices = append(out.VirtualMFADevices, v)
	}
	return out, nil
}

func (s *Service) EnableMFADevice(ctx context.Context, in *iamapi.EnableMFADeviceInput) (*iamapi.EnableMFADeviceOutput, error) {
	t, err := s.authUser(ctx, "EnableMFADevice", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		u, found, err := get[userRec](tx, recordKey(t.account, kindUser, in.UserName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchUser(in.UserName)
		}
		d, found, err := get[mfaRec](tx, mfaKey(t.account, in.SerialNumber))
		if err != nil {
			return err
		}
		if !found {
			return noSuchMFA(in.SerialNumber)
		}
		if d.User != "" {
			return alreadyExists("MFA Device is already in use.")
		}
		if len(u.MFA) >= maxMFAPerUser {
			return quota("MFADevicesPerUser", maxMFAPerUser)
		}
		now := s.now()
		step, err := mfa.VerifyConsecutive(d.Seed, in.AuthenticationCode1, in.AuthenticationCode2, now, d.LastStep)
		if err != nil {
			return invalidAuthCode()
		}
		d.LastStep = step
		d.User = u.Name
		d.Enabled = api.Time(now.UTC().Truncate(time.Second))
		u.MFA = append(u.MFA, d.Serial)
		if err := put(tx, mfaKey(t.account, d.Serial), d); err != nil {
			return err
		}
		return put(tx, recordKey(t.account, kindUser, u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.EnableMFADeviceOutput{}, nil
}

// userDevice loads user and its assigned device serial in tx.
func userDevice(tx store.Tx, account, user, serial string) (userRec, mfaRec, error) {
	u, found, err := get[userRec](tx, recordKey(account, kindUser, user))
	if err != nil {
		return u, mfaRec{}, err
	}
	if !found {
		return u, mfaRec{}, noSuchUser(user)
	}
	d, found, err := get[mfaRec](tx, mfaKey(account, serial))
	if err != nil {
		return u, d, err
	}
	if !found || !strings.EqualFold(d.User, u.Name) {
		return u, d, noSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	return u, d, nil
}

func (s *Service) DeactivateMFADevice(ctx context.Context, in *iamapi.DeactivateMFADeviceInput) (*iamapi.DeactivateMFADeviceOutput, error) {
	user := in.UserName
	t, err := s.authUser(ctx, "DeactivateMFADevice", user, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		u, d, err := userDevice(tx, t.account, user, in.SerialNumber)
		if err != nil {
			return err
		}
		u.MFA = remove(u.MFA, d.Serial)
		d.User = ""
		d.Enabled = nil
		if err := put(tx, mfaKey(t.account, d.Serial), d); err != nil {
			return err
		}
		return put(tx, recordKey(t.account, kindUser, u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeactivateMFADeviceOutput{}, nil
}

func (s *Service) ResyncMFADevice(ctx context.Context, in *iamapi.ResyncMFADeviceInput) (*iamapi.ResyncMFADeviceOutput, error) {
	t, err := s.authUser(ctx, "ResyncMFADevice", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		_, d, err := userDevice(tx, t.account, in.UserName, in.SerialNumber)
		if err != nil {
			return err
		}
		step, err := mfa.Resync(d.Seed, in.AuthenticationCode1, in.AuthenticationCode2, s.now(), d.LastStep)
		if err != nil {
			return invalidAuthCode()
		}
		d.LastStep = step
		return put(tx, mfaKey(t.account, d.Serial), d)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.ResyncMFADeviceOutput{}, nil
}

func (s *Service) ListMFADevices(ctx context.Context, in *iamapi.ListMFADevicesInput) (*iamapi.ListMFADevicesOutput, error) {
	name, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if name == "" {
		// The root user's own MFA is set up in the console, which doppel
		// does not model: it has none.
		if _, err := s.authKeyUser(ctx, "ListMFADevices", ""); err != nil {
			return nil, err
		}
		return &iamapi.ListMFADevicesOutput{MFADevices: []iamapi.MFADevice{}, IsTruncated: api.Bool(false)}, nil
	}
	t, err := s.authUser(ctx, "ListMFADevices", name, nil)
	if err != nil {
		return nil, err
	}
	var devices []mfaRec
	err = s.view(ctx, func(tx store.Tx) error {
		for _, serial := range t.rec.MFA {
			d, found, err := get[mfaRec](tx, mfaKey(t.account, serial))
			if err != nil {
				return err
			}
			if found {
				devices = append(devices, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := page(devices, func(d mfaRec) string { return lower(d.Serial) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListMFADevicesOutput{IsTruncated: trunc, Marker: marker, MFADevices: []iamapi.MFADevice{}}
	for _, d := range pg {
		out.MFADevices = append(out.MFADevices, iamapi.MFADevice{UserName: t.rec.Name, SerialNumber: d.Serial, EnableDate: *d.Enabled})
	}
	return out, nil
}

func (s *Service) TagMFADevice(ctx context.Context, in *iamapi.TagMFADeviceInput) (*iamapi.TagMFADeviceOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, _, err := s.authMFA(ctx, "TagMFADevice", in.SerialNumber, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, mfaKey(account, in.SerialNumber), noSuchMFA(in.SerialNumber), func(d *mfaRec) error {
			var err error
			d.Tags, err = mergeTags(d.Tags, in.Tags)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagMFADeviceOutput{}, nil
}

func (s *Service) UntagMFADevice(ctx context.Context, in *iamapi.UntagMFADeviceInput) (*iamapi.UntagMFADeviceOutput, error) {
	account, _, err := s.authMFA(ctx, "UntagMFADevice", in.SerialNumber, map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, mfaKey(account, in.SerialNumber), noSuchMFA(in.SerialNumber), func(d *mfaRec) error {
			d.Tags = removeTags(d.Tags, in.TagKeys)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagMFADeviceOutput{}, nil
}

func (s *Service) ListMFADeviceTags(ctx context.Context, in *iamapi.ListMFADeviceTagsInput) (*iamapi.ListMFADeviceTagsOutput, error) {
	_, d, err := s.authMFA(ctx, "ListMFADeviceTags", in.SerialNumber, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := pageTags(d.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListMFADeviceTagsOutput{Tags: pg, IsTruncated: trunc, Marker: marker}, nil
}

// ErrMFA is what CheckMFACode returns for a wrong or reused code; STS answers
// it with its own AccessDenied message.
var ErrMFA = errors.New("iam: MFA code not accepted")

// ErrMFAThrottled is what CheckMFACode returns, without looking at the code,
// while a device is blocked after too many wrong codes.
var ErrMFAThrottled = errors.New("iam: too many wrong MFA codes for the device")

// mfaCodeFailures wrong codes block a device's checks (package attempts: 30
// seconds, doubling up to 15 minutes), wherever the codes come from: STS's
// TokenCode, the console's sign-in. Without it a code falls to a few hundred
// guesses a second in minutes; AWS throttles too.
const mfaCodeFailures = 5

// ErrMFANotAssigned is what CheckMFACode returns when the serials name only
// MFA devices enabled for other users: the code is not looked at and
// nothing is counted, so nobody can spend another user's guesses.
var ErrMFANotAssigned = errors.New("iam: no such MFA device for the user")

// CheckMFACode verifies code for user in account against the virtual MFA
// devices among serials that are enabled for that user, and records the
// step so the code cannot be used again. It returns the serial that took
// the code. STS calls it for AssumeRole and GetSessionToken with
// SerialNumber and TokenCode (one serial), the console's sign-in with the
// user's devices.
//
// A device belonging to someone else is skipped before its code is
// checked. Wrong codes are counted per device, once for each of the user's
// devices when none took the code; the count and the check happen in one
// write transaction, which the store runs one at a time, so a burst of
// concurrent guesses cannot slip past the limit.
func (s *Service) CheckMFACode(ctx context.Context, account, user string, serials []string, code string) (string, error) {
	var accepted string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var mine []string
		var devices []mfaRec
		others, blocked := false, false
		for _, serial := range serials {
			d, found, err := get[mfaRec](tx, mfaKey(account, serial))
			if err != nil {
				return err
			}
			switch {
			case !found || d.User == "":
				continue
			case user == "" || d.User != user:
				others = true
			case s.mfaFailures.Blocked(account+" "+serial) > 0:
				blocked = true
			default:
				mine, devices = append(mine, serial), append(devices, d)
			}
		}
		if len(mine) == 0 {
			switch {
			case blocked:
				return ErrMFAThrottled
			case others:
				return ErrMFANotAssigned
			}
			return ErrMFA // no such device: a wrong code, as before
		}
		for i, d := range devices {
			step, err := mfa.Verify(d.Seed, code, s.now(), d.LastStep)
			if err != nil {
				continue
			}
			d.LastStep = step
			accepted = mine[i]
			return put(tx, mfaKey(account, mine[i]), d)
		}
		for _, serial := range mine {
			s.mfaFailures.Fail(account+" "+serial, mfaCodeFailures)
		}
		return ErrMFA
	})
	if err != nil {
		return "", err
	}
	s.mfaFailures.Forget(account + " " + accepted)
	return accepted, nil
}
