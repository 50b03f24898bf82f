package iam

import (
	"context"
	"crypto/rand"
	"net/http"
	"time"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/store"
)

// Service-specific credentials (IAM User Guide, "Service-specific
// credentials for IAM users"): a user name and password for one service
// (CodeCommit's Git over HTTPS, Amazon Keyspaces, Bedrock), kept with their
// user like SSH keys.

const (
	kindServiceCred         = "service-specific-credential"
	serviceCredsPerService  = 2
	servicePasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
)

// credentialServices are the services that take service-specific credentials.
var credentialServices = map[string]bool{
	"codecommit.amazonaws.com": true,
	"cassandra.amazonaws.com":  true,
	"bedrock.amazonaws.com":    true,
}

type serviceCredRec struct {
	ID          string
	User        string
	Service     string
	ServiceUser string
	Password    string
	Status      string
	Created     time.Time
}

func noSuchServiceCred(id string) error {
	return noSuchEntity("No such credential %s exists", id)
}

func toServiceCred(c serviceCredRec) *iamapi.ServiceSpecificCredential {
	return &iamapi.ServiceSpecificCredential{
		CreateDate: c.Created, ServiceName: c.Service, ServiceUserName: c.ServiceUser, ServicePassword: c.Password,
		ServiceSpecificCredentialId: c.ID, UserName: c.User, Status: iamapi.StatusType(c.Status),
	}
}

// servicePassword is a new random password of the length AWS issues.
func servicePassword() string {
	b := make([]byte, 44)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	for i := range b {
		b[i] = servicePasswordAlphabet[int(b[i])%len(servicePasswordAlphabet)]
	}
	return string(b)
}

func (s *Service) CreateServiceSpecificCredential(ctx context.Context, in *iamapi.CreateServiceSpecificCredentialInput) (*iamapi.CreateServiceSpecificCredentialOutput, error) {
	if !credentialServices[in.ServiceName] {
		return nil, awserr.New(http.StatusNotFound, "NotSupportedService", "The specified service does not support service-specific credentials.")
	}
	t, err := s.authUser(ctx, "CreateServiceSpecificCredential", in.UserName, map[string][]string{"iam:ServiceSpecificCredentialServiceName": {in.ServiceName}})
	if err != nil {
		return nil, err
	}
	c := serviceCredRec{
		ID: newID("ACCA"), User: t.rec.Name, Service: in.ServiceName, ServiceUser: t.rec.Name + "-at-" + t.account,
		Password: servicePassword(), Status: "Active", Created: s.now().UTC().Truncate(time.Second),
	}
	err = s.update(ctx, func(tx store.Tx) error {
		creds, err := userRecords[serviceCredRec](tx, t.account, kindServiceCred, c.User)
		if err != nil {
			return err
		}
		n := 0
		for _, other := range creds {
			if other.Service == c.Service {
				n++
			}
		}
		if n >= serviceCredsPerService {
			return quota("ServiceSpecificCredentialsPerUserPerService", serviceCredsPerService)
		}
		return put(tx, recordKey(t.account, kindServiceCred, c.ID), c)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateServiceSpecificCredentialOutput{ServiceSpecificCredential: toServiceCred(c)}, nil
}

// modifyServiceCred applies fn to credential id of user (the caller when
// name is empty) in one transaction.
func (s *Service) modifyServiceCred(ctx context.Context, action string, name *string, id string, fn func(tx store.Tx, account string, c *serviceCredRec) error) error {
	user, err := targetUser(ctx, name)
	if err != nil {
		return err
	}
	// iam:ServiceSpecificCredentialServiceName is the credential's service.
	var keys map[string][]string
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if err := s.view(ctx, func(tx store.Tx) error {
		c, found, err := get[serviceCredRec](tx, recordKey(p.Account, kindServiceCred, id))
		if found {
			keys = map[string][]string{"iam:ServiceSpecificCredentialServiceName": {c.Service}}
		}
		return err
	}); err != nil {
		return err
	}
	if user == "" {
		// The root user has no service-specific credentials.
		if _, err := s.authKeyUser(ctx, action, user); err != nil {
			return err
		}
		return noSuchServiceCred(id)
	}
	t, err := s.authUser(ctx, action, user, keys)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx store.Tx) error {
		c, err := userRecord[serviceCredRec](tx, t.account, kindServiceCred, t.rec.Name, id, noSuchServiceCred(id))
		if err != nil {
			return err
		}
		return fn(tx, t.account, &c)
	})
}

func (s *Service) ResetServiceSpecificCredential(ctx context.Context, in *iamapi.ResetServiceSpecificCredentialInput) (*iamapi.ResetServiceSpecificCredentialOutput, error) {
	var out serviceCredRec
	err := s.modifyServiceCred(ctx, "ResetServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId, func(tx store.Tx, account string, c *serviceCredRec) error {
		c.Password = servicePassword()
		out = *c
		return put(tx, recordKey(account, kindServiceCred, c.ID), *c)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.ResetServiceSpecificCredentialOutput{ServiceSpecificCredential: toServiceCred(out)}, nil
}

func (s *Service) UpdateServiceSpecificCredential(ctx context.Context, in *iamapi.UpdateServiceSpecificCredentialInput) (*iamapi.UpdateServiceSpecificCredentialOutput, error) {
	if err := checkStatus(in.Status); err != nil {
		return nil, err
	}
	err := s.modifyServiceCred(ctx, "UpdateServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId, func(tx store.Tx, account string, c *serviceCredRec) error {
		c.Status = string(in.Status)
		return put(tx, recordKey(account, kindServiceCred, c.ID), *c)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateServiceSpecificCredentialOutput{}, nil
}

func (s *Service) DeleteServiceSpecificCredential(ctx context.Context, in *iamapi.DeleteServiceSpecificCredentialInput) (*iamapi.DeleteServiceSpecificCredentialOutput, error) {
	err := s.modifyServiceCred(ctx, "DeleteServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId, func(tx store.Tx, account string, c *serviceCredRec) error {
		return tx.Delete(table, recordKey(account, kindServiceCred, c.ID))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteServiceSpecificCredentialOutput{}, nil
}

func (s *Service) ListServiceSpecificCredentials(ctx context.Context, in *iamapi.ListServiceSpecificCredentialsInput) (*iamapi.ListServiceSpecificCredentialsOutput, error) {
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "ListServiceSpecificCredentials", user)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListServiceSpecificCredentialsOutput{ServiceSpecificCredentials: []iamapi.ServiceSpecificCredentialMetadata{}}
	if user == "" {
		return out, nil // the root user has none
	}
	var creds []serviceCredRec
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		creds, err = userRecords[serviceCredRec](tx, t.account, kindServiceCred, t.rec.Name)
		return err
	}); err != nil {
		return nil, err
	}
	for _, c := range creds {
		if in.ServiceName != nil && *in.ServiceName != c.Service {
			continue
		}
		out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, iamapi.ServiceSpecificCredentialMetadata{
			UserName: c.User, Status: iamapi.StatusType(c.Status), ServiceUserName: c.ServiceUser, CreateDate: c.Created,
			ServiceSpecificCredentialId: c.ID, ServiceName: c.Service,
		})
	}
	return out, nil
}
