/*
 * lateness.c - what lab 6 buys, and what it costs: a sleeper's wake-ups
 * beside goroutines that never call the runtime, and a CPU-bound
 * program's speed with the preemption signal on and off.
 *
 *     bench-lateness sleeper     (bench/run gives it GRT_MAXPROCS=1)
 *     bench-lateness cpu         (the same, with GRT_DEBUG=asyncpreemptoff
 *                                 set to 0 or 1)
 *
 *   sleeper  the main goroutine sleeps 1 ms in a loop for SLEEPMS while
 *            NHOGS hogs, goroutines in a loop with no call at all, share
 *            its one P: how many times it woke, and how late each wake-up
 *            was (grt_nanotime after the sleep minus the deadline), p50,
 *            p99 and the worst, and the share late by at most a time
 *            slice and sysmon's 1 ms look (11 ms).  A timer that fires
 *            while a hog runs readies its goroutine only when the P
 *            schedules again, so the lateness is how long a hog keeps
 *            the P.  Cooperative scheduling (lab 6's stub) lets it keep
 *            the P until it ends: a plain thread, which needs no P, stops
 *            the hogs after SLEEPMS (a goroutine could not, it would
 *            never run), and the sleeper wakes once.  With preemption
 *            each hog runs a time slice (forcePreemptNS, 10 ms), and a
 *            wake-up should be late by no more than one, but for the one
 *            in 61 that lab 2's fairness check makes two slices late.
 *            What a server's timeouts, or a heartbeat, need while other
 *            goroutines compute.
 *   cpu      NHOGS goroutines on one P each compute NCPUSTEPS steps of
 *            integer work with no call: wall and CPU time, the part of
 *            it that threads other than the computing one spent (sysmon's
 *            looks and signals, mostly), and the preemptions a second.
 *            The same work with the signal off (asyncpreemptoff=1) runs
 *            each goroutine to its end in one go; the difference is what
 *            the signals, the switches they cause and the caches they
 *            cool cost; sysmon looks at the Ps as often either way.  A
 *            P that runs one goroutine for seconds is where preemption
 *            costs most: a program that calls the runtime switches more
 *            often anyway.
 *
 * The work is a chain of multiplications (a 64-bit LCG, as bench/sched.c's
 * burn), written in the goroutine's own loop so that the compiler cannot
 * skip it and no call breaks it up.  Each result is a line "what TAB grt
 * TAB value TAB unit" for bench/run; go/lateness is Go's twin.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "runtime.h"

#define NHOGS 4
#define SLEEPNS (1000 * 1000LL)  /* each sleep: 1 ms */
#define SLEEPMS 5000             /* how long the sleeper runs */
#define SLICENS (11 * 1000 * 1000LL) /* a time slice (10 ms) and sysmon's look (1 ms) */
#define MAXWAKES (SLEEPMS * 1000 * 1000LL / SLEEPNS + 16)
#define NCPUSTEPS 300000000L     /* steps per goroutine in cpu: about 0.4 s each */

static void report(const char *what, double value, const char *unit)
{
	printf("%s\tgrt\t%.6g\t%s\n", what, value, unit);
	fflush(stdout);
}

static uint64_t lcg(uint64_t x)
{
	return x * 6364136223846793005ULL + 1442695040888963407ULL;
}

/* ---- sleeper ---- */

static _Atomic int stop;
static grt_wg hogs;
static volatile uint64_t sink; /* where the hogs' work goes, so that it is done */

/* A loop with no call: only a signal can take the P from it. */
static void hog(void *arg)
{
	uint64_t x = (uintptr_t)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		x = lcg(x);
	sink = x;
	grt_wg_done(&hogs);
}

/* A plain thread: it needs no P to stop the hogs. */
static void *stopper(void *arg)
{
	(void)arg;
	struct timespec ts = { SLEEPMS / 1000, SLEEPMS % 1000 * 1000000L };
	while (nanosleep(&ts, &ts) != 0) {
	}
	atomic_store(&stop, 1);
	return NULL;
}

static int bylateness(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The nearest rank: the smallest sample that a share q of them do not
 * exceed, in ms. */
static double percentile(const int64_t *sorted, long n, double q)
{
	long i = (long)(q * n + 0.999999) - 1;
	return sorted[i < 0 ? 0 : i] / 1e6;
}

/* The share of wake-ups late by no more than one time slice. */
static double within(const int64_t *sorted, long n, int64_t limit)
{
	long i = 0;
	while (i < n && sorted[i] <= limit)
		i++;
	return (double)i / n;
}

/* The hogs wait in the run queue until the first sleep parks the main
 * goroutine.  The sleeper also stops by itself after SLEEPMS: the
 * stopper is for when it cannot run. */
static void bench_sleeper(void)
{
	static int64_t late[MAXWAKES];
	long n = 0;
	pthread_t t;
	if (pthread_create(&t, NULL, stopper, NULL) != 0) {
		fprintf(stderr, "bench-lateness: pthread_create failed\n");
		exit(1);
	}
	grt_wg_add(&hogs, NHOGS);
	for (uintptr_t i = 0; i < NHOGS; i++)
		grt_go(hog, (void *)(i + 1));
	int64_t t0 = grt_nanotime();
	while (n < MAXWAKES && !atomic_load(&stop)) {
		int64_t deadline = grt_nanotime() + SLEEPNS;
		grt_sleep(SLEEPNS);
		int64_t now = grt_nanotime();
		late[n++] = now - deadline;
		if (now - t0 >= SLEEPMS * 1000000LL)
			atomic_store(&stop, 1);
	}
	grt_wg_wait(&hogs);
	pthread_join(t, NULL);
	qsort(late, n, sizeof late[0], bylateness);
	report("wake-ups in 5 s", n, "n");
	report("  lateness, p50", percentile(late, n, 0.50), "ms");
	report("  lateness, p99", percentile(late, n, 0.99), "ms");
	report("  lateness, worst", late[n - 1] / 1e6, "ms");
	report("  within a slice (11 ms)", 100.0 * within(late, n, SLICENS), "%");
}

/* ---- cpu ---- */

static volatile uint64_t results[NHOGS]; /* so that the work is done */

static void cruncher(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	uint64_t x = i + 1;
	for (long s = 0; s < NCPUSTEPS; s++)
		x = lcg(x);
	results[i] = x;
	grt_wg_done(&hogs);
}

static double cputime(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
	       ru.ru_stime.tv_usec / 1e3;
}

/* Each thread's time on a CPU so far, in ns, from /proc/self/task/TID/
 * schedstat: into tids and ns, at most MAXTHREADS; how many, or -1 where
 * the kernel keeps no schedstat. */
#define MAXTHREADS 64
static int threadtimes(long *tids, int64_t *ns)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	for (struct dirent *e; d && n < MAXTHREADS && (e = readdir(d));) {
		char path[300];
		long long t;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", e->d_name);
		FILE *f = fopen(path, "r");
		if (f && fscanf(f, "%lld", &t) == 1) {
			tids[n] = atol(e->d_name);
			ns[n++] = t;
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n > 0 ? n : -1;
}

/* What the threads other than the busiest one spent between two
 * threadtimes, in ms: the busiest ran the crunchers (on one P they stay
 * on its M), the others are the runtime's own work, sysmon's mostly. */
static double otherthreads(const long *tids0, const int64_t *ns0, int n0, const long *tids, const int64_t *ns,
			   int n)
{
	int64_t sum = 0, most = 0;
	for (int i = 0; i < n; i++) {
		int64_t d = ns[i];
		for (int j = 0; j < n0; j++)
			if (tids0[j] == tids[i])
				d -= ns0[j];
		sum += d;
		most = d > most ? d : most;
	}
	return (sum - most) / 1e6;
}

/* The CPU time is the whole process's: the crunchers' M, and sysmon's,
 * which sends the signals. */
static void bench_cpu(void)
{
	long tids0[MAXTHREADS], tids[MAXTHREADS];
	int64_t ns0[MAXTHREADS], ns[MAXTHREADS];
	int64_t preempts = atomic_load(&sched.npreempt);
	int n0 = threadtimes(tids0, ns0);
	double cpu0 = cputime();
	int64_t t0 = grt_nanotime();
	grt_wg_add(&hogs, NHOGS);
	for (uintptr_t i = 0; i < NHOGS; i++)
		grt_go(cruncher, (void *)i);
	grt_wg_wait(&hogs);
	double ms = (grt_nanotime() - t0) / 1e6, cpu = cputime() - cpu0;
	int n = threadtimes(tids, ns);
	report("4 CPU-bound goroutines, wall", ms, "ms");
	report("  CPU", cpu, "ms");
	if (n0 > 0 && n > 0)
		report("  CPU of the other threads", otherthreads(tids0, ns0, n0, tids, ns, n), "ms");
	report("  preemptions", (atomic_load(&sched.npreempt) - preempts) / (ms / 1e3), "/s");
}

static void run(void *arg)
{
	const char *name = arg;
	if (strcmp(name, "sleeper") == 0)
		bench_sleeper();
	else if (strcmp(name, "cpu") == 0)
		bench_cpu();
	else {
		fprintf(stderr, "bench-lateness: no benchmark %s (sleeper, cpu)\n", name);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench-lateness sleeper|cpu\n");
		return 2;
	}
	return grt_main(run, argv[1]);
}
