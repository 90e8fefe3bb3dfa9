// The Go twin of ../../lateness.c: a sleeper beside goroutines that never
// call the runtime, and a CPU-bound program's speed, for lab 6's table in
// bench/run.
//
//	go build -o lateness ./lateness    (in bench/go)
//	GOMAXPROCS=1 ./lateness sleeper|cpu
//	GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 ./lateness cpu
//
// The same work as lateness.c, whose comment says why.  Go has no thread
// outside its scheduler to stop the hogs with, and needs none: it
// preempts them, so the sleeper runs to stop them itself.  Go counts its
// preemptions nowhere a program can read them: no preemptions row.
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	nHogs     = 4
	sleepFor  = time.Millisecond
	slice     = 11 * time.Millisecond // grt's time slice and sysmon's look
	sleepTime = 5 * time.Second
	cpuSteps  = 300000000
)

func report(what string, value float64, unit string) {
	fmt.Printf("%s\tGo\t%.6g\t%s\n", what, value, unit)
}

func lcg(x uint64) uint64 { return x*6364136223846793005 + 1442695040888963407 }

var (
	stop int32
	sink uint64
)

// A loop with no call (lcg is inlined, the load is an intrinsic): only
// a signal can take the P from it.
func hog(seed uint64, wg *sync.WaitGroup) {
	x := seed
	for atomic.LoadInt32(&stop) == 0 {
		x = lcg(x)
	}
	atomic.StoreUint64(&sink, x)
	wg.Done()
}

// The nearest rank: the smallest sample that a share q of them do not
// exceed, in ms.
func percentile(sorted []time.Duration, q float64) float64 {
	i := int(q*float64(len(sorted))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	return float64(sorted[i]) / 1e6
}

func benchSleeper() {
	var wg sync.WaitGroup
	wg.Add(nHogs)
	for i := 0; i < nHogs; i++ {
		go hog(uint64(i+1), &wg)
	}
	var late []time.Duration
	t0 := time.Now()
	for atomic.LoadInt32(&stop) == 0 {
		deadline := time.Now().Add(sleepFor)
		time.Sleep(sleepFor)
		now := time.Now()
		late = append(late, now.Sub(deadline))
		if now.Sub(t0) >= sleepTime {
			atomic.StoreInt32(&stop, 1)
		}
	}
	wg.Wait()
	sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
	report("wake-ups in 5 s", float64(len(late)), "n")
	report("  lateness, p50", percentile(late, 0.50), "ms")
	report("  lateness, p99", percentile(late, 0.99), "ms")
	report("  lateness, worst", float64(late[len(late)-1])/1e6, "ms")
	within := sort.Search(len(late), func(i int) bool { return late[i] > slice })
	report("  within a slice (11 ms)", 100*float64(within)/float64(len(late)), "%")
}

func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// Each thread's time on a CPU so far, in ns, by thread id, from
// /proc/self/task/TID/schedstat; nil where the kernel keeps no schedstat.
func threadTimes() map[string]int64 {
	tasks, _ := os.ReadDir("/proc/self/task")
	ns := map[string]int64{}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
			if v, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				ns[t.Name()] = v
			}
		}
	}
	if len(ns) == 0 {
		return nil
	}
	return ns
}

// What the threads other than the busiest one spent between two
// threadTimes, in ms: the busiest ran the computing goroutines, the others
// are the runtime's own work, sysmon's mostly.
func otherThreads(before, after map[string]int64) float64 {
	var sum, most int64
	for t, v := range after {
		d := v - before[t]
		sum += d
		if d > most {
			most = d
		}
	}
	return float64(sum-most) / 1e6
}

var results [nHogs]uint64

func benchCPU() {
	var wg sync.WaitGroup
	threads0 := threadTimes()
	cpu0 := cpuTime()
	t0 := time.Now()
	wg.Add(nHogs)
	for i := 0; i < nHogs; i++ {
		go func(i int) {
			x := uint64(i + 1)
			for s := 0; s < cpuSteps; s++ {
				x = lcg(x)
			}
			results[i] = x
			wg.Done()
		}(i)
	}
	wg.Wait()
	ms := float64(time.Since(t0).Nanoseconds()) / 1e6
	report("4 CPU-bound goroutines, wall", ms, "ms")
	report("  CPU", cpuTime()-cpu0, "ms")
	if threads := threadTimes(); threads0 != nil && threads != nil {
		report("  CPU of the other threads", otherThreads(threads0, threads), "ms")
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lateness sleeper|cpu")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "sleeper":
		benchSleeper()
	case "cpu":
		benchCPU()
	default:
		fmt.Fprintf(os.Stderr, "lateness: no benchmark %s (sleeper, cpu)\n", os.Args[1])
		os.Exit(2)
	}
}
