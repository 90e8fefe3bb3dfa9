// The twin of ../sched.c: the same work in Go, for the same tables.
// GRT_BENCH names the benchmarks to run, as bench-sched's arguments do
// (default: yield spawn spawnall chan).
package sched

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	nYield = 2000000
	nSpawn = 1000000
	nChan  = 500000
)

func report(what string, value float64, unit string) {
	fmt.Printf("%s\tGo\t%.6g\t%s\n", what, value, unit)
}

func perOp(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / float64(n) }

func benchYield() {
	var wg sync.WaitGroup
	wg.Add(2)
	t0 := time.Now()
	for i := 0; i < 2; i++ {
		go func() {
			for j := 0; j < nYield/2; j++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	report("yield", perOp(time.Since(t0), nYield), "ns")
}

// Voluntary context switches so far: a thread that sleeps on a futex
// makes one.
func threadSleeps() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Nvcsw
}

// Go counts no wake-ups where a program can read them ("Ms woken" is
// grt's alone); thread sleeps it has.
func benchSpawn() {
	var wg sync.WaitGroup
	sleeps := threadSleeps()
	t0 := time.Now()
	for i := 0; i < nSpawn; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
	}
	wg.Wait()
	report("spawn+exit", perOp(time.Since(t0), nSpawn), "ns")
	report("  thread sleeps per spawn", float64(threadSleeps()-sleeps)/nSpawn, "")
}

func benchSpawnAll() {
	procs := runtime.GOMAXPROCS(0)
	var all sync.WaitGroup
	all.Add(procs)
	t0 := time.Now()
	for p := 0; p < procs; p++ {
		go func() {
			var wg sync.WaitGroup
			for i := 0; i < nSpawn/procs; i++ {
				wg.Add(1)
				go func() { wg.Done() }()
				if i%64 == 63 {
					wg.Wait()
				}
			}
			wg.Wait()
			all.Done()
		}()
	}
	all.Wait()
	report("spawn, every P", perOp(time.Since(t0), nSpawn), "ns")
}

func benchChan() {
	in, out := make(chan int), make(chan int)
	go func() {
		for v := range in {
			out <- v
		}
	}()
	t0 := time.Now()
	for i := 0; i < nChan; i++ {
		in <- i
		<-out
	}
	report("chan round trip", perOp(time.Since(t0), nChan), "ns")
	close(in)
}

const (
	nCPU    = 200
	cpuWork = 400000
)

func burn(x uint64, steps int) uint64 {
	for i := 0; i < steps; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

const burnCheck = 14720123010971336704

func serialRun() time.Duration {
	var check uint64
	t0 := time.Now()
	for i := 0; i < nCPU; i++ {
		check ^= burn(uint64(i), cpuWork)
	}
	t := time.Since(t0)
	if check != burnCheck {
		panic(fmt.Sprintf("bench parallel: burn computed %d", check))
	}
	return t
}

func parallelRun(work int) time.Duration {
	out := make([]uint64, nCPU)
	var wg sync.WaitGroup
	wg.Add(nCPU)
	t0 := time.Now()
	for i := 0; i < nCPU; i++ {
		go func(i int) {
			out[i] = burn(uint64(i), work)
			wg.Done()
		}(i)
	}
	wg.Wait()
	t := time.Since(t0)
	var check uint64
	for _, x := range out {
		check ^= x
	}
	if work == cpuWork && check != burnCheck {
		panic(fmt.Sprintf("bench parallel: the goroutines computed %d", check))
	}
	return t
}

// Best of three against best of three, after a round with no work, as
// in sched.c.
func benchParallel() {
	serial, parallel := time.Duration(1<<62), time.Duration(1<<62)
	parallelRun(0)
	for i := 0; i < 3; i++ {
		if s := serialRun(); s < serial {
			serial = s
		}
		if p := parallelRun(cpuWork); p < parallel {
			parallel = p
		}
	}
	report("CPU-bound, speed-up", float64(serial)/float64(parallel), "x")
}

func skynet(out chan<- int, num, size int) {
	if size == 1 {
		out <- num
		return
	}
	c := make(chan int)
	step := size / 10
	for i := 0; i < 10; i++ {
		go skynet(c, num+i*step, step)
	}
	sum := 0
	for i := 0; i < 10; i++ {
		sum += <-c
	}
	out <- sum
}

func skynet1() float64 {
	c := make(chan int)
	t0 := time.Now()
	go skynet(c, 0, 1000000)
	sum := <-c
	ms := float64(time.Since(t0).Nanoseconds()) / 1e6
	if sum != 499999500000 {
		panic(fmt.Sprintf("bench skynet: sum %d, want 499999500000", sum))
	}
	return ms
}

func benchSkynet() {
	report("skynet, 1.1M goroutines", skynet1(), "ms")
	report("  once more, memory reused", skynet1(), "ms")
}

const (
	nJobs    = 1000000
	nWorkers = 64
)

func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

func benchPool() {
	jobs, results := make(chan int, nWorkers), make(chan int, nWorkers)
	var mu sync.Mutex
	var done int
	var acc uint64
	var workers sync.WaitGroup
	cpu0 := cpuTime()
	t0 := time.Now()
	workers.Add(nWorkers)
	for i := 0; i < nWorkers; i++ {
		go func() {
			for j := range jobs {
				x := burn(uint64(j), 50)
				mu.Lock()
				done++
				acc ^= x
				mu.Unlock()
				results <- j
			}
			workers.Done()
		}()
	}
	go func() {
		for j := 0; j < nJobs; j++ {
			jobs <- j
		}
		close(jobs)
	}()
	sum, want := 0, nJobs*(nJobs-1)/2
	for j := 0; j < nJobs; j++ {
		sum += <-results
	}
	workers.Wait()
	ms, cpu := float64(time.Since(t0).Nanoseconds())/1e6, cpuTime()-cpu0
	if sum != want || done != nJobs {
		panic(fmt.Sprintf("bench pool: %d jobs done, sum %d, want %d jobs and sum %d", done, sum, nJobs, want))
	}
	report("pool, wall", ms, "ms")
	report("pool, CPU", cpu, "ms")
}

var benches = map[string]func(){
	"yield": benchYield, "spawn": benchSpawn, "spawnall": benchSpawnAll, "chan": benchChan,
	"parallel": benchParallel, "skynet": benchSkynet, "pool": benchPool,
}

func TestBench(t *testing.T) {
	names := strings.Fields(os.Getenv("GRT_BENCH"))
	if len(names) == 0 {
		names = []string{"yield", "spawn", "spawnall", "chan"}
	}
	for _, n := range names {
		f, ok := benches[n]
		if !ok {
			t.Fatalf("no benchmark %s", n)
		}
		f()
	}
}
