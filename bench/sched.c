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
 *   blocked    50 goroutines each block in read(2) on a pipe of its own
 *              for 200 ms while another yields in a loop (bench/run gives
 *              it one P): its worst lateness, the longest gap between two
 *              of its turns, and the most threads alive meanwhile
 *   fileread   8 goroutines read a slow disk (pread, then 20 to 40 ms of
 *              latency in nanosleep) while 4 compute, yielding after each
 *              50 us unit: the units computed a second, their share of
 *              what the same computers do alone, and the reads a second
 *
 * Each result is a line "what TAB grt TAB value TAB unit"; bench/run reads
 * them.  The same work is in go/sched_test.go for Go, with the same names.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

/* ---- blocked: goroutines in read(2), on one P ---- */

#define NBLOCKED 50
#define BLOCKMS 200 /* how long the readers stay blocked */

/* The process's threads, from /proc/self/task. */
static int nthreads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d) {
		perror("bench: /proc/self/task");
		exit(1);
	}
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

struct blocked {
	int fds[NBLOCKED][2];
	_Atomic int started, stop;
	int64_t worst; /* the yielder's longest gap between two iterations */
	int peak;      /* the most threads seen near the end of the block */
	grt_wg readers, yielder;
};

/* A plain thread, not a goroutine: where a blocked reader keeps the only
 * P, no goroutine could run to unblock it.  It waits BLOCKMS, counting
 * the threads in the last 20 ms, when every reader that could get into
 * read(2) is there, then writes a byte to every pipe. */
static void *blocked_writer(void *arg)
{
	struct blocked *b = arg;
	usleep((BLOCKMS - 20) * 1000);
	for (int i = 0; i < 10; i++) {
		int n = nthreads() - 1; /* not this thread: Go's twin writes from a goroutine */
		b->peak = n > b->peak ? n : b->peak;
		usleep(2000);
	}
	for (int i = 0; i < NBLOCKED; i++)
		if (write(b->fds[i][1], "x", 1) != 1) {
			perror("bench blocked: write");
			exit(1);
		}
	return NULL;
}

static struct blocked *blocked_now;

static void blocked_reader(void *arg)
{
	int fd = *(int *)arg;
	char c;
	if (GRT_SYSCALL(read(fd, &c, 1)) != 1) {
		fprintf(stderr, "bench blocked: read: %s\n", strerror(grt_errno()));
		exit(1);
	}
	grt_wg_done(&blocked_now->readers);
}

/* Its lateness: the longest it waited between two of its turns. */
static void blocked_yielder(void *arg)
{
	struct blocked *b = arg;
	int64_t last = grt_nanotime();
	atomic_store(&b->started, 1);
	while (!atomic_load(&b->stop)) {
		grt_yield();
		int64_t now = grt_nanotime();
		b->worst = now - last > b->worst ? now - last : b->worst;
		last = now;
	}
	grt_wg_done(&b->yielder);
}

/* The yielder is running before the readers come, so that it sees the
 * whole block.  With the stub, the first reader keeps the only P until the
 * writer's bytes arrive, and the yielder's worst lateness is about
 * BLOCKMS.  With the hand-off, its worst wait is behind the readers queued
 * before it: each sits in read(2) holding the P until sysmon's second look
 * gives the P to another M, a new thread (50 threads in the kernel). */
static void bench_blocked(void)
{
	static struct blocked b;
	memset(&b, 0, sizeof b);
	blocked_now = &b;
	for (int i = 0; i < NBLOCKED; i++)
		if (pipe(b.fds[i]) != 0) {
			perror("bench blocked: pipe");
			exit(1);
		}
	grt_wg_add(&b.yielder, 1);
	grt_go(blocked_yielder, &b);
	while (!atomic_load(&b.started))
		grt_yield();
	pthread_t writer;
	if (pthread_create(&writer, NULL, blocked_writer, &b) != 0) {
		fprintf(stderr, "bench blocked: pthread_create failed\n");
		exit(1);
	}
	grt_wg_add(&b.readers, NBLOCKED);
	for (int i = 0; i < NBLOCKED; i++)
		grt_go(blocked_reader, &b.fds[i][0]);
	grt_wg_wait(&b.readers);
	atomic_store(&b.stop, 1);
	grt_wg_wait(&b.yielder);
	GRT_SYSCALL(pthread_join(writer, NULL));
	for (int i = 0; i < NBLOCKED; i++)
		close(b.fds[i][0]), close(b.fds[i][1]);
	report("blocked: worst lateness", b.worst / 1e6, "ms");
	report("  threads, peak", b.peak, "thr");
}

/* ---- fileread: computing while others wait for a slow disk ---- */

#define NDISK 8	       /* goroutines reading */
#define NCOMPUTE 4     /* goroutines computing */
#define UNITWORK 40000 /* steps of burn in a work unit: about 50 us */
#define DISKMS 20      /* a read's latency: from DISKMS to 2 * DISKMS ms */
#define BLOCKSIZE 4096
#define FILEBLOCKS 16
#define ALONEMS 100 /* computing alone, for comparison */
#define WITHMS 300  /* computing while the readers read */

struct fileread {
	int fd;
	int64_t t0, deadline;
	_Atomic long units, reads;
	_Atomic int64_t end;      /* when the last goroutine ended */
	_Atomic uint64_t readers; /* readers started: the next one's seed */
	grt_wg wg;
};

static void fileread_end(struct fileread *f)
{
	int64_t now = grt_nanotime(), e = atomic_load(&f->end);
	while (now > e && !atomic_compare_exchange_weak(&f->end, &e, now))
		;
	grt_wg_done(&f->wg);
}

static _Atomic uint64_t burnsink; /* keeps the work from being optimized away */

/* Work units until the deadline, yielding after each: without preemption
 * (lab 6), yielding is how a goroutine lets the others run. */
static void computer(void *arg)
{
	struct fileread *f = arg;
	uint64_t x = grt_goid();
	long n = 0;
	while (grt_nanotime() < f->deadline) {
		x = burn(x, UNITWORK);
		n++;
		grt_yield();
	}
	atomic_fetch_xor(&burnsink, x);
	atomic_fetch_add(&f->units, n);
	fileread_end(f);
}

/* The next read's latency, from DISKMS to twice that: the same sequence
 * as Go's twin.  Equal latencies would keep the readers in step, all in
 * the kernel at once and then none, and sysmon slows down in between. */
static int64_t disklatency(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return DISKMS * 1000000LL + (int64_t)((*x >> 33) % (DISKMS * 1000000ULL));
}

/* A slow disk: each read is a pread of a block (from the page cache:
 * quick) and then the device's latency, a nanosleep, both system calls.
 * The latency is long enough that sysmon hands the P off even when it
 * looks only every 10 ms, as it does after a while with nothing to
 * retake.  After each read the reader lets the others run, as it would
 * after handing the block on; Go's twin does all the same. */
static void diskreader(void *arg)
{
	struct fileread *f = arg;
	char buf[BLOCKSIZE];
	uint64_t x = atomic_fetch_add(&f->readers, 1) + 1;
	long n = 0;
	for (off_t off = 0; grt_nanotime() < f->deadline; off = (off + BLOCKSIZE) % (FILEBLOCKS * BLOCKSIZE)) {
		if (GRT_SYSCALL(pread(f->fd, buf, sizeof buf, off)) != sizeof buf) {
			fprintf(stderr, "bench fileread: pread: %s\n", strerror(grt_errno()));
			exit(1);
		}
		int64_t ns = disklatency(&x);
		struct timespec latency = { ns / 1000000000, ns % 1000000000 };
		GRT_SYSCALL(nanosleep(&latency, NULL));
		n++;
		grt_yield();
	}
	atomic_fetch_add(&f->reads, n);
	fileread_end(f);
}

/* ndisk readers and NCOMPUTE computers for ms milliseconds; the units
 * computed a second, and the reads made a second. */
static void filereadrun(int fd, int ndisk, int ms, double *units, double *reads)
{
	struct fileread f = { .fd = fd };
	f.t0 = grt_nanotime();
	atomic_store(&f.end, f.t0);
	f.deadline = f.t0 + ms * 1000000LL;
	grt_wg_add(&f.wg, NCOMPUTE + ndisk);
	for (int i = 0; i < ndisk; i++)
		grt_go(diskreader, &f);
	for (int i = 0; i < NCOMPUTE; i++)
		grt_go(computer, &f);
	grt_wg_wait(&f.wg);
	double s = (f.end - f.t0) / 1e9;
	*units = f.units / s;
	*reads = f.reads / s;
}

/* With the stub, a reader keeps its P through its read: at most as many
 * reads as Ps are in flight, and while they are, nothing computes.  With
 * the hand-off, every reader can wait at once, and the computers have the
 * Ps but for the time each read's P waits in _Psyscall for sysmon's
 * second look: sysmon, finding a read to retake only every few ms here,
 * looks only every few ms (Go's sysmon does the same).  The computers
 * alone first say how much work this machine gives them when nobody
 * reads. */
static void bench_fileread(void)
{
	char path[] = "/tmp/grt-bench-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("bench fileread: mkstemp");
		exit(1);
	}
	unlink(path);
	static char block[BLOCKSIZE];
	for (int i = 0; i < FILEBLOCKS; i++) {
		memset(block, 'a' + i, sizeof block);
		if (write(fd, block, sizeof block) != sizeof block) {
			perror("bench fileread: write");
			exit(1);
		}
	}
	double alone, with, reads;
	filereadrun(fd, 0, ALONEMS, &alone, &reads);
	filereadrun(fd, NDISK, WITHMS, &with, &reads);
	close(fd);
	report("fileread: compute", with, "/s");
	report("  of compute alone", 100 * with / alone, "%");
	report("  disk reads", reads, "/s");
}

static const struct {
	const char *name;
	void (*fn)(void);
} benches[] = {
	{ "yield", bench_yield },	{ "spawn", bench_spawn },   { "spawnall", bench_spawnall },
	{ "chan", bench_chan },		{ "parallel", bench_parallel }, { "skynet", bench_skynet },
	{ "pool", bench_pool },	{ "blocked", bench_blocked },	{ "fileread", bench_fileread },
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
