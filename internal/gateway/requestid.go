package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// requestID returns a new request ID in the form IAM and STS use (a UUID), and
// the S3 pair: x-amz-request-id (16 upper-case hex digits) and x-amz-id-2.
type requestID struct {
	uuid string
	s3   string
	id2  string
}

func newRequestID() requestID {
	var b [32]byte
	rand.Read(b[:])         // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var u [36]byte
	hex.Encode(u[0:8], b[0:4])
	u[8] = '-'
	hex.Encode(u[9:13], b[4:6])
	u[13] = '-'
	hex.Encode(u[14:18], b[6:8])
	u[18] = '-'
	hex.Encode(u[19:23], b[8:10])
	u[23] = '-'
	hex.Encode(u[24:36], b[10:16])
	return requestID{
		uuid: string(u[:]),
		s3:   strings.ToUpper(hex.EncodeToString(b[:8])),
		id2:  base64.StdEncoding.EncodeToString(b[:]),
	}
}
