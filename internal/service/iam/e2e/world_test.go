// Package e2e drives real clients, the AWS CLI and Terraform with its AWS
// provider, against an in-process doppel (internal/server, as `doppel serve`
// builds it) and checks IAM's answers. The clients are found by
// internal/testclients.
package e2e

import (
	"context"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/server"
	"github.com/doppel-aws/doppel/internal/store"
)

const account = "111111111111"

// world is a running doppel with one account and its root access key.
type world struct {
	url        string
	rootID     string
	rootSecret string
	srv        *server.Server
	iam        *iam.Client // as the root user
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Options{InMemory: true, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	w := &world{url: "http://" + ln.Addr().String(), srv: srv, rootID: identity.NewAccessKeyID(), rootSecret: identity.NewSecretAccessKey()}
	err = srv.Store.Update(ctx, func(tx store.Tx) error {
		if err := identity.CreateAccount(tx, identity.Account{ID: account, Name: "main", CreatedAt: time.Now(), RootAccessKeyID: w.rootID}); err != nil {
			return err
		}
		return identity.PutAccessKey(tx, identity.AccessKey{AccessKeyID: w.rootID, Secret: w.rootSecret, Account: account, Kind: identity.Root,
			Status: identity.KeyActive, CreateDate: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	w.iam = iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.url),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: w.rootID, SecretAccessKey: w.rootSecret}, nil
		})})
	return w
}
