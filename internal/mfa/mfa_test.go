package mfa

import (
	"bytes"
	"errors"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B's SHA1 secret ("12345678901234567890") in Base32.
const rfcSeed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestCodeRFC6238Vectors(t *testing.T) {
	// The RFC lists 8-digit codes; a 6-digit code is their last six digits.
	tests := []struct {
		name string
		unix int64
		want string
	}{
		{"t=59", 59, "287082"},
		{"t=1111111109", 1111111109, "081804"},
		{"t=1111111111", 1111111111, "050471"},
		{"t=1234567890", 1234567890, "005924"},
		{"t=2000000000", 2000000000, "279037"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Code(rfcSeed, Step(time.Unix(tc.unix, 0)))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Code = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := Step(now)
	code := func(step int64) string {
		c, err := Code(rfcSeed, step)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		last     int64
		wantStep int64
		wantErr  error
	}{
		{"current step", code(s), 0, s, nil},
		{"previous step", code(s - 1), 0, s - 1, nil},
		{"next step", code(s + 1), 0, s + 1, nil},
		{"two steps old", code(s - 2), 0, 0, ErrInvalidCode},
		{"two steps ahead", code(s + 2), 0, 0, ErrInvalidCode},
		{"same step twice", code(s), s, 0, ErrCodeReused},
		{"older than last used", code(s - 1), s, 0, ErrCodeReused},
		{"next after last used", code(s + 1), s, s + 1, nil},
		{"wrong digits", "000000x", 0, 0, ErrInvalidCode},
		{"empty", "", 0, 0, ErrInvalidCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Verify(rfcSeed, tc.code, now, tc.last)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.wantStep {
				t.Errorf("step = %d, want %d", got, tc.wantStep)
			}
		})
	}
}

func TestVerifyConsecutiveAndResync(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := Step(now)
	code := func(step int64) string {
		c, _ := Code(rfcSeed, step)
		return c
	}
	tests := []struct {
		name     string
		resync   bool
		c1, c2   string
		last     int64
		wantStep int64
		wantErr  error
	}{
		{"previous then current", false, code(s - 1), code(s), 0, s, nil},
		{"current then next", false, code(s), code(s + 1), 0, s + 1, nil},
		{"swapped order", false, code(s), code(s - 1), 0, 0, ErrInvalidCode},
		{"same code twice", false, code(s), code(s), 0, 0, ErrInvalidCode},
		{"not consecutive", false, code(s - 1), code(s + 1), 0, 0, ErrInvalidCode},
		{"too old for enable", false, code(s - 6), code(s - 5), 0, 0, ErrInvalidCode},
		{"already used", false, code(s - 1), code(s), s - 1, 0, ErrCodeReused},
		{"resync drifted device", true, code(s - 6), code(s - 5), 0, s - 5, nil},
		{"resync beyond window", true, code(s - 40), code(s - 39), 0, 0, ErrInvalidCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := VerifyConsecutive
			if tc.resync {
				f = Resync
			}
			got, err := f(rfcSeed, tc.c1, tc.c2, now, tc.last)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.wantStep {
				t.Errorf("step = %d, want %d", got, tc.wantStep)
			}
		})
	}
}

func TestSeedURIAndQRCode(t *testing.T) {
	seed, err := NewSeed()
	if err != nil {
		t.Fatal(err)
	}
	if len(seed) != 64 || strings.Trim(seed, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Fatalf("seed %q is not 64 Base32 characters", seed)
	}
	other, _ := NewSeed()
	if other == seed {
		t.Fatal("two seeds are equal")
	}
	uri := URI("Amazon Web Services", "ci@111111111111", seed)
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Amazon Web Services:ci@111111111111" {
		t.Errorf("uri = %s", uri)
	}
	if u.Query().Get("secret") != seed || u.Query().Get("issuer") != "Amazon Web Services" || strings.Contains(u.RawQuery, "+") {
		t.Errorf("uri query = %s", u.RawQuery)
	}
	img, err := QRCodePNG(uri)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
}
