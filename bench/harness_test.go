package main

import (
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestParseStatCPU(t *testing.T) {
	// Fields 14 and 15 are utime and stime, in clock ticks.
	const tail = " S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 12 0 100 200 300"
	tests := []struct {
		name    string
		line    string
		want    time.Duration
		wantErr bool
	}{
		{name: "plain", line: "42 (doppel)" + tail, want: 3 * time.Second},
		{name: "command with spaces and parentheses", line: "42 (moto (x) y)" + tail, want: 3 * time.Second},
		{name: "no command", line: "42 doppel" + tail, wantErr: true},
		{name: "too few fields", line: "42 (doppel) S 1 2 3", wantErr: true},
		{name: "not a number", line: "42 (doppel) S 1 2 3 4 5 6 7 8 9 10 x 50 0", wantErr: true},
		{name: "negative", line: "42 (doppel) S 1 2 3 4 5 6 7 8 9 10 -1 50 0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.line))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    memory
		wantErr bool
	}{
		{name: "both", status: "Name:\tdoppel\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t7\n",
			want: memory{RSS: 10 << 20, Peak: 20 << 20}},
		{name: "RSS missing", status: "Name:\tdoppel\nVmHWM:\t   20480 kB\n", wantErr: true},
		{name: "unit other than kB", status: "VmHWM:\t20 MB\nVmRSS:\t10 MB\n", wantErr: true},
		{name: "not a number", status: "VmHWM:\tlots kB\nVmRSS:\t10 kB\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatus([]byte(tt.status))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOwnProcess(t *testing.T) {
	// The harness's own process is a process like any server's.
	pid := os.Getpid()
	if _, err := cpuTime(pid); err != nil {
		t.Errorf("cpuTime: %v", err)
	}
	m, err := readMemory(pid)
	if err != nil {
		t.Fatalf("readMemory: %v", err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS {
		t.Errorf("memory = %+v, want 0 < RSS <= Peak", m)
	}
}

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var ds []time.Duration
		for _, n := range ns {
			ds = append(ds, time.Duration(n)*time.Millisecond)
		}
		return ds
	}
	tests := []struct {
		name string
		ds   []time.Duration
		p    int
		want time.Duration
	}{
		{name: "empty", ds: nil, p: 50, want: 0},
		{name: "one", ds: ms(7), p: 50, want: 7 * time.Millisecond},
		{name: "median of odd count, unsorted", ds: ms(5, 1, 3), p: 50, want: 3 * time.Millisecond},
		{name: "median of even count is the lower middle", ds: ms(4, 1, 3, 2), p: 50, want: 2 * time.Millisecond},
		{name: "p99 of 100", ds: ms(func() []int {
			var n []int
			for i := 100; i >= 1; i-- {
				n = append(n, i)
			}
			return n
		}()...), p: 99, want: 99 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.ds, tt.p); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		name string
		a, b float64
		want string
	}{
		{name: "small", a: 3, b: 2, want: "1.50×"},
		{name: "tens", a: 250, b: 10, want: "25.0×"},
		{name: "hundreds", a: 13333, b: 60, want: "222×"},
		{name: "missing numerator", a: 0, b: 2, want: "—"},
		{name: "missing denominator", a: 2, b: 0, want: "—"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ratio(tt.a, tt.b); got != tt.want {
				t.Errorf("ratio(%v, %v) = %q, want %q", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestAnswered(t *testing.T) {
	respErr := func(status int) error {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: errors.New("deserialization failed")}}
	}
	real, ceiling := &kind{name: "doppel", real: true}, ceilingKind()
	tests := []struct {
		name string
		k    *kind
		err  error
		ok   bool
	}{
		{name: "success", k: real, ok: true},
		{name: "real server's unparsable answer is an error", k: real, err: respErr(200)},
		{name: "ceiling's unparsable 200 is an answer", k: ceiling, err: respErr(200), ok: true},
		{name: "ceiling's 500 is an error", k: ceiling, err: respErr(500)},
		{name: "no answer at all", k: ceiling, err: errors.New("connection refused")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := answered(tt.k, tt.err); (got == nil) != tt.ok {
				t.Errorf("answered = %v, want answered: %v", got, tt.ok)
			}
		})
	}
}

func TestNewRootKey(t *testing.T) {
	k := newRootKey()
	if len(k.id) != 20 || k.id[:4] != "AKIA" || len(k.secret) != 40 {
		t.Fatalf("key %q / secret of %d characters, want AKIA + 16 and 40", k.id, len(k.secret))
	}
	for _, c := range k.id[4:] {
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			t.Errorf("key %q has %q, outside A-Z2-7", k.id, c)
		}
	}
}

func TestParseMicro(t *testing.T) {
	out := `goos: linux
pkg: github.com/doppel-aws/doppel/internal/sigv4
cpu: AMD EPYC
BenchmarkVerifySignedGET-2   	   50000	      4321 ns/op	     512 B/op	       7 allocs/op
BenchmarkNoMem-2   	   1000	      99.5 ns/op
PASS
ok  	github.com/doppel-aws/doppel/internal/sigv4	1.2s
pkg: github.com/doppel-aws/doppel/internal/store
BenchmarkMemory/get-2  	 100	 12 ns/op	 0 B/op	 0 allocs/op
--- FAIL: BenchmarkBroken
`
	want := []microBench{
		{pkg: "internal/sigv4", name: "VerifySignedGET", nsPerOp: "4321", bytesPerOp: "512", allocs: "7"},
		{pkg: "internal/sigv4", name: "NoMem", nsPerOp: "99.5"},
		{pkg: "internal/store", name: "Memory/get", nsPerOp: "12", bytesPerOp: "0", allocs: "0"},
	}
	got := parseMicro([]byte(out))
	if len(got) != len(want) {
		t.Fatalf("got %d benchmarks %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestThousands(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {100000, "100,000"}, {1000000, "1,000,000"}, {-1234567, "-1,234,567"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := thousands(tt.n); got != tt.want {
				t.Errorf("thousands(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}
