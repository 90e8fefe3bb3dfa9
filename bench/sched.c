/*
 * sched.c - the scheduler's everyday costs, through the public API only:
 * yield, spawn + exit (from one goroutine, then from one per P at once),
 * and a channel round trip.  Prints ns per operation.
 * The same work is in go/sched_test.go for Go.
 */
#include <stdio.h>
#include <stdlib.h>

#include "grt.h"

#define NYIELD 2000000L
#define NSPAWN 1000000L
#define NCHAN 500000L

static void yielder(void *arg)
{
	for (long i = 0; i < NYIELD / 2; i++)
		grt_yield();
	grt_wg_done(arg);
}

static double bench_yield(void)
{
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 2);
	int64_t t0 = grt_nanotime();
	grt_go(yielder, &wg);
	grt_go(yielder, &wg);
	grt_wg_wait(&wg);
	return (double)(grt_nanotime() - t0) / NYIELD;
}

static void nothing(void *arg)
{
	grt_wg_done(arg);
}

static double bench_spawn(void)
{
	grt_wg wg = { 0 };
	int64_t t0 = grt_nanotime();
	for (long i = 0; i < NSPAWN; i++) {
		grt_wg_add(&wg, 1);
		grt_go(nothing, &wg);
	}
	grt_wg_wait(&wg);
	return (double)(grt_nanotime() - t0) / NSPAWN;
}

/* Every P spawns at once: the run queue is the only thing they share. */
struct spawner {
	grt_wg *all;
	long n;
};

static void spawner(void *arg)
{
	struct spawner *sp = arg;
	grt_wg wg = { 0 };
	for (long i = 0; i < sp->n; i++) {
		grt_wg_add(&wg, 1);
		grt_go(nothing, &wg);
		if (i % 64 == 63)
			grt_wg_wait(&wg); /* keep the ring from overflowing */
	}
	grt_wg_wait(&wg);
	grt_wg_done(sp->all);
}

static double bench_parallel_spawn(void)
{
	int procs = grt_gomaxprocs();
	struct spawner sp[procs];
	grt_wg all = { 0 };
	grt_wg_add(&all, procs);
	int64_t t0 = grt_nanotime();
	for (int i = 0; i < procs; i++) {
		sp[i] = (struct spawner){ &all, NSPAWN / procs };
		grt_go(spawner, &sp[i]);
	}
	grt_wg_wait(&all);
	return (double)(grt_nanotime() - t0) / NSPAWN;
}

static void echo(void *arg)
{
	grt_chan *in = ((grt_chan **)arg)[0], *out = ((grt_chan **)arg)[1];
	long v;
	while (grt_chan_recv(in, &v)) /* arg's frame may be gone after the last one */
		grt_chan_send(out, &v);
}

static double bench_chan(void)
{
	grt_chan *c[2] = { grt_chan_make(sizeof(long), 0), grt_chan_make(sizeof(long), 0) };
	grt_go(echo, c);
	int64_t t0 = grt_nanotime();
	for (long i = 0; i < NCHAN; i++) {
		grt_chan_send(c[0], &i);
		grt_chan_recv(c[1], &i);
	}
	double r = (double)(grt_nanotime() - t0) / NCHAN;
	grt_chan_close(c[0]);
	return r;
}

static void run(void *arg)
{
	(void)arg;
	printf("yield\tgrt\t%.1f\n", bench_yield());
	printf("spawn+exit\tgrt\t%.1f\n", bench_spawn());
	printf("spawn, every P\tgrt\t%.1f\n", bench_parallel_spawn());
	printf("chan round trip\tgrt\t%.1f\n", bench_chan());
}

int main(void)
{
	return grt_main(run, NULL);
}
