/*
 * Lab 4's tests in the running runtime: goroutines block in read(2) on
 * pipes while others must go on; sysmon hands off the stuck Ps.  A pipe's
 * writer is a plain thread of the test (a "watchdog"), so that the shipped
 * stub, where a blocked goroutine keeps the only P, ends with a message
 * rather than a hang.  Each test opens with the question it answers.  Do
 * not edit: the grader uses a pristine copy of this folder.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "runtime.h"

static void maxprocs(const char *n)
{
	setenv("GRT_MAXPROCS", n, 1);
}

/* The process's threads, from /proc/self/task. */
static int nthreads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		FAIL("cannot open /proc/self/task");
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- one goroutine blocks in read(2): do the others go on? ---- */

static int rd_pipe[2];
static _Atomic int rd_done;
static _Atomic long rd_progress, rd_progress_at_read;
static long rd_n;

static void *rd_writer(void *arg)
{
	(void)arg;
	usleep(200000);
	atomic_store(&rd_progress_at_read, atomic_load(&rd_progress));
	if (write(rd_pipe[1], "x", 1) != 1)
		FAIL("write to a pipe failed");
	return NULL;
}

static void rd_reader(void *arg)
{
	char c;
	rd_n = GRT_SYSCALL(read(rd_pipe[0], &c, 1));
	atomic_store(&rd_done, 1);
	grt_wg_done(arg);
}

static void rd_counter(void *arg)
{
	while (!atomic_load(&rd_done)) {
		atomic_fetch_add(&rd_progress, 1);
		grt_yield();
	}
	grt_wg_done(arg);
}

static void rd_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 2);
	grt_go(rd_reader, &wg);
	grt_go(rd_counter, &wg);
	grt_wg_wait(&wg);
}

TEST(blocked_read_goes_on, 4, 20,
     "One P. A goroutine waits 200 ms in read(2), its thread asleep in the kernel. Who runs the other "
     "goroutine meanwhile, and on which P?")
{
	maxprocs("1");
	CHECK(pipe(rd_pipe) == 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, rd_writer, NULL) == 0);
	grt_main(rd_main, NULL);
	pthread_join(t, NULL);
	CHECK_EQ(1, rd_n);
	CHECK_MSG(rd_progress_at_read >= 100, "while a goroutine waited 200 ms in read(2), the other runnable "
		  "goroutine ran %ld times: the only P stayed with the blocked M (sysmon's retake should hand it "
		  "off)", (long)rd_progress_at_read);
}

/* ---- quick calls keep their P; a slow one gives it up ---- */

#define NFAST 100000
static int64_t fast_startm, slow_startm;
static _Atomic int slow_other_ran;
static int slow_ran_during;

static void slow_other(void *arg)
{
	(void)arg;
	atomic_store(&slow_other_ran, 1);
}

static void fastslow_main(void *arg)
{
	(void)arg;
	int64_t s0 = atomic_load(&sched.nstartm);
	for (int i = 0; i < NFAST; i++)
		GRT_SYSCALL(getppid());
	fast_startm = atomic_load(&sched.nstartm) - s0;
	grt_go(slow_other, NULL);
	s0 = atomic_load(&sched.nstartm);
	GRT_SYSCALL(usleep(100000));
	slow_ran_during = atomic_load(&slow_other_ran);
	slow_startm = atomic_load(&sched.nstartm) - s0;
}

TEST(handoff_only_slow_calls, 3, 20,
     "One P. 100,000 getppid calls, then one 100 ms sleep while another goroutine waits. Which deserve a "
     "hand-off, and how does sysmon tell them apart?")
{
	maxprocs("1");
	grt_main(fastslow_main, NULL);
	CHECK_MSG(slow_ran_during, "a goroutine waited for the only P during a 100 ms call and did not run: the "
		  "P was not handed off (retake)");
	CHECK_MSG(slow_startm >= 1, "sched.nstartm did not move during the 100 ms call");
	CHECK_MSG(fast_startm <= NFAST / 1000, "100,000 quick getppid calls caused %lld hand-offs (startm): sysmon "
		  "retakes only a P in the same call at two looks, its syscalltick unchanged",
		  (long long)fast_startm);
}

/* ---- many goroutines blocked at once ---- */

/* A wave of n goroutines, each blocked in read(2) on a pipe of its own.
 * The watchdog waits until all n are in the call (or 2 s), counts the
 * threads for 50 ms, then writes to every pipe. */
struct wave {
	int n;
	int (*fds)[2];
	_Atomic int inread, readok;
	int peak;   /* the most threads seen while all were in the call */
	int seen;   /* how many were in the call when the watchdog stopped waiting */
	bool allin; /* all n were in the call at once */
	grt_wg wg;
};

static void *wave_watchdog(void *arg)
{
	struct wave *w = arg;
	for (int i = 0; i < 2000 && atomic_load(&w->inread) < w->n; i++)
		usleep(1000);
	w->seen = atomic_load(&w->inread);
	w->allin = w->seen == w->n;
	usleep(20000); /* the last hand-offs settle */
	for (int i = 0; i < 50; i++) {
		int t = nthreads();
		w->peak = t > w->peak ? t : w->peak;
		usleep(1000);
	}
	for (int i = 0; i < w->n; i++)
		if (write(w->fds[i][1], "x", 1) != 1)
			FAIL("write to a pipe failed");
	return NULL;
}

static struct wave *wave_now;

static void wave_reader(void *arg)
{
	intptr_t i = (intptr_t)arg;
	struct wave *w = wave_now;
	char c;
	atomic_fetch_add(&w->inread, 1);
	if (GRT_SYSCALL(read(w->fds[i][0], &c, 1)) == 1)
		atomic_fetch_add(&w->readok, 1);
	grt_wg_done(&w->wg);
}

/* From a goroutine: run a wave of n to the end. */
static void wave_run(struct wave *w, int n)
{
	memset(w, 0, sizeof *w);
	w->n = n;
	w->fds = calloc(n, sizeof *w->fds);
	for (int i = 0; i < n; i++)
		if (pipe(w->fds[i]) != 0)
			FAIL("pipe: out of file descriptors");
	wave_now = w;
	pthread_t t;
	if (pthread_create(&t, NULL, wave_watchdog, w) != 0)
		FAIL("pthread_create failed");
	grt_wg_add(&w->wg, n);
	for (intptr_t i = 0; i < n; i++)
		grt_go(wave_reader, (void *)i);
	grt_wg_wait(&w->wg);
	GRT_SYSCALL(pthread_join(t, NULL));
	for (int i = 0; i < n; i++)
		close(w->fds[i][0]), close(w->fds[i][1]);
	free(w->fds);
}

static void wave_check(struct wave *w)
{
	CHECK_MSG(w->allin, "on one P, only %d of %d goroutines got into read(2) within 2 s: each blocked "
		  "goroutine must give up the P (sysmon's retake) for the next to run", w->seen, w->n);
	CHECK_EQ(w->n, w->readok);
}

#define NFIFTY 50
static struct wave fifty;

static void fifty_main(void *arg)
{
	(void)arg;
	wave_run(&fifty, NFIFTY);
}

TEST(fifty_blocked_threads, 3, 30,
     "One P, 50 goroutines blocked in read(2) at once: how many threads does that take, at least and at "
     "most?")
{
	maxprocs("1");
	grt_main(fifty_main, NULL);
	wave_check(&fifty);
	/* 50 Ms in the kernel, 1 for the P, the thread in grt_main, sysmon,
	 * one spare M; and the test's watchdog. */
	int bound = NFIFTY + 1 + 3 + 1;
	CHECK_MSG(fifty.peak <= bound, "%d threads for 50 goroutines blocked at once on one P, more than %d (50 in "
		  "the kernel, GOMAXPROCS, the waiting first thread, sysmon, one spare M, the test's watchdog): "
		  "Ms started and never used?", fifty.peak, bound);
}

/* ---- a second wave: threads from the M cache, or new ones? ---- */

#define NWAVE 20
static struct wave wave1, wave2;
static int threads_between, busy_between;

/* Every M but ours, and sysmon, asleep in the M cache (or 2 s gone). */
static void settle(void)
{
	for (int i = 0; i < 2000; i++) {
		lock(&sched.lock);
		busy_between = atomic_load(&sched.mcount) - sched.nmidle - sched.nmsys;
		unlock(&sched.lock);
		if (busy_between <= 1)
			return;
		grt_sleep(1000000);
	}
}

static void waves_main(void *arg)
{
	(void)arg;
	wave_run(&wave1, NWAVE);
	settle();
	threads_between = nthreads();
	if (wave1.allin)
		wave_run(&wave2, NWAVE);
}

TEST(second_wave_reuses_threads, 2, 40,
     "20 goroutines block in read(2), all come back; then 20 more block. Where do the threads for the "
     "second wave come from?")
{
	maxprocs("1");
	grt_main(waves_main, NULL);
	wave_check(&wave1);
	wave_check(&wave2);
	CHECK_MSG(busy_between <= 1, "2 s after the first wave, %d Ms were still not idle in the M cache",
		  busy_between);
	/* The second wave's watchdog is the one thread more. */
	CHECK_MSG(wave2.peak <= threads_between + 1, "the second wave of 20 blocked calls made new threads (%d, "
		  "from %d and a watchdog): the Ms of the first wave, asleep in the M cache, should serve it "
		  "(startm takes them)", wave2.peak, threads_between);
}

/* ---- many goroutines, many calls, Ps moving around: is any lost? ---- */

#define NWORK 100
#define NITER 30
static _Atomic int work_iters[NWORK];
static _Atomic int work_inside, work_maxinside; /* goroutines in a call at once */
static _Atomic int work_left = NWORK;

static void worker(void *arg)
{
	intptr_t i = (intptr_t)arg;
	for (int k = 0; k < NITER; k++) {
		int in = atomic_fetch_add(&work_inside, 1) + 1;
		for (int max = atomic_load(&work_maxinside); in > max;)
			if (atomic_compare_exchange_weak(&work_maxinside, &max, in))
				break;
		/* Mostly quick; every tenth lasts 25 ms, longer than two of
		 * sysmon's looks however far it has backed off (10 ms). */
		GRT_SYSCALL(usleep(k % 10 == 9 ? 25000 : (unsigned)((i * 7 + k * 13) % 500)));
		atomic_fetch_sub(&work_inside, 1);
		atomic_fetch_add(&work_iters[i], 1);
		if (k % 3 == 0)
			grt_yield();
	}
	atomic_fetch_sub(&work_left, 1);
}

/* Keeps one P computing, so that hand-offs find work waiting. */
static void work_hog(void *arg)
{
	(void)arg;
	while (atomic_load(&work_left) > 0)
		for (int i = 0; i < 1000 && atomic_load(&work_left) > 0; i++)
			grt_yield();
}

static void work_main(void *arg)
{
	(void)arg;
	grt_go(work_hog, NULL);
	for (intptr_t i = 0; i < NWORK; i++)
		grt_go(worker, (void *)i);
	while (atomic_load(&work_left) > 0)
		grt_yield();
}

TEST(nothing_lost_across_handoffs, 4, 40,
     "2 Ps, 100 goroutines making 30 blocking calls each, most quick, some slow, while the Ps are handed "
     "off and taken back around them: does every goroutine come back from every call, and to a P?")
{
	maxprocs("2");
	grt_main(work_main, NULL);
	for (int i = 0; i < NWORK; i++)
		CHECK_MSG(work_iters[i] == NITER, "goroutine %d came back from %d of its %d calls", i,
			  work_iters[i], NITER);
	/* A goroutine makes a call while it holds a P: more goroutines in
	 * calls at once than Ps means that Ps were handed off. */
	CHECK_MSG(work_maxinside > 2, "3,000 blocking calls on 2 Ps, and never more than %d goroutines in a call at "
		  "once: each call kept its P (were Ps ever handed off?)", work_maxinside);
}

/* ---- calls nobody waits for ---- */

#define NIDLECALL 50
static uint32_t ticks_delta;
static bool retaken_eventually;
static int64_t retaken_after;

static uint32_t allticks(void)
{
	uint32_t t = 0;
	for (int i = 0; i < gomaxprocs; i++)
		t += allp[i]->syscalltick;
	return t;
}

static void lazy_main(void *arg)
{
	(void)arg;
	uint32_t t0 = allticks();
	for (int i = 0; i < NIDLECALL; i++)
		GRT_SYSCALL(usleep(2000));
	ticks_delta = allticks() - t0;
	/* One long call: retaken after all, once 10 ms have passed. */
	struct p *pp = getm()->p;
	int64_t start = grt_nanotime();
	entersyscall();
	for (int i = 0; i < 2000 && atomic_load(&pp->status) == _Psyscall; i++)
		usleep(1000);
	retaken_after = grt_nanotime() - start;
	retaken_eventually = atomic_load(&pp->status) != _Psyscall;
	exitsyscall();
}

TEST(retake_spares_idle_calls, 2, 20,
     "2 Ps, one goroutine: 50 calls of 2 ms, then one that lasts. Nobody waits for its P and the other P "
     "is idle: is a hand-off worth its cost, and when is it anyway?")
{
	maxprocs("2");
	grt_main(lazy_main, NULL);
	CHECK_MSG(ticks_delta >= NIDLECALL, "50 calls added %u to the Ps' syscalltick: each call's end adds 1",
		  ticks_delta);
	CHECK_MSG(ticks_delta <= NIDLECALL + 5, "50 calls of 2 ms with no work waiting and a P idle were retaken "
		  "%u times: retake leaves such a P alone for 10 ms", ticks_delta - NIDLECALL);
	CHECK_MSG(retaken_eventually, "a P stayed in _Psyscall %lld ms: past 10 ms, retake takes it even with "
		  "nothing waiting", (long long)(retaken_after / 1000000));
}

/* ---- more threads than allowed ---- */

#define NLIMIT 20
static int limit_fds[NLIMIT][2];
static _Atomic int limit_in;

static void *limit_watchdog(void *arg)
{
	(void)arg;
	sleep(2);
	fprintf(stderr, "test: only %d of %d goroutines got into read(2) in 2 s, and no thread limit was hit\n",
		atomic_load(&limit_in), NLIMIT);
	_exit(3);
}

static void limit_reader(void *arg)
{
	intptr_t i = (intptr_t)arg;
	char c;
	atomic_fetch_add(&limit_in, 1);
	GRT_SYSCALL(read(limit_fds[i][0], &c, 1));
}

static void limit_main(void *arg)
{
	(void)arg;
	for (intptr_t i = 0; i < NLIMIT; i++)
		grt_go(limit_reader, (void *)i);
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 1);
	grt_wg_wait(&wg);
}

static void limit_child(void)
{
	maxprocs("1");
	setenv("GRT_MAXTHREADS", "8", 1);
	for (int i = 0; i < NLIMIT; i++)
		if (pipe(limit_fds[i]) != 0)
			_exit(2);
	pthread_t t;
	pthread_create(&t, NULL, limit_watchdog, NULL);
	grt_main(limit_main, NULL);
}

TEST(thread_limit_message, 2, 20,
     "GRT_MAXTHREADS=8, and 20 goroutines block in read(2) at once. What should the program say?")
{
	char err[4096];
	int status = harness_child(limit_child, err, sizeof err);
	CHECK_MSG(strstr(err, "thread exhaustion") && strstr(err, "GRT_MAXTHREADS=8"),
		  "no \"thread exhaustion\" message naming GRT_MAXTHREADS=8; the program's stderr: %s", err);
	CHECK_MSG(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0),
		  "the program exited with status 0 after the message");
}

/* ---- a goroutine in a call is no deadlock (a 0-point guard) ---- */

static grt_chan *dl_ch;

static void dl_sleeper(void *arg)
{
	(void)arg;
	GRT_SYSCALL(usleep(300000));
	int v = 7;
	grt_chan_send(dl_ch, &v);
}

static void dl_main(void *arg)
{
	(void)arg;
	dl_ch = grt_chan_make(sizeof(int), 0);
	grt_go(dl_sleeper, NULL);
	int v = 0;
	grt_chan_recv(dl_ch, &v); /* every other M idles for 300 ms */
	fprintf(stderr, "test: received %d\n", v);
	grt_chan_recv(dl_ch, &v); /* now a real deadlock */
}

static void dl_child(void)
{
	maxprocs("2");
	grt_main(dl_main, NULL);
}

TEST(syscall_is_no_deadlock, 0, 20,
     "Every goroutine waits but one, which is in a 300 ms system call: is that a deadlock? And after it?")
{
	char err[4096];
	harness_child(dl_child, err, sizeof err);
	const char *got = strstr(err, "test: received 7");
	const char *dead = strstr(err, "all goroutines are asleep - deadlock!");
	CHECK_MSG(got, "\"deadlock\" reported while a goroutine was in a system call (or it never came back); "
		  "stderr: %s", err);
	CHECK_MSG(dead && dead > got, "no deadlock reported once every goroutine waited for good; stderr: %s",
		  err);
}
