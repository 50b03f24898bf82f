package iam

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/mfa"
)

func TestVirtualMFALifecycle(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "alice"}))
	d := must(s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "alice"})).VirtualMFADevice
	seed, serial := string(d.Base32StringSeed), d.SerialNumber
	code := func(offset int64) string {
		c, err := mfa.Code(seed, mfa.Step(h.clock.t)+offset)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	enable := func(c1, c2 string) error {
		_, err := s.EnableMFADevice(ctx, &iamapi.EnableMFADeviceInput{UserName: "alice", SerialNumber: serial, AuthenticationCode1: c1, AuthenticationCode2: c2})
		return err
	}

	t.Run("EnableMFADevice refuses codes that are not consecutive", func(t *testing.T) {
		wantErr(t, enable(code(0), code(0)), "InvalidAuthenticationCode", "Authentication code for device is not valid.", 403)
		wantErr(t, enable("123456", "654321"), "InvalidAuthenticationCode", "", 403)
	})
	t.Run("EnableMFADevice with two consecutive codes", func(t *testing.T) {
		if err := enable(code(-1), code(0)); err != nil {
			t.Fatal(err)
		}
		l := must(s.ListMFADevices(ctx, &iamapi.ListMFADevicesInput{UserName: api.String("alice")}))
		if len(l.MFADevices) != 1 || l.MFADevices[0].SerialNumber != serial || !l.MFADevices[0].EnableDate.Equal(h.clock.t) {
			t.Fatalf("ListMFADevices = %+v", l.MFADevices)
		}
		v := must(s.ListVirtualMFADevices(ctx, &iamapi.ListVirtualMFADevicesInput{AssignmentStatus: ptr(iamapi.AssignmentStatusTypeAssigned)}))
		if len(v.VirtualMFADevices) != 1 || v.VirtualMFADevices[0].User == nil || v.VirtualMFADevices[0].User.UserName != "alice" {
			t.Fatalf("ListVirtualMFADevices Assigned = %+v", v.VirtualMFADevices)
		}
		if u := must(s.ListVirtualMFADevices(ctx, &iamapi.ListVirtualMFADevicesInput{AssignmentStatus: ptr(iamapi.AssignmentStatusTypeUnassigned)})); len(u.VirtualMFADevices) != 0 {
			t.Fatalf("ListVirtualMFADevices Unassigned = %+v", u.VirtualMFADevices)
		}
	})
	t.Run("a device in use cannot be enabled again, deleted, or its user deleted", func(t *testing.T) {
		wantErr(t, enable(code(0), code(1)), "EntityAlreadyExists", "MFA Device is already in use.", 409)
		_, err := s.DeleteVirtualMFADevice(ctx, &iamapi.DeleteVirtualMFADeviceInput{SerialNumber: serial})
		wantErr(t, err, "DeleteConflict", "", 409)
		_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "alice"})
		wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete MFA device first.", 409)
	})
	t.Run("CheckMFACode accepts a code once", func(t *testing.T) {
		h.clock.t = h.clock.t.Add(mfa.Period)
		// Another user's guesses never reach alice's device: refused
		// before the code is looked at, and not counted against it.
		for range 2 * mfaCodeFailures {
			if _, err := s.CheckMFACode(ctx, acct, "mallory", []string{serial}, "000000"); !errors.Is(err, ErrMFANotAssigned) {
				t.Fatalf("another user's device: err = %v, want ErrMFANotAssigned", err)
			}
		}
		got, err := s.CheckMFACode(ctx, acct, "alice", []string{serial}, code(0))
		if err != nil || got != serial {
			t.Fatalf("CheckMFACode = %q, %v", got, err)
		}
		if _, err := s.CheckMFACode(ctx, acct, "alice", []string{serial}, code(0)); !errors.Is(err, ErrMFA) {
			t.Fatalf("reused code: err = %v, want ErrMFA", err)
		}
		if _, err := s.CheckMFACode(ctx, acct, "alice", []string{"arn:aws:iam::" + acct + ":mfa/none"}, code(0)); !errors.Is(err, ErrMFA) {
			t.Fatalf("unknown device: err = %v, want ErrMFA", err)
		}
	})
	t.Run("a burst of concurrent guesses is held to the limit", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		checked := 0
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.CheckMFACode(ctx, acct, "alice", []string{serial}, "000000"); errors.Is(err, ErrMFA) {
					mu.Lock()
					checked++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if checked > mfaCodeFailures {
			t.Errorf("%d of 200 concurrent guesses were checked, want at most %d", checked, mfaCodeFailures)
		}
		if _, err := s.CheckMFACode(ctx, acct, "alice", []string{serial}, code(0)); !errors.Is(err, ErrMFAThrottled) {
			t.Errorf("the right code after the burst: %v, want ErrMFAThrottled", err)
		}
		h.clock.t = h.clock.t.Add(time.Hour) // the block ends
	})
	t.Run("ResyncMFADevice accepts a drifted device's codes", func(t *testing.T) {
		h.clock.t = h.clock.t.Add(10 * time.Minute)
		_, err := s.ResyncMFADevice(ctx, &iamapi.ResyncMFADeviceInput{UserName: "alice", SerialNumber: serial, AuthenticationCode1: code(-8), AuthenticationCode2: code(-7)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.ResyncMFADevice(ctx, &iamapi.ResyncMFADeviceInput{UserName: "alice", SerialNumber: serial, AuthenticationCode1: code(-8), AuthenticationCode2: code(-7)})
		wantErr(t, err, "InvalidAuthenticationCode", "", 403)
	})
	t.Run("DeactivateMFADevice frees the device", func(t *testing.T) {
		must(s.DeactivateMFADevice(ctx, &iamapi.DeactivateMFADeviceInput{UserName: "alice", SerialNumber: serial}))
		if l := must(s.ListMFADevices(ctx, &iamapi.ListMFADevicesInput{UserName: api.String("alice")})); len(l.MFADevices) != 0 {
			t.Fatalf("ListMFADevices after deactivate = %+v", l.MFADevices)
		}
		_, err := s.DeactivateMFADevice(ctx, &iamapi.DeactivateMFADeviceInput{UserName: "alice", SerialNumber: serial})
		wantErr(t, err, "NoSuchEntity", "", 404)
		must(s.DeleteVirtualMFADevice(ctx, &iamapi.DeleteVirtualMFADeviceInput{SerialNumber: serial}))
		must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "alice"}))
	})
	t.Run("CreateVirtualMFADevice duplicate", func(t *testing.T) {
		must(s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "dup"}))
		_, err := s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "dup"})
		wantErr(t, err, "EntityAlreadyExists", "MFADevice entity at the same path and name already exists.", 409)
	})
}
