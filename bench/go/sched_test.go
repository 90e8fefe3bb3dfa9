// The twin of ../sched.c: the same work in Go, for the same table.
package sched

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

const (
	nYield = 2000000
	nSpawn = 1000000
	nChan  = 500000
)

func perOp(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / float64(n) }

func TestBench(t *testing.T) {
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
	fmt.Printf("yield\tGo\t%.1f\n", perOp(time.Since(t0), nYield))

	t0 = time.Now()
	for i := 0; i < nSpawn; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
	}
	wg.Wait()
	fmt.Printf("spawn+exit\tGo\t%.1f\n", perOp(time.Since(t0), nSpawn))

	procs := runtime.GOMAXPROCS(0)
	var all sync.WaitGroup
	all.Add(procs)
	t0 = time.Now()
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
	fmt.Printf("spawn, every P\tGo\t%.1f\n", perOp(time.Since(t0), nSpawn))

	in, out := make(chan int), make(chan int)
	go func() {
		for v := range in {
			out <- v
		}
	}()
	t0 = time.Now()
	for i := 0; i < nChan; i++ {
		in <- i
		<-out
	}
	close(in)
	fmt.Printf("chan round trip\tGo\t%.1f\n", perOp(time.Since(t0), nChan))
}
