package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"net/http"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/request"
)

// Server-side encryption with customer-provided keys (SSE-C). S3 refuses
// it over plain HTTP; over TLS doppel checks the key headers, keeps the
// algorithm and the key's MD5 with the version (the bytes are stored as
// sent), and asks for the same key to read it back (S3 User Guide, "Using
// server-side encryption with customer-provided keys").

type ssecHeaders struct {
	algorithm, key, keyMD5 *string
}

func (h ssecHeaders) present() bool { return h.algorithm != nil || h.key != nil || h.keyMD5 != nil }

// check validates the headers; it returns the algorithm and key MD5 to
// store ("" when the request uses no SSE-C).
func (h ssecHeaders) check(ctx context.Context) (alg, keyMD5 string, err error) {
	if !h.present() {
		return "", "", nil
	}
	if info := request.From(ctx); info == nil || !info.Secure {
		return "", "", errInvalidRequest("Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
	}
	if api.ToString(h.algorithm) != "AES256" {
		return "", "", awserr.New(http.StatusBadRequest, "InvalidEncryptionAlgorithmError", "The encryption request you specified is not valid. The valid value is AES256.")
	}
	key, err := base64.StdEncoding.DecodeString(api.ToString(h.key))
	if err != nil || len(key) != 32 {
		return "", "", errInvalidArgument("The secret key was invalid for the specified algorithm.", "x-amz-server-side-encryption-customer-key", "")
	}
	sum := md5.Sum(key)
	want := base64.StdEncoding.EncodeToString(sum[:])
	if h.keyMD5 != nil && *h.keyMD5 != want {
		return "", "", errInvalidArgument("The calculated MD5 hash of the key did not match the hash that was provided.", "x-amz-server-side-encryption-customer-key-MD5", "")
	}
	return "AES256", want, nil
}

// checkRead asks a read of version v for the key v was written with.
func (h ssecHeaders) checkRead(ctx context.Context, v *version) error {
	if v.SSECKeyMD5 == "" {
		if h.present() {
			return errInvalidRequest("The encryption parameters are not applicable to this object.")
		}
		return nil
	}
	if !h.present() {
		return errInvalidRequest("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
	}
	_, md5, err := h.check(ctx)
	if err != nil {
		return err
	}
	if md5 != v.SSECKeyMD5 {
		return errAccessDeniedPlain()
	}
	return nil
}
