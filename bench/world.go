package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
)

// The names of what setUp creates in every server.
const (
	bucket    = "doppel-bench"
	smallKey  = "small/1k"
	benchUser = "bench"
	roleName  = "bench-target"
	listRoles = 10 // roles in account A for ListRoles to list
)

// clients are the aws-sdk-go-v2 clients of one caller, all sharing one
// keep-alive transport.
type clients struct {
	s3  *s3.Client
	sts *sts.Client
	iam *iam.Client
}

func newTransport(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
}

func newClients(url string, hc *http.Client, id, secret, token string) *clients {
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		HTTPClient:   hc,
		// One attempt per request, but for the client's own race below: a
		// retry would hide an error and count twice against the server's CPU.
		Retryer: func() aws.Retryer { return closedConnRetryer{} },
		Logger:  logging.Nop{},
	}
	return &clients{
		s3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		sts: sts.NewFromConfig(cfg),
		iam: iam.NewFromConfig(cfg),
	}
}

func callerIdentity(ctx context.Context, c *clients) error {
	_, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	return err
}

// closedConnRetries counts the retries closedConnRetryer allowed.
var closedConnRetries atomic.Int64

// closedConnRetryer retries one error only, once and at once: a read on a
// connection that the client's own transport closed while the answer was
// still arriving (net/http's writeLoop closes it when the SDK has already
// closed the request body; aws/aws-sdk-go-v2#2737). The SDK's default
// retryer retries it for the same reason (aws/aws-sdk-go-v2#2949); it says
// nothing about the server, which had answered in full.
type closedConnRetryer struct{}

func (closedConnRetryer) IsErrorRetryable(err error) bool { return errors.Is(err, net.ErrClosed) }
func (closedConnRetryer) MaxAttempts() int                { return 2 }
func (closedConnRetryer) RetryDelay(int, error) (time.Duration, error) {
	closedConnRetries.Add(1)
	return 0, nil
}
func (closedConnRetryer) GetRetryToken(context.Context, error) (func(error) error, error) {
	return func(error) error { return nil }, nil
}
func (closedConnRetryer) GetInitialToken() func(error) error { return func(error) error { return nil } }

// answered says whether err still means the server answered the request.
// For the ceiling, any HTTP answer counts, parsed or not.
func answered(k *kind, err error) error {
	if err == nil || k.real {
		return err
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusOK {
		return nil
	}
	return err
}

// world is what the scenarios run against in one server: the bench user's
// clients (an IAM user in account A whose identity policy allows what the
// scenarios do, so each request is signed and goes through policy
// evaluation) and the role in account B it assumes.
type world struct {
	user    *clients
	roleARN string
}

func userPolicy() string {
	return `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"]},
 {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + accountB + `:role/` + roleName + `"},
 {"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`
}

// A role in B trusting account A: IAM users of A may assume it when their
// own policies allow it (IAM User Guide, "Cross-account policy evaluation
// logic"). Account roots cannot assume roles, hence the user.
func trustPolicy() string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountA + `:root"},"Action":"sts:AssumeRole"}]}`
}

// setUp creates the world as the roots of accounts A and B. Against moto,
// which accepts any key and keeps one default account, the same calls work
// and the role's ARN comes from moto's answer.
func setUp(ctx context.Context, url string, hc *http.Client, rootA, rootB rootKey) (*world, error) {
	a := newClients(url, hc, rootA.id, rootA.secret, "")
	b := newClients(url, hc, rootB.id, rootB.secret, "")
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("set-up: %s: %w", what, err)
		}
		return nil
	}
	if _, err := a.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(benchUser)}); err != nil {
		return nil, step("CreateUser", err)
	}
	if _, err := a.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(benchUser),
		PolicyName: aws.String("bench"), PolicyDocument: aws.String(userPolicy())}); err != nil {
		return nil, step("PutUserPolicy", err)
	}
	key, err := a.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(benchUser)})
	if err != nil {
		return nil, step("CreateAccessKey", err)
	}
	role, err := b.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(roleName),
		AssumeRolePolicyDocument: aws.String(trustPolicy())})
	if err != nil {
		return nil, step("CreateRole", err)
	}
	for i := range listRoles {
		if _, err := a.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("bench-list-%02d", i)),
			Path: aws.String("/bench/"), AssumeRolePolicyDocument: aws.String(trustPolicy())}); err != nil {
			return nil, step("CreateRole", err)
		}
	}
	if _, err := a.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return nil, step("CreateBucket", err)
	}
	w := &world{
		user:    newClients(url, hc, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, ""),
		roleARN: *role.Role.Arn,
	}
	if err := putSmall(ctx, w.user, smallKey); err != nil {
		return nil, step("PutObject", err)
	}
	return w, nil
}

// ceilingWorld is the world for the ceiling, which keeps no state.
func ceilingWorld(url string, hc *http.Client, k rootKey) *world {
	return &world{user: newClients(url, hc, k.id, k.secret, ""),
		roleARN: "arn:aws:iam::" + accountB + ":role/" + roleName}
}
