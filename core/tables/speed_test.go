package tables

import (
	"syscall"
	"testing"
	"time"

	"github.com/rdlm-go/rdlm/core/schedule"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestSpeedProbe(t *testing.T) {
	c := cpuTime()
	start := time.Now()
	_, err := simulate(27, 10000, 2048, 1, schedule.Default(), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wall %v, cpu %.1f ns per particle-step", time.Since(start), float64(cpuTime()-c)/2048/10000)
}
