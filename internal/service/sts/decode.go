package sts

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// Some AWS services answer a denial with an encoded authorization message
// that only DecodeAuthorizationMessage, by a principal allowed
// sts:DecodeAuthorizationMessage, turns back into the decision's details.
// doppel's services may do the same with EncodeAuthorizationMessage.

// AuthorizationMessage is the decoded form, in the JSON shape AWS uses (STS
// API reference, DecodeAuthorizationMessage).
type AuthorizationMessage struct {
	Allowed           bool         `json:"allowed"`
	ExplicitDeny      bool         `json:"explicitDeny"`
	MatchedStatements items[any]   `json:"matchedStatements"`
	Failures          items[any]   `json:"failures"`
	Context           MessageScope `json:"context"`
}

// MessageScope is what was asked: who, which action on which resource, and
// the condition keys of the request.
type MessageScope struct {
	Principal  MessagePrincipal        `json:"principal"`
	Action     string                  `json:"action"`
	Resource   string                  `json:"resource"`
	Conditions items[MessageCondition] `json:"conditions"`
}

// MessagePrincipal names the caller.
type MessagePrincipal struct {
	ID  string `json:"id"`
	ARN string `json:"arn"`
}

// MessageCondition is one condition key and its values.
type MessageCondition struct {
	Key    string              `json:"key"`
	Values items[MessageValue] `json:"values"`
}

// MessageValue is one value of a condition key.
type MessageValue struct {
	Value string `json:"value"`
}

type items[T any] struct {
	Items []T `json:"items"`
}

// sealedMessage is what the encoded form carries: the account that may
// decode it and the message.
type sealedMessage struct {
	Account string               `json:"a"`
	Message AuthorizationMessage `json:"m"`
}

type messageSealer struct{ aead cipher.AEAD }

func newMessageSealer(key []byte) (*messageSealer, error) {
	if key == nil {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sts: message key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &messageSealer{aead: aead}, nil
}

// EncodeAuthorizationMessage seals m for principals of account: only they
// can decode it, and nobody can read or alter it without
// DecodeAuthorizationMessage.
func (s *Service) EncodeAuthorizationMessage(account string, m AuthorizationMessage) (string, error) {
	plain, err := json.Marshal(sealedMessage{Account: account, Message: m})
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.messages.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := s.messages.aead.Seal(nonce, nonce, plain, nil)
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

var errBadMessage = errors.New("sts: not an authorization message of this server")

func (s *Service) openMessage(encoded string) (sealedMessage, error) {
	var m sealedMessage
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return m, errBadMessage
	}
	n := s.messages.aead.NonceSize()
	if len(raw) < n {
		return m, errBadMessage
	}
	plain, err := s.messages.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return m, errBadMessage
	}
	if err := json.Unmarshal(plain, &m); err != nil {
		return m, errBadMessage
	}
	return m, nil
}

// DecodeAuthorizationMessage decodes a message sealed by
// EncodeAuthorizationMessage, for a caller allowed
// sts:DecodeAuthorizationMessage in the account the message was made for.
func (s *Service) DecodeAuthorizationMessage(ctx context.Context, in *stsapi.DecodeAuthorizationMessageInput) (*stsapi.DecodeAuthorizationMessageOutput, error) {
	p, _, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckCredentialUse(p, "sts", "DecodeAuthorizationMessage"); err != nil {
		return nil, err
	}
	var v violations
	if v.required(in.EncodedMessage, "encodedMessage") {
		v.str(in.EncodedMessage, "encodedMessage", 1, 10240, nil, "")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.authorizer.Authorize(ctx, authz.Check{Action: "sts:DecodeAuthorizationMessage", Resource: "*"}); err != nil {
		return nil, err
	}
	m, err := s.openMessage(in.EncodedMessage)
	if err != nil || m.Account != p.Account {
		// The model's words for this error: the message contains invalid
		// characters or has expired.
		return nil, awserr.New(http.StatusBadRequest, "InvalidAuthorizationMessageException",
			"The message is not a valid encoded authorization message.")
	}
	out, err := json.Marshal(m.Message)
	if err != nil {
		return nil, awserr.Internal(err)
	}
	decoded := string(out)
	return &stsapi.DecodeAuthorizationMessageOutput{DecodedMessage: &decoded}, nil
}
