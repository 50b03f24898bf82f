// Command bench measures doppel against a ceiling (a Go HTTP server that
// answers every request with the same 1 KiB and does nothing else) and
// against moto_server, driving each in turn with the same signed
// aws-sdk-go-v2 client, and writes the table to bench/RESULTS.md.
//
//	go run ./bench            # full run (about 15 minutes: a million requests, the micro-benchmarks)
//	go run ./bench -quick     # under 3 minutes
//
// See bench/README.md for what each figure means.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

type options struct {
	quick       bool
	million     bool
	duration    time.Duration
	conc        int
	keys        int
	motoKeys    int
	startups    int
	motoStarts  int
	bigPuts     int
	doppel      string
	tree        bool
	pprofDir    string
	micro       bool
	moto        string
	data        string
	out         string
	only        string
	assumeCalls int
}

func main() {
	// The harness runs itself as the ceiling server.
	if len(os.Args) == 3 && os.Args[1] == "-"+ceilingFlag {
		if err := serveCeiling(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.BoolVar(&o.quick, "quick", false, "short run: 1.5 s per scenario, fewer start-ups, no million requests (under 3 minutes)")
	flag.BoolVar(&o.million, "million", true, "measure doppel's memory over a million GetObject requests (off with -quick unless given)")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of each scenario (1.5s with -quick)")
	flag.IntVar(&o.conc, "c", 2*runtime.NumCPU(), "concurrent requests")
	flag.IntVar(&o.keys, "keys", 100_000, "keys in the ListObjectsV2 bucket")
	flag.IntVar(&o.motoKeys, "moto-keys", 20_000, "keys in moto's ListObjectsV2 bucket (moto fills at a few hundred per second; 2000 with -quick)")
	flag.IntVar(&o.startups, "startups", 10, "start-ups timed per server (the median is reported)")
	flag.IntVar(&o.bigPuts, "big-puts", 8, "64 MiB PutObject requests per server (4 with -quick)")
	flag.IntVar(&o.assumeCalls, "assume-calls", 500, "sequential AssumeRole calls for the median latency")
	flag.StringVar(&o.doppel, "doppel", "", "doppel binary to run (default: build ./cmd/doppel of the last commit)")
	flag.BoolVar(&o.tree, "tree", false, "build doppel from the working tree, uncommitted edits included, instead of the last commit")
	flag.StringVar(&o.moto, "moto", "moto_server", "moto_server command (empty to skip moto)")
	flag.BoolVar(&o.micro, "micro", true, "also run the Go benchmarks of the hot paths (go test -bench) at the same commit (off with -quick unless given)")
	flag.StringVar(&o.pprofDir, "pprof", "", "run doppel with --pprof and save a CPU profile of each scenario into `DIR`")
	flag.StringVar(&o.data, "data", "", "run doppel durably with a data directory under `DIR` (default: --in-memory)")
	flag.StringVar(&o.out, "o", "bench/RESULTS.md", "results file (empty: print only)")
	flag.StringVar(&o.only, "only", "", "comma-separated servers to run (ceiling,doppel,moto); default all")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		defaults := map[string]func(){
			"d":            func() { o.duration = 1500 * time.Millisecond },
			"million":      func() { o.million = false },
			"moto-keys":    func() { o.motoKeys = 2000 },
			"micro":        func() { o.micro = false },
			"startups":     func() { o.startups = 5 },
			"big-puts":     func() { o.bigPuts = 4 },
			"assume-calls": func() { o.assumeCalls = 200 },
		}
		for name, f := range defaults {
			if !set[name] {
				f()
			}
		}
	}
	o.motoStarts = min(o.startups, 3) // each moto start-up takes about a second
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if err := checkClockTick(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "doppelbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src := "." // where the micro-benchmarks run: the commit built, or the working tree
	if o.doppel == "" {
		logf("building doppel")
		if o.doppel, src, err = buildDoppel(tmp, o.tree); err != nil {
			return err
		}
	}
	rootA, rootB := newRootKey(), newRootKey()
	bootstrapFile, err := writeBootstrap(tmp, rootA, rootB)
	if err != nil {
		return err
	}
	dk := doppelKind(o.doppel, bootstrapFile, o.data)
	if o.pprofDir != "" {
		if err := os.MkdirAll(o.pprofDir, 0o755); err != nil {
			return err
		}
		dk.pprof = true
	}
	kinds := []*kind{ceilingKind(), dk}
	motoPath, err := lookMoto(o.moto)
	if err == nil {
		kinds = append(kinds, motoKind(motoPath))
	} else {
		logf("moto_server not found (%v): moto is skipped", err)
	}
	if o.only != "" {
		want := strings.Split(o.only, ",")
		kinds = filterKinds(kinds, want)
	}
	rep := &report{opts: o, args: os.Args[1:], started: time.Now(), servers: map[string]*serverReport{}}
	rep.machine, rep.versions = machine(), versions(o, motoPath)
	for _, k := range kinds {
		sr, err := measure(k, o, rootA, rootB)
		if err != nil {
			// The other servers' figures are still worth having.
			logf("%s: stopped: %v", k.name, err)
			sr.failed = err
		}
		rep.order = append(rep.order, k.name)
		rep.servers[k.name] = sr
	}
	if o.micro {
		logf("Go benchmarks of the hot paths")
		rep.micro, err = runMicro(src, "200ms")
		if err != nil {
			// The servers' figures stand; say what is missing.
			logf("%v", err)
			rep.microErr = err
		}
	}
	rep.finished = time.Now()
	text := rep.markdown()
	fmt.Println(text)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(text), 0o644); err != nil {
			return err
		}
		logf("wrote %s", o.out)
	}
	return nil
}

func filterKinds(ks []*kind, names []string) []*kind {
	var out []*kind
	for _, k := range ks {
		for _, n := range names {
			if strings.TrimSpace(n) == k.name {
				out = append(out, k)
			}
		}
	}
	return out
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// checkClockTick makes sure /proc's CPU times are in the unit proc.go
// assumes.
func checkClockTick() error {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return nil // no getconf: trust proc(5)
	}
	if s := strings.TrimSpace(string(out)); s != "100" {
		return fmt.Errorf("CLK_TCK is %s, the harness assumes 100", s)
	}
	return nil
}

func versions(o options, motoPath string) []string {
	var v []string
	if out, err := exec.Command(o.doppel, "version").Output(); err == nil {
		v = append(v, strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("git", "log", "-1", "--format=%h %s").Output(); err == nil {
		built := "built from that commit"
		if o.tree {
			built = "built from the working tree, with uncommitted edits"
		}
		v = append(v, "repository at "+strings.TrimSpace(string(out))+" ("+built+")")
	}
	v = append(v, "harness "+runtime.Version()+", "+sdkVersions())
	if motoPath != "" {
		if out, err := exec.Command("python3", "-c", "import moto; print(moto.__version__)").Output(); err == nil {
			v = append(v, "moto "+strings.TrimSpace(string(out)))
		}
	}
	return v
}

func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				model = strings.TrimSpace(value)
				break
			}
		}
	}
	load := ""
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(data))[:3], " ") + " at start"
	}
	return fmt.Sprintf("%d CPUs (nproc), %s, %s/%s%s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, load)
}

// measure runs every scenario against one kind of server. After an error
// the report holds what was measured before it.
func measure(k *kind, o options, rootA, rootB rootKey) (*serverReport, error) {
	sr := &serverReport{results: map[string]result{}}
	err := measureInto(sr, k, o, rootA, rootB)
	return sr, err
}

func measureInto(sr *serverReport, k *kind, o options, rootA, rootB rootKey) error {
	hc := newTransport(4 * o.conc)

	// Start-up: spawn, poll, stop; the median of several.
	starts := o.startups
	if k.name == "moto" {
		starts = o.motoStarts
	}
	logf("%s: %d start-ups", k.name, starts)
	var healths, firsts []time.Duration
	for range starts {
		p, err := k.spawn()
		if err != nil {
			return err
		}
		t0 := time.Now()
		c := newClients(p.url, newTransport(1), rootA.id, rootA.secret, "")
		h, f, err := p.waitReady(t0, c, 30*time.Second)
		p.stop()
		if err != nil {
			return err
		}
		healths, firsts = append(healths, h), append(firsts, f)
	}
	sr.startHealth, sr.startFirst, sr.starts = percentile(healths, 50), percentile(firsts, 50), starts
	if len(firsts) > 0 {
		sr.startMin = slices.Min(firsts)
	}

	p, err := k.spawn()
	if err != nil {
		return err
	}
	defer p.stop()
	if _, _, err := p.waitReady(time.Now(), newClients(p.url, hc, rootA.id, rootA.secret, ""), 30*time.Second); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)
	if m, err := readMemory(p.pid); err == nil {
		sr.idle = m.RSS
	}

	ctx := context.Background()
	w := ceilingWorld(p.url, hc, rootA)
	if k.setup {
		if w, err = setUp(ctx, p.url, hc, rootA, rootB); err != nil {
			return fmt.Errorf("%s: %w", k.name, err)
		}
	}

	for _, sc := range smallScenarios {
		logf("%s: %s", k.name, sc.name)
		warmUp(p, w, sc.op, o.conc, o.duration)
		wait := p.profile(o.pprofDir, fileName(sc.name), o.duration)
		r, err := drive(p, w, sc.op, o.conc, o.duration, 0)
		wait()
		if err != nil {
			return err
		}
		sr.results[sc.name] = r
		sr.underLoad = max(sr.underLoad, r.RSSMax)
	}
	time.Sleep(200 * time.Millisecond)
	if m, err := readMemory(p.pid); err == nil {
		sr.afterLoad = m.RSS
	}

	// A million requests right after the short scenarios, while the
	// server holds little, so that growth is not lost in a large base.
	if o.million && k.name == "doppel" {
		logf("%s: a million GetObject requests", k.name)
		for range 10 {
			r, err := drive(p, w, getSmall, o.conc, 0, 100_000)
			if err != nil {
				return err
			}
			m, _ := readMemory(p.pid)
			sr.million = append(sr.million, millionStep{r: r, rss: m.RSS})
			logf("%s: %d00k: %.0f req/s, RSS %.1f MiB", k.name, len(sr.million), r.rps(), mib(m.RSS))
		}
	}
	// AssumeRole's latency without queueing: one caller, one at a time.
	logf("%s: %d sequential AssumeRole calls", k.name, o.assumeCalls)
	r, err := drive(p, w, assumeRoleOp, 1, 0, o.assumeCalls)
	if err != nil {
		return err
	}
	sr.results[scAssumeSeq] = r

	// ListObjectsV2 over a large bucket.
	keys := o.keys
	if k.name == "moto" {
		keys = o.motoKeys
	}
	if k.setup {
		logf("%s: filling the bucket with %d keys", k.name, keys)
		var next atomic.Int64
		fill := func(ctx context.Context, w *world, _, _ int) error {
			return putList(ctx, w.user, listKey(int(next.Add(1)-1)))
		}
		wait := p.profile(o.pprofDir, "bucket-fill", 10*time.Second)
		r, err := drive(p, w, fill, 4*o.conc, 0, keys)
		wait()
		if err != nil {
			return err
		}
		if r.Errors > 0 {
			return fmt.Errorf("%s: filling the bucket: %d errors, first: %v", k.name, r.Errors, r.FirstErr)
		}
		sr.results[scFill] = r
	}
	if m, err := readMemory(p.pid); err == nil {
		sr.afterFill = m.RSS
	}
	sr.keys = keys
	logf("%s: %s", k.name, scList)
	warmUp(p, w, listOp(keys), o.conc, o.duration)
	wait := p.profile(o.pprofDir, "ListObjectsV2", o.duration)
	r, err = drive(p, w, listOp(keys), o.conc, o.duration, 0)
	wait()
	if err != nil {
		return err
	}
	sr.results[scList] = r

	logf("%s: %d x %s", k.name, o.bigPuts, scBig)
	big := make([]byte, 64<<20)
	wait = p.profile(o.pprofDir, "PutObject-64MiB", 2*time.Second)
	r, err = drive(p, w, putBigOp(big), 2, 0, o.bigPuts)
	wait()
	if err != nil {
		return err
	}
	sr.results[scBig] = r
	if m, err := readMemory(p.pid); err == nil {
		sr.afterAll, sr.peak = m.RSS, m.Peak
	}
	p.saveHeap(o.pprofDir, "heap-after-64MiB")

	return nil
}
