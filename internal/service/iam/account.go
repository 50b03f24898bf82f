package iam

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// Entity quotas per account (IAM User Guide, "IAM object quotas"), the
// defaults an account starts with.
const (
	usersQuota    = 5000
	groupsQuota   = 300
	rolesQuota    = 1000
	policiesQuota = 1500
	profilesQuota = 1000
)

// aliasTable maps account aliases, which are unique across AWS, to accounts.
const aliasTable = "iam-account-aliases"

// countKind counts an account's records of one kind without decoding them.
func countKind(tx store.Tx, account, kind string) (int, error) {
	n := 0
	err := tx.Scan(table, kindPrefix(account, kind), "", func(string, []byte) (bool, error) {
		n++
		return true, nil
	})
	return n, err
}

// checkQuota refuses to create one more entity of kind past its quota.
func checkQuota(tx store.Tx, account, kind, name string, limit int) error {
	n, err := countKind(tx, account, kind)
	if err != nil {
		return err
	}
	if n >= limit {
		return quota(name, limit)
	}
	return nil
}

func accountKey(account string) string { return recordKey(account, kindAccount, "settings") }

// readAccount reads account's settings (the zero record when none are set).
func (s *Service) readAccount(ctx context.Context, account string) (accountRec, error) {
	var a accountRec
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		a, _, err = get[accountRec](tx, accountKey(account))
		return err
	})
	return a, err
}

// Login profiles. Passwords are kept only as salted PBKDF2-SHA256 hashes.

const pbkdf2Iterations = 10000

func hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, 32)
	if err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key), nil
}

func passwordMatches(hash, password string) bool {
	saltB64, keyB64, ok := strings.Cut(hash, "$")
	if !ok {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(saltB64)
	want, err2 := base64.RawStdEncoding.DecodeString(keyB64)
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// checkPassword applies the account's password policy, or AWS's default one
// when none is set: at least 8 characters of at least three of the four
// character types (IAM User Guide, "Set an account password policy").
func checkPassword(p *passwordPolicy, password string) error {
	var upper, lowerc, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lowerc = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	ok := true
	if p == nil {
		kinds := 0
		for _, b := range []bool{upper, lowerc, digit, symbol} {
			if b {
				kinds++
			}
		}
		ok = len(password) >= 8 && kinds >= 3
	} else {
		ok = int32(len(password)) >= p.MinimumPasswordLength &&
			(!p.RequireUppercaseCharacters || upper) && (!p.RequireLowercaseCharacters || lowerc) &&
			(!p.RequireNumbers || digit) && (!p.RequireSymbols || symbol)
	}
	if !ok {
		return awserr.New(http.StatusBadRequest, "PasswordPolicyViolation", "Password does not conform to the account password policy.")
	}
	return nil
}

func (s *Service) CreateLoginProfile(ctx context.Context, in *iamapi.CreateLoginProfileInput) (*iamapi.CreateLoginProfileOutput, error) {
	t, err := s.authUser(ctx, "CreateLoginProfile", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, internal(err)
	}
	var lp loginProfile
	err = s.update(ctx, func(tx store.Tx) error {
		a, _, err := get[accountRec](tx, accountKey(t.account))
		if err != nil {
			return err
		}
		return modify(tx, recordKey(t.account, kindUser, in.UserName), noSuchUser(in.UserName), func(u *userRec) error {
			if u.Login != nil {
				return alreadyExists("Login Profile for user %s already exists.", u.Name)
			}
			if err := checkPassword(a.PasswordPolicy, in.Password); err != nil {
				return err
			}
			now := s.now().UTC().Truncate(time.Second)
			lp = loginProfile{Password: hash, Created: now, Changed: now, ResetRequired: api.ToBool(in.PasswordResetRequired)}
			u.Login = &lp
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateLoginProfileOutput{LoginProfile: &iamapi.LoginProfile{
		UserName: t.rec.Name, CreateDate: lp.Created, PasswordResetRequired: api.Bool(lp.ResetRequired),
	}}, nil
}

func (s *Service) GetLoginProfile(ctx context.Context, in *iamapi.GetLoginProfileInput) (*iamapi.GetLoginProfileOutput, error) {
	t, err := s.authUser(ctx, "GetLoginProfile", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	if t.rec.Login == nil {
		return nil, noSuchLoginProfile(t.rec.Name)
	}
	return &iamapi.GetLoginProfileOutput{LoginProfile: &iamapi.LoginProfile{
		UserName: t.rec.Name, CreateDate: t.rec.Login.Created, PasswordResetRequired: api.Bool(t.rec.Login.ResetRequired),
	}}, nil
}

func (s *Service) UpdateLoginProfile(ctx context.Context, in *iamapi.UpdateLoginProfileInput) (*iamapi.UpdateLoginProfileOutput, error) {
	t, err := s.authUser(ctx, "UpdateLoginProfile", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		a, _, err := get[accountRec](tx, accountKey(t.account))
		if err != nil {
			return err
		}
		return modify(tx, recordKey(t.account, kindUser, in.UserName), noSuchUser(in.UserName), func(u *userRec) error {
			if u.Login == nil {
				return noSuchLoginProfile(u.Name)
			}
			if in.Password != nil {
				if err := checkPassword(a.PasswordPolicy, *in.Password); err != nil {
					return err
				}
				h, err := hashPassword(*in.Password)
				if err != nil {
					return err
				}
				u.Login.Password, u.Login.Changed = h, s.now().UTC().Truncate(time.Second)
			}
			if in.PasswordResetRequired != nil {
				u.Login.ResetRequired = *in.PasswordResetRequired
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateLoginProfileOutput{}, nil
}

func (s *Service) DeleteLoginProfile(ctx context.Context, in *iamapi.DeleteLoginProfileInput) (*iamapi.DeleteLoginProfileOutput, error) {
	t, err := s.authUser(ctx, "DeleteLoginProfile", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.modifyUser(ctx, t.account, in.UserName, func(u *userRec) error {
		if u.Login == nil {
			return noSuchLoginProfile(u.Name)
		}
		u.Login = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteLoginProfileOutput{}, nil
}

// ChangePassword changes the calling IAM user's own password.
func (s *Service) ChangePassword(ctx context.Context, in *iamapi.ChangePasswordInput) (*iamapi.ChangePasswordOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.Kind != identity.User {
		return nil, awserr.New(http.StatusBadRequest, "InvalidUserType", "Only IAM users can change their own password.")
	}
	t, err := s.authUser(ctx, "ChangePassword", p.Name, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		a, _, err := get[accountRec](tx, accountKey(t.account))
		if err != nil {
			return err
		}
		if a.PasswordPolicy != nil && !a.PasswordPolicy.AllowUsersToChangePassword {
			return awserr.AccessDenied("Users are not allowed to change their own password.")
		}
		return modify(tx, recordKey(t.account, kindUser, p.Name), noSuchUser(p.Name), func(u *userRec) error {
			if u.Login == nil {
				return noSuchLoginProfile(u.Name)
			}
			if !passwordMatches(u.Login.Password, in.OldPassword) {
				return awserr.AccessDenied("The old password is incorrect.")
			}
			if err := checkPassword(a.PasswordPolicy, in.NewPassword); err != nil {
				return err
			}
			h, err := hashPassword(in.NewPassword)
			if err != nil {
				return err
			}
			u.Login.Password, u.Login.ResetRequired, u.Login.Changed = h, false, s.now().UTC().Truncate(time.Second)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.ChangePasswordOutput{}, nil
}

// CheckPassword tells whether password is the console password of user in
// account, for the console's sign-in, and records PasswordLastUsed.
func (s *Service) CheckPassword(ctx context.Context, account, user, password string) (bool, error) {
	ok := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, found, err := get[userRec](tx, recordKey(account, kindUser, user))
		if err != nil || !found || u.Login == nil {
			return err
		}
		if ok = passwordMatches(u.Login.Password, password); !ok {
			return nil
		}
		u.PasswordLastUsed = api.Time(s.now().UTC().Truncate(time.Second))
		return put(tx, recordKey(account, kindUser, u.Name), u)
	})
	return ok, err
}

// Account alias.

var aliasPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9]|-[a-z0-9])*$`)

func (s *Service) CreateAccountAlias(ctx context.Context, in *iamapi.CreateAccountAliasInput) (*iamapi.CreateAccountAliasOutput, error) {
	if len(in.AccountAlias) < 3 || len(in.AccountAlias) > 63 || !aliasPattern.MatchString(in.AccountAlias) {
		return nil, validationError(in.AccountAlias, "accountAlias", `must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`)
	}
	account, err := s.begin(ctx, "CreateAccountAlias", nil, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		owner, err := tx.Get(aliasTable, in.AccountAlias)
		switch {
		case err == nil && string(owner) != account:
			return alreadyExists("The account alias %s already exists.", in.AccountAlias)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
		a, _, err := get[accountRec](tx, accountKey(account))
		if err != nil {
			return err
		}
		// An account has one alias; a new one replaces it.
		if a.Alias != "" && a.Alias != in.AccountAlias {
			if err := tx.Delete(aliasTable, a.Alias); err != nil {
				return err
			}
		}
		a.Alias = in.AccountAlias
		if err := tx.Put(aliasTable, a.Alias, []byte(account)); err != nil {
			return err
		}
		return put(tx, accountKey(account), a)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateAccountAliasOutput{}, nil
}

func (s *Service) DeleteAccountAlias(ctx context.Context, in *iamapi.DeleteAccountAliasInput) (*iamapi.DeleteAccountAliasOutput, error) {
	account, err := s.begin(ctx, "DeleteAccountAlias", nil, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		a, _, err := get[accountRec](tx, accountKey(account))
		if err != nil {
			return err
		}
		if a.Alias != in.AccountAlias {
			return noSuchEntity("The account alias %s does not exist.", in.AccountAlias)
		}
		if err := tx.Delete(aliasTable, a.Alias); err != nil {
			return err
		}
		a.Alias = ""
		return put(tx, accountKey(account), a)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteAccountAliasOutput{}, nil
}

func (s *Service) ListAccountAliases(ctx context.Context, in *iamapi.ListAccountAliasesInput) (*iamapi.ListAccountAliasesOutput, error) {
	account, err := s.begin(ctx, "ListAccountAliases", nil, nil)
	if err != nil {
		return nil, err
	}
	a, err := s.readAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	aliases := []string{}
	if a.Alias != "" {
		aliases = append(aliases, a.Alias)
	}
	pg, trunc, marker, err := page(aliases, func(s string) string { return s }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if pg == nil {
		pg = []string{}
	}
	return &iamapi.ListAccountAliasesOutput{AccountAliases: pg, IsTruncated: trunc, Marker: marker}, nil
}

// AccountAlias returns account's alias ("" when none), for the console.
func (s *Service) AccountAlias(ctx context.Context, account string) (string, error) {
	a, err := s.readAccount(ctx, account)
	return a.Alias, err
}

// Password policy.

func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, in *iamapi.UpdateAccountPasswordPolicyInput) (*iamapi.UpdateAccountPasswordPolicyOutput, error) {
	if in.MinimumPasswordLength != nil && (*in.MinimumPasswordLength < 6 || *in.MinimumPasswordLength > 128) {
		return nil, validationError(itoa(int(*in.MinimumPasswordLength)), "minimumPasswordLength", "must have value between 6 and 128")
	}
	if in.MaxPasswordAge != nil && (*in.MaxPasswordAge < 1 || *in.MaxPasswordAge > 1095) {
		return nil, validationError(itoa(int(*in.MaxPasswordAge)), "maxPasswordAge", "must have value between 1 and 1095")
	}
	if in.PasswordReusePrevention != nil && (*in.PasswordReusePrevention < 1 || *in.PasswordReusePrevention > 24) {
		return nil, validationError(itoa(int(*in.PasswordReusePrevention)), "passwordReusePrevention", "must have value between 1 and 24")
	}
	account, err := s.begin(ctx, "UpdateAccountPasswordPolicy", nil, nil)
	if err != nil {
		return nil, err
	}
	// Absent parameters take their default values (IAM API reference,
	// UpdateAccountPasswordPolicy): the policy is replaced, not merged.
	p := &passwordPolicy{
		MinimumPasswordLength:      6,
		RequireSymbols:             api.ToBool(in.RequireSymbols),
		RequireNumbers:             api.ToBool(in.RequireNumbers),
		RequireUppercaseCharacters: api.ToBool(in.RequireUppercaseCharacters),
		RequireLowercaseCharacters: api.ToBool(in.RequireLowercaseCharacters),
		AllowUsersToChangePassword: api.ToBool(in.AllowUsersToChangePassword),
		MaxPasswordAge:             in.MaxPasswordAge,
		PasswordReusePrevention:    in.PasswordReusePrevention,
		HardExpiry:                 in.HardExpiry,
	}
	if in.MinimumPasswordLength != nil {
		p.MinimumPasswordLength = *in.MinimumPasswordLength
	}
	err = s.update(ctx, func(tx store.Tx) error {
		a, _, err := get[accountRec](tx, accountKey(account))
		if err != nil {
			return err
		}
		a.PasswordPolicy = p
		return put(tx, accountKey(account), a)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAccountPasswordPolicyOutput{}, nil
}

func noSuchPasswordPolicy(account string) error {
	return noSuchEntity("The Password Policy with domain name %s cannot be found.", account)
}

func (s *Service) GetAccountPasswordPolicy(ctx context.Context, in *iamapi.GetAccountPasswordPolicyInput) (*iamapi.GetAccountPasswordPolicyOutput, error) {
	account, err := s.begin(ctx, "GetAccountPasswordPolicy", nil, nil)
	if err != nil {
		return nil, err
	}
	a, err := s.readAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	p := a.PasswordPolicy
	if p == nil {
		return nil, noSuchPasswordPolicy(account)
	}
	return &iamapi.GetAccountPasswordPolicyOutput{PasswordPolicy: &iamapi.PasswordPolicy{
		MinimumPasswordLength: api.Int32(p.MinimumPasswordLength), RequireSymbols: api.Bool(p.RequireSymbols),
		RequireNumbers: api.Bool(p.RequireNumbers), RequireUppercaseCharacters: api.Bool(p.RequireUppercaseCharacters),
		RequireLowercaseCharacters: api.Bool(p.RequireLowercaseCharacters), AllowUsersToChangePassword: api.Bool(p.AllowUsersToChangePassword),
		ExpirePasswords: api.Bool(p.MaxPasswordAge != nil), MaxPasswordAge: p.MaxPasswordAge,
		PasswordReusePrevention: p.PasswordReusePrevention, HardExpiry: p.HardExpiry,
	}}, nil
}

func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context, in *iamapi.DeleteAccountPasswordPolicyInput) (*iamapi.DeleteAccountPasswordPolicyOutput, error) {
	account, err := s.begin(ctx, "DeleteAccountPasswordPolicy", nil, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		a, _, err := get[accountRec](tx, accountKey(account))
		if err != nil {
			return err
		}
		if a.PasswordPolicy == nil {
			return noSuchPasswordPolicy(account)
		}
		a.PasswordPolicy = nil
		return put(tx, accountKey(account), a)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteAccountPasswordPolicyOutput{}, nil
}

// GetAccountSummary reports the account's entity counts and quotas, with the
// keys AWS returns (some, such as Roles, are not in the model's enum).
func (s *Service) GetAccountSummary(ctx context.Context, in *iamapi.GetAccountSummaryInput) (*iamapi.GetAccountSummaryOutput, error) {
	account, err := s.begin(ctx, "GetAccountSummary", nil, nil)
	if err != nil {
		return nil, err
	}
	m := map[iamapi.SummaryKeyType]int32{
		"UsersQuota": usersQuota, "GroupsQuota": groupsQuota, "RolesQuota": rolesQuota, "PoliciesQuota": policiesQuota,
		"InstanceProfilesQuota": profilesQuota, "ServerCertificatesQuota": serverCertsQuota,
		"UserPolicySizeQuota": userInlineMax, "GroupPolicySizeQuota": groupInlineMax, "RolePolicySizeQuota": roleInlineMax,
		"PolicySizeQuota": managedPolicyMax, "AssumeRolePolicySizeQuota": trustPolicyMax,
		"GroupsPerUserQuota": maxGroupsPerUser, "SigningCertificatesPerUserQuota": signingCertsPerUser, "AccessKeysPerUserQuota": maxAccessKeys,
		"AttachedPoliciesPerUserQuota": maxAttached, "AttachedPoliciesPerGroupQuota": maxAttached, "AttachedPoliciesPerRoleQuota": maxAttached,
		"VersionsPerPolicyQuota": maxPolicyVersions, "PolicyVersionsInUseQuota": 10000, "GlobalEndpointTokenVersion": 1,
		"AccountMFAEnabled": 0, "AccountSigningCertificatesPresent": 0,
	}
	err = s.view(ctx, func(tx store.Tx) error {
		for key, kind := range map[iamapi.SummaryKeyType]string{"Users": kindUser, "Groups": kindGroup, "Roles": kindRole, "Policies": kindPolicy, "InstanceProfiles": kindProfile, "MFADevices": kindMFA, "ServerCertificates": kindServerCert} {
			n, err := countKind(tx, account, kind)
			if err != nil {
				return err
			}
			m[key] = int32(n)
		}
		// Providers counts both kinds of identity provider.
		oidc, err := countKind(tx, account, kindOIDC)
		if err != nil {
			return err
		}
		saml, err := countKind(tx, account, kindSAML)
		if err != nil {
			return err
		}
		m["Providers"] = int32(oidc + saml)
		devices, err := scan[mfaRec](tx, account, kindMFA)
		if err != nil {
			return err
		}
		inUse := 0
		for _, d := range devices {
			if d.User != "" {
				inUse++
			}
		}
		m["MFADevicesInUse"] = int32(inUse)
		// Policy versions in use: every attachment of a managed policy, as AWS
		// counts them.
		inUse = 0
		for _, kind := range []string{kindPolicy, kindAWSUsage} {
			err := tx.Scan(table, kindPrefix(account, kind), "", func(_ string, b []byte) (bool, error) {
				var c struct{ Attachments, BoundaryUses int }
				if err := jsonUnmarshal(b, &c); err != nil {
					return false, err
				}
				inUse += c.Attachments + c.BoundaryUses
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		m["PolicyVersionsInUse"] = int32(inUse)
		a, _, err := get[accountRec](tx, accountKey(account))
		if err != nil {
			return err
		}
		if a.TokenVersion == 2 {
			m["GlobalEndpointTokenVersion"] = 2
		}
		rootKeys, err := identity.ListAccessKeys(tx, account, "")
		if err != nil {
			return err
		}
		if len(rootKeys) > 0 {
			m["AccountAccessKeysPresent"] = 1
		}
		rootCerts, err := userRecords[signingCertRec](tx, account, kindSigningCert, "")
		if err != nil {
			return err
		}
		if len(rootCerts) > 0 {
			m["AccountSigningCertificatesPresent"] = 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetAccountSummaryOutput{SummaryMap: m}, nil
}

// SetSecurityTokenServicePreferences records which tokens the STS global
// endpoint issues; GetAccountSummary reports it. doppel's tokens work in
// every region either way.
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, in *iamapi.SetSecurityTokenServicePreferencesInput) (*iamapi.SetSecurityTokenServicePreferencesOutput, error) {
	version := int32(1)
	switch in.GlobalEndpointTokenVersion {
	case iamapi.GlobalEndpointTokenVersionV1Token:
	case iamapi.GlobalEndpointTokenVersionV2Token:
		version = 2
	default:
		return nil, validationError(string(in.GlobalEndpointTokenVersion), "globalEndpointTokenVersion", "must satisfy enum value set: [v1Token, v2Token]")
	}
	account, err := s.begin(ctx, "SetSecurityTokenServicePreferences", nil, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		a, _, err := get[accountRec](tx, accountKey(account))
		if err != nil {
			return err
		}
		a.TokenVersion = version
		return put(tx, accountKey(account), a)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.SetSecurityTokenServicePreferencesOutput{}, nil
}
