package api

import "time"

// String returns a pointer to s, for optional members.
func String(s string) *string { return &s }

// ToString returns *p, or "" when p is nil.
func ToString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Bool returns a pointer to b.
func Bool(b bool) *bool { return &b }

// ToBool returns *p, or false when p is nil.
func ToBool(p *bool) bool { return p != nil && *p }

// Int32 returns a pointer to i.
func Int32(i int32) *int32 { return &i }

// ToInt32 returns *p, or 0 when p is nil.
func ToInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// Int64 returns a pointer to i.
func Int64(i int64) *int64 { return &i }

// ToInt64 returns *p, or 0 when p is nil.
func ToInt64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Time returns a pointer to t.
func Time(t time.Time) *time.Time { return &t }

// ToTime returns *p, or the zero time when p is nil.
func ToTime(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

// Ptr returns a pointer to v; handy for enum members.
func Ptr[T any](v T) *T { return &v }

// Deref returns *p, or the zero value when p is nil.
func Deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
