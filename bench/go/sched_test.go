// The twin of ../sched.c: the same work in Go, for the same tables.
// GRT_BENCH names the benchmarks to run, as bench-sched's arguments do
// (default: yield spawn spawnall chan).
package sched

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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

// The process's threads, counted in /proc/self/task as sched.c does.
func nThreads() int {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		panic(err)
	}
	return len(ents)
}

const (
	nBlocked = 50
	blockMs  = 200
)

// As in sched.c, but the writer is a goroutine: Go's readers never keep
// the P, so it can run.  It counts the threads in the last 20 ms of the
// block, then writes a byte to every pipe.
func benchBlocked() {
	var fds [nBlocked][2]int
	for i := range fds {
		if err := syscall.Pipe(fds[i][:]); err != nil {
			panic(err)
		}
	}
	var started, stop atomic.Bool
	var worst time.Duration
	var yielder, readers sync.WaitGroup
	yielder.Add(1)
	go func() {
		last := time.Now()
		started.Store(true)
		for !stop.Load() {
			runtime.Gosched()
			now := time.Now()
			if now.Sub(last) > worst {
				worst = now.Sub(last)
			}
			last = now
		}
		yielder.Done()
	}()
	for !started.Load() {
		runtime.Gosched()
	}
	peak := 0
	wrote := make(chan bool)
	go func() {
		time.Sleep((blockMs - 20) * time.Millisecond)
		for i := 0; i < 10; i++ {
			if n := nThreads(); n > peak {
				peak = n
			}
			time.Sleep(2 * time.Millisecond)
		}
		for i := range fds {
			if n, err := syscall.Write(fds[i][1], []byte("x")); n != 1 {
				panic(fmt.Sprintf("bench blocked: write: %v", err))
			}
		}
		wrote <- true
	}()
	readers.Add(nBlocked)
	for i := range fds {
		go func(fd int) {
			var c [1]byte
			// The raw fd and syscall.Read: a blocking system call, as
			// in C, not the netpoller (os.File would use it).
			if n, err := syscall.Read(fd, c[:]); n != 1 {
				panic(fmt.Sprintf("bench blocked: read: %v", err))
			}
			readers.Done()
		}(fds[i][0])
	}
	readers.Wait()
	stop.Store(true)
	yielder.Wait()
	<-wrote
	for i := range fds {
		syscall.Close(fds[i][0])
		syscall.Close(fds[i][1])
	}
	report("blocked: worst lateness", float64(worst.Nanoseconds())/1e6, "ms")
	report("  threads, peak", float64(peak), "thr")
}

const (
	nDisk      = 8
	nCompute   = 4
	unitWork   = 40000
	diskMs     = 20
	blockSize  = 4096
	fileBlocks = 16
	aloneMs    = 100
	withMs     = 300
)

var burnSink atomic.Uint64

// The next read's latency, from diskMs to twice that, as in sched.c.
func diskLatency(x *uint64) int64 {
	*x = *x*6364136223846793005 + 1442695040888963407
	return diskMs*1000000 + int64((*x>>33)%(diskMs*1000000))
}

// ndisk readers and nCompute computers for ms milliseconds, as in
// sched.c: the units computed a second, and the reads made a second.
func fileReadRun(fd, ndisk, ms int) (float64, float64) {
	var units, reads atomic.Int64
	var mu sync.Mutex
	t0 := time.Now()
	end := t0
	deadline := t0.Add(time.Duration(ms) * time.Millisecond)
	done := func() {
		mu.Lock()
		if now := time.Now(); now.After(end) {
			end = now
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Add(nCompute + ndisk)
	for i := 0; i < ndisk; i++ {
		go func(x uint64) {
			buf := make([]byte, blockSize)
			n := int64(0)
			for off := int64(0); time.Now().Before(deadline); off = (off + blockSize) % (fileBlocks * blockSize) {
				if k, err := syscall.Pread(fd, buf, off); k != blockSize {
					panic(fmt.Sprintf("bench fileread: pread: %v", err))
				}
				// syscall's Nanosleep, not time.Sleep: a system call
				// that holds its thread, as the disk's latency would.
				latency := syscall.NsecToTimespec(diskLatency(&x))
				syscall.Nanosleep(&latency, nil)
				n++
				runtime.Gosched()
			}
			reads.Add(n)
			done()
			wg.Done()
		}(uint64(i + 1))
	}
	for i := 0; i < nCompute; i++ {
		go func(x uint64) {
			n := int64(0)
			for time.Now().Before(deadline) {
				x = burn(x, unitWork)
				n++
				runtime.Gosched()
			}
			burnSink.Add(x)
			units.Add(n)
			done()
			wg.Done()
		}(uint64(i))
	}
	wg.Wait()
	s := end.Sub(t0).Seconds()
	return float64(units.Load()) / s, float64(reads.Load()) / s
}

func benchFileRead() {
	f, err := os.CreateTemp("", "grt-bench-")
	if err != nil {
		panic(err)
	}
	for i := 0; i < fileBlocks; i++ {
		if _, err := f.Write(bytes.Repeat([]byte{byte('a' + i)}, blockSize)); err != nil {
			panic(err)
		}
	}
	f.Close()
	// A raw fd, read with syscall.Pread, as in C.
	fd, err := syscall.Open(f.Name(), syscall.O_RDONLY, 0)
	os.Remove(f.Name())
	if err != nil {
		panic(err)
	}
	alone, _ := fileReadRun(fd, 0, aloneMs)
	with, reads := fileReadRun(fd, nDisk, withMs)
	syscall.Close(fd)
	report("fileread: compute", with, "/s")
	report("  of compute alone", 100*with/alone, "%")
	report("  disk reads", reads, "/s")
}

var benches = map[string]func(){
	"yield": benchYield, "spawn": benchSpawn, "spawnall": benchSpawnAll, "chan": benchChan,
	"parallel": benchParallel, "skynet": benchSkynet, "pool": benchPool,
	"blocked": benchBlocked, "fileread": benchFileRead,
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
