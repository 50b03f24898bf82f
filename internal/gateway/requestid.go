package gateway

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
)

// requestID returns a new request ID in the form IAM and STS use (a UUID), and
// the S3 pair: x-amz-request-id (16 upper-case hex digits) and x-amz-id-2.
type requestID struct {
	uuid string
	s3   string
	id2  string
}

const (
	uuidLen = 36
	s3IDLen = 16
	id2Len  = 44 // base64 of 32 bytes
)

// newRequestID formats all three forms into one string and slices it: one
// allocation per request instead of five. Request IDs name requests, they
// guard nothing, so the runtime's fast per-thread generator (ChaCha8) does.
func newRequestID() requestID {
	var b [32]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rand.Uint64())
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var buf [uuidLen + s3IDLen + id2Len]byte
	u := buf[:uuidLen]
	hex.Encode(u[0:8], b[0:4])
	u[8] = '-'
	hex.Encode(u[9:13], b[4:6])
	u[13] = '-'
	hex.Encode(u[14:18], b[6:8])
	u[18] = '-'
	hex.Encode(u[19:23], b[8:10])
	u[23] = '-'
	hex.Encode(u[24:36], b[10:16])
	s3 := buf[uuidLen : uuidLen+s3IDLen]
	hex.Encode(s3, b[:8])
	for i, c := range s3 {
		if c >= 'a' {
			s3[i] = c - 'a' + 'A'
		}
	}
	base64.StdEncoding.Encode(buf[uuidLen+s3IDLen:], b[:])
	all := string(buf[:])
	return requestID{
		uuid: all[:uuidLen],
		s3:   all[uuidLen : uuidLen+s3IDLen],
		id2:  all[uuidLen+s3IDLen:],
	}
}
