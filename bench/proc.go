package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat. The
// kernel fixes it at 100 on every architecture Linux exports to user space
// (proc(5)); Go cannot ask sysconf without cgo, so the harness checks it
// against `getconf CLK_TCK` at start (see checkClockTick).
const clockTick = 10 * time.Millisecond

// cpuTime is the user plus system CPU time the process has used, all
// threads included, from /proc/PID/stat.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(data)
}

// parseStatCPU reads utime (field 14) and stime (field 15) of a
// /proc/PID/stat line. The command name (field 2) is in parentheses and may
// itself hold spaces and parentheses, so fields are counted from the last ')'.
func parseStatCPU(data []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no command name in %q", data)
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("stat: bad CPU time %q", s)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// memory is what /proc/PID/status says of a process's resident memory.
type memory struct {
	RSS  int64 // VmRSS, bytes
	Peak int64 // VmHWM, the highest RSS so far, bytes
}

func readMemory(pid int) (memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	return parseStatus(data)
}

func parseStatus(data []byte) (memory, error) {
	var m memory
	var seen int
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.Peak
		default:
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return memory{}, fmt.Errorf("status: %s: unexpected value %q", name, value)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return memory{}, fmt.Errorf("status: %s: unexpected value %q", name, value)
		}
		*dst = kb << 10
		seen++
	}
	if seen != 2 {
		return memory{}, fmt.Errorf("status: VmRSS or VmHWM missing")
	}
	return m, nil
}
