package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
)

// Tests that a caller is only ever itself, and that credentials belong to the
// identity that issued them, not to its name (issue 12).

const adminPolicy = "arn:aws:iam::aws:policy/AdministratorAccess"

// world is account A (111111111111) and B (222222222222), each as its root.
type world struct {
	srv          *doppeltest.Server
	iamA, iamB   *iam.Client
	rootA, rootB aws.Config
}

func newWorld(t *testing.T) *world {
	srv := doppeltest.NewServer(t)
	w := &world{srv: srv, rootA: srv.AWSConfig("account-a"), rootB: srv.AWSConfig("account-b")}
	w.iamA, w.iamB = iam.NewFromConfig(w.rootA), iam.NewFromConfig(w.rootB)
	return w
}

// must is for setup steps, which never fail unless doppel is broken.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// adminUser creates user name with AdministratorAccess and returns its keys.
func (w *world) adminUser(t *testing.T, admin *iam.Client, name string) aws.Config {
	t.Helper()
	ctx := context.Background()
	must(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	must(admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(adminPolicy)}))
	k := must(admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})).AccessKey
	return w.srv.ConfigFor(aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), "")
}

// adminRole creates role name with AdministratorAccess, trusting principal.
func adminRole(t *testing.T, admin *iam.Client, name, principal string) string {
	t.Helper()
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
	r := must(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}))
	must(admin.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(adminPolicy)}))
	return aws.ToString(r.Role.Arn)
}

func (w *world) assume(t *testing.T, as aws.Config, roleARN string) (aws.Config, error) {
	t.Helper()
	out, err := sts.NewFromConfig(as).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("session")})
	if err != nil {
		return aws.Config{}, err
	}
	c := out.Credentials
	return w.srv.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)), nil
}

// wantAPIError fails the test unless err is an AWS error with code and,
// when message is not empty, that message.
func wantAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	ok := errors.As(err, &ae)
	if !ok || ae.ErrorCode() != code || (message != "" && ae.ErrorMessage() != message) {
		t.Fatalf("got %v, want %s %q", err, code, message)
	}
}

func selfSignedCert(t *testing.T) string {
	t.Helper()
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "self"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key))
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

const nonUser = "Must specify userName when calling with non-User credentials"

// A role session that may do anything in IAM, assumed by a user of another
// account, must name a user: without UserName, every operation that defaults
// to the caller is a ValidationError, and nothing of the root user's changes.
func TestRoleSessionIsNotTheRootUser(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	roleARN := adminRole(t, w.iamA, "ops", "arn:aws:iam::222222222222:root")
	mallory := w.adminUser(t, w.iamB, "mallory")
	sess := must(w.assume(t, mallory, roleARN))
	client := iam.NewFromConfig(sess)

	rootKeys := func() []string {
		var ids []string
		for _, k := range must(w.iamA.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})).AccessKeyMetadata {
			ids = append(ids, aws.ToString(k.AccessKeyId)+"/"+string(k.Status))
		}
		return ids
	}
	before := rootKeys()
	rootKey := w.srv.Account("account-a").AccessKeyID
	certID := aws.String("ASCAEXAMPLEEXAMPLEEXAMPLE1")
	credID := aws.String("ACCAEXAMPLEEXAMPLEEXAM")
	cert := selfSignedCert(t)

	calls := map[string]func() error{
		"CreateAccessKey": func() error { _, err := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}); return err },
		"ListAccessKeys":  func() error { _, err := client.ListAccessKeys(ctx, &iam.ListAccessKeysInput{}); return err },
		"UpdateAccessKey": func() error {
			_, err := client.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(rootKey), Status: "Inactive"})
			return err
		},
		"DeleteAccessKey": func() error {
			_, err := client.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(rootKey)})
			return err
		},
		"UploadSigningCertificate": func() error {
			_, err := client.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String(cert)})
			return err
		},
		"ListSigningCertificates": func() error {
			_, err := client.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
			return err
		},
		"UpdateSigningCertificate": func() error {
			_, err := client.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{CertificateId: certID, Status: "Inactive"})
			return err
		},
		"DeleteSigningCertificate": func() error {
			_, err := client.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{CertificateId: certID})
			return err
		},
		"ListSSHPublicKeys": func() error { _, err := client.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{}); return err },
		"ListServiceSpecificCredentials": func() error {
			_, err := client.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{})
			return err
		},
		"ResetServiceSpecificCredential": func() error {
			_, err := client.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{ServiceSpecificCredentialId: credID})
			return err
		},
		"UpdateServiceSpecificCredential": func() error {
			_, err := client.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{ServiceSpecificCredentialId: credID, Status: "Inactive"})
			return err
		},
		"DeleteServiceSpecificCredential": func() error {
			_, err := client.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{ServiceSpecificCredentialId: credID})
			return err
		},
		"ListMFADevices": func() error { _, err := client.ListMFADevices(ctx, &iam.ListMFADevicesInput{}); return err },
		"GetMFADevice": func() error {
			_, err := client.GetMFADevice(ctx, &iam.GetMFADeviceInput{SerialNumber: aws.String("arn:aws:iam::111111111111:mfa/ops")})
			return err
		},
		"GetUser": func() error { _, err := client.GetUser(ctx, &iam.GetUserInput{}); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { wantAPIError(t, call(), "ValidationError", nonUser) })
	}
	// The pinned model (aws-sdk-go v1.55.8) still requires UserName for
	// the login profile operations, so leaving it out is refused before any
	// default could apply; newer IAM defaults it to the caller.
	// (aws-sdk-go-v2 itself refuses UpdateLoginProfile without it.)
	loginProfile := map[string]func() error{
		"CreateLoginProfile": func() error {
			_, err := client.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{Password: aws.String("Correct-Horse-1")})
			return err
		},
		"GetLoginProfile":    func() error { _, err := client.GetLoginProfile(ctx, &iam.GetLoginProfileInput{}); return err },
		"DeleteLoginProfile": func() error { _, err := client.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{}); return err },
	}
	for name, call := range loginProfile {
		t.Run(name, func(t *testing.T) { wantAPIError(t, call(), "ValidationError", "") })
	}
	if after := rootKeys(); !slices.Equal(after, before) {
		t.Fatalf("root's access keys changed: before %v, after %v", before, after)
	}
	certs := must(w.iamA.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}))
	if len(certs.Certificates) != 0 {
		t.Fatalf("root has signing certificates: %v", certs.Certificates)
	}

	// Naming a user still works: the role may manage A's users.
	must(w.iamA.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("app")}))
	k := must(client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("app")}))
	if got := aws.ToString(k.AccessKey.UserName); got != "app" {
		t.Fatalf("CreateAccessKey for app made a key of %q", got)
	}
}

// Users and the root act on themselves when they leave UserName out, also
// through a GetSessionToken session (with MFA, which IAM calls need).
func TestCallerWithoutUserNameIsItself(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice := iam.NewFromConfig(w.adminUser(t, w.iamA, "alice"))
	k := must(alice.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})).AccessKey
	if aws.ToString(k.UserName) != "alice" {
		t.Fatalf("alice's CreateAccessKey made a key of %q", aws.ToString(k.UserName))
	}
	u := must(alice.GetUser(ctx, &iam.GetUserInput{})).User
	if aws.ToString(u.UserName) != "alice" {
		t.Fatalf("alice's GetUser answered %q", aws.ToString(u.UserName))
	}
	keys := must(alice.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})).AccessKeyMetadata
	if len(keys) != 2 {
		t.Fatalf("alice lists %d keys, want her 2", len(keys))
	}
	root := must(w.iamA.GetUser(ctx, &iam.GetUserInput{})).User
	if aws.ToString(root.Arn) != "arn:aws:iam::111111111111:root" {
		t.Fatalf("root's GetUser answered %s", aws.ToString(root.Arn))
	}
}

const invalidToken = "The security token included in the request is invalid."

// stsCaller answers GetCallerIdentity with cfg.
func stsCaller(cfg aws.Config) error {
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	return err
}

func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// wantDead checks that cfg's temporary credentials are refused by STS, IAM
// and S3 with AWS's errors for an invalid token, and that the writes they
// attempt change nothing.
func (w *world) wantDead(t *testing.T, cfg aws.Config) {
	t.Helper()
	ctx := context.Background()
	wantAPIError(t, stsCaller(cfg), "InvalidClientTokenId", invalidToken)
	_, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("revived")})
	wantAPIError(t, err, "InvalidClientTokenId", invalidToken)
	_, err = s3Client(cfg).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("revived-bucket")})
	wantAPIError(t, err, "InvalidToken", "")
	_, err = w.iamA.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("revived")})
	wantAPIError(t, err, "NoSuchEntity", "")
	_, err = s3Client(w.rootA).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("revived-bucket")})
	if err == nil {
		t.Fatal("the dead session created a bucket")
	}
}

// A role session stays dead when a role of the same name is created again:
// the new role has a new unique ID.
func TestRoleSessionDiesWithItsRole(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice := w.adminUser(t, w.iamA, "alice")
	roleARN := adminRole(t, w.iamA, "deployer", "arn:aws:iam::111111111111:root")
	old := must(w.assume(t, alice, roleARN))
	if err := stsCaller(old); err != nil {
		t.Fatal(err)
	}
	must(w.iamA.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("deployer"), PolicyArn: aws.String(adminPolicy)}))
	must(w.iamA.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deployer")}))
	wantAPIError(t, stsCaller(old), "InvalidClientTokenId", invalidToken)
	if adminRole(t, w.iamA, "deployer", "arn:aws:iam::111111111111:root") != roleARN {
		t.Fatal("the new role has another ARN")
	}
	w.wantDead(t, old)
	// The new role's own sessions work.
	if err := stsCaller(must(w.assume(t, alice, roleARN))); err != nil {
		t.Fatalf("a session of the new role: %v", err)
	}
}

// A user's GetSessionToken and GetFederationToken credentials stay dead when
// a user of the same name is created again.
func TestUserSessionsDieWithTheirUser(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	bob := w.adminUser(t, w.iamA, "bob")
	st := sts.NewFromConfig(bob)
	c := must(st.GetSessionToken(ctx, &sts.GetSessionTokenInput{})).Credentials
	sessionCfg := w.srv.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	f := must(st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String(adminPolicy)}}})).Credentials
	fedCfg := w.srv.ConfigFor(aws.ToString(f.AccessKeyId), aws.ToString(f.SecretAccessKey), aws.ToString(f.SessionToken))
	for _, cfg := range []aws.Config{sessionCfg, fedCfg} {
		if err := stsCaller(cfg); err != nil {
			t.Fatal(err)
		}
	}

	// Delete bob as IAM requires: keys and policies first.
	for _, k := range must(w.iamA.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("bob")})).AccessKeyMetadata {
		must(w.iamA.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: k.AccessKeyId}))
	}
	must(w.iamA.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(adminPolicy)}))
	must(w.iamA.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")}))
	w.adminUser(t, w.iamA, "bob")

	t.Run("GetSessionToken", func(t *testing.T) { w.wantDead(t, sessionCfg) })
	t.Run("GetFederationToken", func(t *testing.T) { w.wantDead(t, fedCfg) })
}

// An access key belongs to its user: IAM refuses to delete a user who still
// has one, and a key deleted with its user does not come back for a new user
// of the same name.
func TestAccessKeyDiesWithItsUser(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dave := w.adminUser(t, w.iamA, "dave")
	if err := stsCaller(dave); err != nil {
		t.Fatal(err)
	}
	_, err := w.iamA.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dave")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	if stsCaller(dave) != nil {
		t.Fatal("dave's key stopped working although dave was not deleted")
	}
	for _, k := range must(w.iamA.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("dave")})).AccessKeyMetadata {
		must(w.iamA.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: k.AccessKeyId}))
	}
	must(w.iamA.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("dave"), PolicyArn: aws.String(adminPolicy)}))
	must(w.iamA.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dave")}))
	w.adminUser(t, w.iamA, "dave")
	wantAPIError(t, stsCaller(dave), "InvalidClientTokenId", invalidToken)
	_, err = iam.NewFromConfig(dave).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("revived")})
	wantAPIError(t, err, "InvalidClientTokenId", invalidToken)
	_, err = s3Client(dave).ListBuckets(ctx, &s3.ListBucketsInput{})
	wantAPIError(t, err, "InvalidAccessKeyId", "")
}

// A trust policy trusts the role it named when it was saved, not whichever
// role has that name later: once the role is deleted the policy shows its
// unique ID, and a role created again under the name may not assume.
func TestTrustPolicyBindsPrincipalByUniqueID(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// In B, role "ci" (assumed by B's user "erin") is trusted by A's role
	// "deploy".
	erin := w.adminUser(t, w.iamB, "erin")
	ciARN := adminRole(t, w.iamB, "ci", "arn:aws:iam::222222222222:root")
	oldID := aws.ToString(must(w.iamB.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ci")})).Role.RoleId)
	deployARN := adminRole(t, w.iamA, "deploy", ciARN)
	if _, err := w.assume(t, must(w.assume(t, erin, ciARN)), deployARN); err != nil {
		t.Fatalf("ci assuming deploy: %v", err)
	}
	trust := func() string {
		t.Helper()
		doc := aws.ToString(must(w.iamA.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("deploy")})).Role.AssumeRolePolicyDocument)
		s, err := url.QueryUnescape(doc)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if doc := trust(); !strings.Contains(doc, ciARN) {
		t.Fatalf("deploy's trust policy before: %s", doc)
	}

	must(w.iamB.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("ci"), PolicyArn: aws.String(adminPolicy)}))
	must(w.iamB.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ci")}))
	if doc := trust(); strings.Contains(doc, ciARN) || !strings.Contains(doc, `"`+oldID+`"`) {
		t.Fatalf("deploy's trust policy after ci was deleted: %s, want %s in place of the ARN", doc, oldID)
	}
	adminRole(t, w.iamB, "ci", "arn:aws:iam::222222222222:root")
	_, err := w.assume(t, must(w.assume(t, erin, ciARN)), deployARN)
	wantAPIError(t, err, "AccessDenied", "")

	// The policy as shown cannot be saved again: AWS refuses unique IDs.
	_, err = w.iamA.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"), PolicyDocument: aws.String(trust())})
	wantAPIError(t, err, "MalformedPolicyDocument", "")
	// Naming the new role again trusts it.
	must(w.iamA.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + ciARN + `"},"Action":"sts:AssumeRole"}]}`)}))
	if _, err := w.assume(t, must(w.assume(t, erin, ciARN)), deployARN); err != nil {
		t.Fatalf("the new ci, named again: %v", err)
	}
}

// A trust policy follows a user it names through a rename, and does not
// trust a new user created under the old name.
func TestTrustPolicyFollowsRenamedUser(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	frank := w.adminUser(t, w.iamA, "frank")
	roleARN := adminRole(t, w.iamA, "ops", "arn:aws:iam::111111111111:user/frank")
	must(w.iamA.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("frank"), NewUserName: aws.String("frank2")}))
	doc, _ := url.QueryUnescape(aws.ToString(must(w.iamA.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ops")})).Role.AssumeRolePolicyDocument))
	if !strings.Contains(doc, "arn:aws:iam::111111111111:user/frank2") {
		t.Fatalf("trust policy after the rename: %s", doc)
	}
	if _, err := w.assume(t, frank, roleARN); err != nil {
		t.Fatalf("renamed frank: %v", err)
	}
	impostor := w.adminUser(t, w.iamA, "frank")
	_, err := w.assume(t, impostor, roleARN)
	wantAPIError(t, err, "AccessDenied", "")
}
