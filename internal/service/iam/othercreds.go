package iam

import (
	"context"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// doppel does not implement service-specific credentials: their Create
// operation answers as an unknown operation, so no user ever has any. The
// List operation still answers, truthfully and empty, because tools that
// clean up a user before deleting it call it (Terraform's aws_iam_user with
// force_destroy does).

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

func (s *Service) ListServiceSpecificCredentials(ctx context.Context, in *iamapi.ListServiceSpecificCredentialsInput) (*iamapi.ListServiceSpecificCredentialsOutput, error) {
	if err := s.listUserCredentials(ctx, "ListServiceSpecificCredentials", in.UserName); err != nil {
		return nil, err
	}
	return &iamapi.ListServiceSpecificCredentialsOutput{ServiceSpecificCredentials: []iamapi.ServiceSpecificCredentialMetadata{}}, nil
}
