package iam

import (
	"context"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// doppel does not implement SSH public keys, signing certificates or
// service-specific credentials: their Upload/Create operations answer as
// unknown operations, so no user ever has any. The List operations still
// answer, truthfully and empty, because tools that clean up a user before
// deleting it call them (Terraform's aws_iam_user with force_destroy lists
// all three).

// listUserCredentials authorizes action on the user (the caller when name
// is empty) and checks that the user exists.
func (s *Service) listUserCredentials(ctx context.Context, action string, name *string) error {
	user, err := keyUser(ctx, name)
	if err != nil {
		return err
	}
	_, err = s.authKeyUser(ctx, action, user)
	return err
}

func (s *Service) ListSSHPublicKeys(ctx context.Context, in *iamapi.ListSSHPublicKeysInput) (*iamapi.ListSSHPublicKeysOutput, error) {
	if err := s.listUserCredentials(ctx, "ListSSHPublicKeys", in.UserName); err != nil {
		return nil, err
	}
	return &iamapi.ListSSHPublicKeysOutput{SSHPublicKeys: []iamapi.SSHPublicKeyMetadata{}, IsTruncated: api.Bool(false)}, nil
}

func (s *Service) ListSigningCertificates(ctx context.Context, in *iamapi.ListSigningCertificatesInput) (*iamapi.ListSigningCertificatesOutput, error) {
	if err := s.listUserCredentials(ctx, "ListSigningCertificates", in.UserName); err != nil {
		return nil, err
	}
	return &iamapi.ListSigningCertificatesOutput{Certificates: []iamapi.SigningCertificate{}, IsTruncated: api.Bool(false)}, nil
}

func (s *Service) ListServiceSpecificCredentials(ctx context.Context, in *iamapi.ListServiceSpecificCredentialsInput) (*iamapi.ListServiceSpecificCredentialsOutput, error) {
	if err := s.listUserCredentials(ctx, "ListServiceSpecificCredentials", in.UserName); err != nil {
		return nil, err
	}
	return &iamapi.ListServiceSpecificCredentialsOutput{ServiceSpecificCredentials: []iamapi.ServiceSpecificCredentialMetadata{}}, nil
}
