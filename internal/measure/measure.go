// Package measure reads what benchmarks report about the process itself: CPU time and peak
// resident memory (Linux).
package measure

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUTime is the user and system CPU time the process has used.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PeakRSS is the process's peak resident memory (VmHWM) since start or the last ResetPeakRSS,
// in bytes; 0 where /proc is not there.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ResetPeakRSS starts a new peak at the current resident memory.
func ResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
