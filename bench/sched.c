/*
 * sched.c - the scheduler's costs, through the public API, and runtime.h
 * for two counts Go's API has no word for: the Ms woken (sched.nstartm),
 * and the P each CPU-bound goroutine ran on.
 *
 *     bench-sched [NAME...]      run the named benchmarks (default: yield
 *                                spawn spawnall chan)
 *
 *   yield      two goroutines yield to each other
 *   spawn      one goroutine spawns goroutines that exit at once; also how
 *              many Ms were woken per spawn (the other Ps have nothing to do)
 *   spawnall   one goroutine per P spawns at once
 *   chan       an unbuffered channel round trip
 *   parallel   200 CPU-bound goroutines spawned by one: the speed-up over
 *              doing the same work in one goroutine, and the share of them
 *              that ran on another P than the spawner's
 *   skynet     1,111,111 goroutines: each spawns 10 children, down to
 *              1,000,000 leaves, and sums what they send back on channels
 *   pool       64 workers take 1M jobs from a channel, count them under a
 *              mutex, send results on a channel; wall and CPU time
 *
 * Each result is a line "what TAB grt TAB value TAB unit"; bench/run reads
 * them.  The same work is in go/sched_test.go for Go, with the same names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "runtime.h"

#define NYIELD 2000000L
#define NSPAWN 1000000L
#define NCHAN 500000L

static void report(const char *what, double value, const char *unit)
{
	printf("%s\tgrt\t%.6g\t%s\n", what, value, unit);
	fflush(stdout);
}

static void yielder(void *arg)
{
	for (long i = 0; i < NYIELD / 2; i++)
		grt_yield();
	grt_wg_done(arg);
}

static void bench_yield(void)
{
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 2);
	int64_t t0 = grt_nanotime();
	grt_go(yielder, &wg);
	grt_go(yielder, &wg);
	grt_wg_wait(&wg);
	report("yield", (double)(grt_nanotime() - t0) / NYIELD, "ns");
}

static void nothing(void *arg)
{
	grt_wg_done(arg);
}

/* Voluntary context switches so far: a thread that sleeps on a futex
 * (an M with nothing to do, a contended lock) makes one. */
static long threadsleeps(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

/* A wake-up that finds nothing to do costs two system calls (the futex
 * wake, the futex sleep again) and a trip through the kernel's scheduler,
 * in the other thread, where the spawner's clock does not see it: count
 * the Ms woken (startm), and the sleeps of every thread (Go has those). */
static void bench_spawn(void)
{
	grt_wg wg = { 0 };
	int64_t woken = atomic_load(&sched.nstartm);
	long sleeps = threadsleeps();
	int64_t t0 = grt_nanotime();
	for (long i = 0; i < NSPAWN; i++) {
		grt_wg_add(&wg, 1);
		grt_go(nothing, &wg);
	}
	grt_wg_wait(&wg);
	double ns = (double)(grt_nanotime() - t0) / NSPAWN;
	report("spawn+exit", ns, "ns");
	report("  Ms woken per spawn", (double)(atomic_load(&sched.nstartm) - woken) / NSPAWN, "");
	report("  thread sleeps per spawn", (double)(threadsleeps() - sleeps) / NSPAWN, "");
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

static void bench_spawnall(void)
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
	report("spawn, every P", (double)(grt_nanotime() - t0) / NSPAWN, "ns");
}

static void echo(void *arg)
{
	grt_chan *in = ((grt_chan **)arg)[0], *out = ((grt_chan **)arg)[1];
	long v;
	while (grt_chan_recv(in, &v)) /* arg's frame may be gone after the last one */
		grt_chan_send(out, &v);
}

static void bench_chan(void)
{
	grt_chan *c[2] = { grt_chan_make(sizeof(long), 0), grt_chan_make(sizeof(long), 0) };
	grt_go(echo, c);
	int64_t t0 = grt_nanotime();
	for (long i = 0; i < NCHAN; i++) {
		grt_chan_send(c[0], &i);
		grt_chan_recv(c[1], &i);
	}
	report("chan round trip", (double)(grt_nanotime() - t0) / NCHAN, "ns");
	grt_chan_close(c[0]);
}

/* ---- parallel: CPU-bound goroutines ---- */

#define NCPU 200
#define CPUWORK 400000 /* steps of burn per goroutine: about half a millisecond */
#define BURNCHECK 14720123010971336704ULL /* the XOR of burn(i, CPUWORK), i < NCPU */

/* Work the compiler cannot skip or shorten: a chain of multiplications
 * (a 64-bit LCG), each step waiting for the one before.  Go's twin is
 * the same loop.  Not inlined: the serial and the parallel runs use the
 * same code. */
static __attribute__((noinline)) uint64_t burn(uint64_t x, long steps)
{
	for (long i = 0; i < steps; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

struct cpujob {
	grt_wg *wg;
	uint64_t seed;
	long work;
	uint64_t out;
	int32_t p; /* the P that ran it */
};

static void cpuworker(void *arg)
{
	struct cpujob *j = arg;
	j->p = getm()->p->id;
	j->out = burn(j->seed, j->work);
	grt_wg_done(j->wg);
}

static int64_t serialrun(void)
{
	uint64_t check = 0;
	int64_t t0 = grt_nanotime();
	for (int i = 0; i < NCPU; i++)
		check ^= burn(i, CPUWORK);
	int64_t t = grt_nanotime() - t0;
	if (check != BURNCHECK) {
		fprintf(stderr, "bench parallel: burn computed %llu\n", (unsigned long long)check);
		exit(1);
	}
	return t;
}

/* Spawn NCPU goroutines that burn work steps each, and wait for them; how
 * many of them ran on another P than the spawner's goes to *elsewhere. */
static int64_t parallelrun(long work, int *elsewhere)
{
	static struct cpujob jobs[NCPU];
	grt_wg wg = { 0 };
	grt_wg_add(&wg, NCPU);
	int32_t here = getm()->p->id;
	int64_t t0 = grt_nanotime();
	for (int i = 0; i < NCPU; i++) {
		jobs[i] = (struct cpujob){ &wg, i, work, 0, -1 };
		grt_go(cpuworker, &jobs[i]);
	}
	grt_wg_wait(&wg);
	int64_t t = grt_nanotime() - t0;
	uint64_t check = 0;
	*elsewhere = 0;
	for (int i = 0; i < NCPU; i++) {
		check ^= jobs[i].out;
		*elsewhere += jobs[i].p != here;
	}
	if (work == CPUWORK && check != BURNCHECK) {
		fprintf(stderr, "bench parallel: the goroutines computed %llu\n", (unsigned long long)check);
		exit(1);
	}
	return t;
}

/* Best of three against best of three: on a machine that runs other work
 * too, the fastest run is the one least disturbed.  A first round with no
 * work makes the goroutines' stacks, so that fresh memory (page faults)
 * is not counted as scheduling.  Which P ran each goroutine does not
 * depend on how busy the machine is: on 2 Ps, about half of them should
 * run on the P that did not spawn them. */
static void bench_parallel(void)
{
	int64_t serial = INT64_MAX, parallel = INT64_MAX;
	int elsewhere, moved = 0;
	parallelrun(0, &elsewhere);
	for (int i = 0; i < 3; i++) {
		int64_t s = serialrun(), p = parallelrun(CPUWORK, &elsewhere);
		serial = s < serial ? s : serial;
		parallel = p < parallel ? p : parallel;
		moved += elsewhere;
	}
	report("CPU-bound, speed-up", (double)serial / parallel, "x");
	report("  run on other Ps", 100.0 * moved / (3 * NCPU), "%");
}

/* ---- skynet ---- */

struct skynet {
	grt_chan *out; /* where to send the sum */
	long num, size;
};

static void skynet(void *arg)
{
	struct skynet *s = arg;
	long sum = s->num;
	if (s->size > 1) {
		struct skynet kids[10]; /* live until every kid has sent */
		grt_chan *c = grt_chan_make(sizeof(long), 0);
		long step = s->size / 10;
		for (int i = 0; i < 10; i++) {
			kids[i] = (struct skynet){ c, s->num + i * step, step };
			grt_go(skynet, &kids[i]);
		}
		sum = 0;
		for (int i = 0; i < 10; i++) {
			long v;
			grt_chan_recv(c, &v);
			sum += v;
		}
		grt_chan_free(c);
	}
	grt_chan_send(s->out, &sum);
}

static double skynet1(void)
{
	grt_chan *c = grt_chan_make(sizeof(long), 0);
	struct skynet root = { c, 0, 1000000 };
	long sum;
	int64_t t0 = grt_nanotime();
	grt_go(skynet, &root);
	grt_chan_recv(c, &sum);
	double ms = (grt_nanotime() - t0) / 1e6;
	grt_chan_free(c);
	if (sum != 499999500000L) {
		fprintf(stderr, "bench skynet: sum %ld, want 499999500000\n", sum);
		exit(1);
	}
	return ms;
}

/* The first run pays for fresh memory: each of the tens of thousands of
 * goroutines alive at once touches a new stack page (a page fault).  The
 * second reuses the stacks of the first run's dead goroutines. */
static void bench_skynet(void)
{
	report("skynet, 1.1M goroutines", skynet1(), "ms");
	report("  once more, memory reused", skynet1(), "ms");
}

/* ---- pool: channels, a mutex and wait groups, with 64 workers ---- */

#define NJOBS 1000000L
#define NWORKERS 64

struct pool {
	grt_chan *jobs, *results;
	grt_mutex mu;
	long done;    /* guarded by mu: jobs done */
	uint64_t acc; /* guarded by mu: what they computed */
	grt_wg workers;
};

static void producer(void *arg)
{
	struct pool *pl = arg;
	for (long j = 0; j < NJOBS; j++)
		grt_chan_send(pl->jobs, &j);
	grt_chan_close(pl->jobs);
}

static void poolworker(void *arg)
{
	struct pool *pl = arg;
	long j;
	while (grt_chan_recv(pl->jobs, &j)) {
		uint64_t x = burn(j, 50);
		grt_mutex_lock(&pl->mu);
		pl->done++;
		pl->acc ^= x;
		grt_mutex_unlock(&pl->mu);
		grt_chan_send(pl->results, &j);
	}
	grt_wg_done(&pl->workers);
}

static double cputime(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
	       ru.ru_stime.tv_usec / 1e3;
}

static void bench_pool(void)
{
	struct pool pl = { .jobs = grt_chan_make(sizeof(long), NWORKERS),
			   .results = grt_chan_make(sizeof(long), NWORKERS) };
	double cpu0 = cputime();
	int64_t t0 = grt_nanotime();
	grt_wg_add(&pl.workers, NWORKERS);
	for (int i = 0; i < NWORKERS; i++)
		grt_go(poolworker, &pl);
	grt_go(producer, &pl);
	long sum = 0, want = NJOBS * (NJOBS - 1) / 2, r;
	for (long j = 0; j < NJOBS; j++) {
		grt_chan_recv(pl.results, &r);
		sum += r;
	}
	grt_wg_wait(&pl.workers);
	double ms = (grt_nanotime() - t0) / 1e6, cpu = cputime() - cpu0;
	if (sum != want || pl.done != NJOBS) {
		fprintf(stderr, "bench pool: %ld jobs done, sum %ld, want %ld jobs and sum %ld\n", pl.done,
			sum, NJOBS, want);
		exit(1);
	}
	report("pool, wall", ms, "ms");
	report("pool, CPU", cpu, "ms");
}

static const struct {
	const char *name;
	void (*fn)(void);
} benches[] = {
	{ "yield", bench_yield },	{ "spawn", bench_spawn },   { "spawnall", bench_spawnall },
	{ "chan", bench_chan },		{ "parallel", bench_parallel }, { "skynet", bench_skynet },
	{ "pool", bench_pool },
};
#define NBENCH (sizeof benches / sizeof benches[0])

static char **names;

static void run(void *arg)
{
	(void)arg;
	for (char **n = names; *n; n++) {
		size_t i = 0;
		while (i < NBENCH && strcmp(benches[i].name, *n) != 0)
			i++;
		if (i == NBENCH) {
			fprintf(stderr, "bench-sched: no benchmark %s\n", *n);
			exit(2);
		}
		benches[i].fn();
	}
}

int main(int argc, char **argv)
{
	static char *everyday[] = { "yield", "spawn", "spawnall", "chan", NULL };
	names = argc > 1 ? argv + 1 : everyday;
	return grt_main(run, NULL);
}
