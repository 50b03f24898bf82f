// Package mfa implements virtual MFA devices as IAM and STS see them: TOTP
// codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) over a Base32 seed,
// the otpauth:// URI and its QR code, and the rules for accepting codes.
//
// Time is always passed in, so callers inject their clock. A code is accepted
// for the step before, at, or after now, and never for a step at or before the
// last one the device accepted: callers store the step Verify returns and pass
// it back next time, which is how a code is never accepted twice.
package mfa

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// Period is the TOTP time step.
const Period = 30 * time.Second

// Digits is the length of a code.
const Digits = 6

// seedBytes gives a 64-character Base32 seed, the length AWS issues.
const seedBytes = 40

// resyncWindow is how many steps either side of now ResyncMFADevice searches:
// resynchronizing exists for devices whose clock has drifted.
const resyncWindow = 20

var (
	// ErrInvalidCode means the code matches no acceptable step.
	ErrInvalidCode = errors.New("mfa: authentication code is not valid")
	// ErrCodeReused means the code is right but its step was already used.
	ErrCodeReused = errors.New("mfa: authentication code was already used")
)

var opts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewSeed returns a fresh random seed, Base32 without padding.
func NewSeed() (string, error) {
	b := make([]byte, seedBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}

// URI is the otpauth:// URI an authenticator app scans: the label is
// "issuer:account", as AWS forms it ("Amazon Web Services:name@account").
func URI(issuer, account, seed string) string {
	v := url.Values{}
	v.Set("secret", seed)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	// Spaces as %20, not '+': authenticator apps read the query as RFC 3986.
	q := strings.ReplaceAll(v.Encode(), "+", "%20")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: q}
	return u.String()
}

// QRCodePNG renders uri as a QR code PNG image.
func QRCodePNG(uri string) ([]byte, error) {
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return nil, err
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Step is the TOTP step number of t.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Code returns the code for step of seed; tests and the console use it.
func Code(seed string, step int64) (string, error) {
	if step < 0 {
		return "", ErrInvalidCode
	}
	return hotp.GenerateCodeCustom(seed, uint64(step), opts)
}

// Verify checks code against the steps either side of now. It returns the
// step that matched, to be stored as the device's new lastUsedStep.
func Verify(seed, code string, now time.Time, lastUsedStep int64) (int64, error) {
	return find(seed, code, Step(now), 1, lastUsedStep)
}

// VerifyConsecutive checks two codes from consecutive steps, as
// EnableMFADevice needs: code1 for step s and code2 for s+1, with s+1 within
// one step of now. It returns s+1, the step to store.
func VerifyConsecutive(seed, code1, code2 string, now time.Time, lastUsedStep int64) (int64, error) {
	return consecutive(seed, code1, code2, Step(now), 1, lastUsedStep)
}

// Resync is VerifyConsecutive over a wider window (resyncWindow steps either
// side of now), for ResyncMFADevice. doppel has one clock, so it records the
// step used rather than a drift.
func Resync(seed, code1, code2 string, now time.Time, lastUsedStep int64) (int64, error) {
	return consecutive(seed, code1, code2, Step(now), resyncWindow, lastUsedStep)
}

func consecutive(seed, code1, code2 string, now, window, last int64) (int64, error) {
	reused := false
	for s := now - window; s <= now+window; s++ {
		if !match(seed, code2, s) || !match(seed, code1, s-1) {
			continue
		}
		if s-1 <= last {
			reused = true
			continue
		}
		return s, nil
	}
	if reused {
		return 0, ErrCodeReused
	}
	return 0, ErrInvalidCode
}

func find(seed, code string, now, window, last int64) (int64, error) {
	reused := false
	for s := now - window; s <= now+window; s++ {
		if !match(seed, code, s) {
			continue
		}
		if s <= last {
			reused = true
			continue
		}
		return s, nil
	}
	if reused {
		return 0, ErrCodeReused
	}
	return 0, ErrInvalidCode
}

func match(seed, code string, step int64) bool {
	if len(code) != Digits {
		return false
	}
	want, err := Code(seed, step)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
}
