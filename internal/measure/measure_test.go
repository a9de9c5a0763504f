package measure

import "testing"

func TestPeakRSSGrowsWithMemory(t *testing.T) {
	ResetPeakRSS()
	before := PeakRSS()
	if before == 0 {
		t.Skip("no /proc/self/status here")
	}
	b := make([]byte, 64<<20)
	for i := range b {
		b[i] = 1
	}
	if after := PeakRSS(); after < before+32<<20 {
		t.Fatalf("peak %d after touching 64 MiB, was %d", after, before)
	}
	if CPUTime() <= 0 {
		t.Fatal("no CPU time")
	}
	_ = b[len(b)-1]
}
