/*
 * Lab 3's tests in the running runtime: work spread by stealing, and the
 * spinning protocol losing no wake-up.  Each test opens with the question
 * it answers.  sched.nsteal counts the goroutines findrunnable got from
 * trysteal: a test worth points checks that stealing happened, since the
 * shipped stub also runs everything exactly once (on one P).  Do not
 * edit: the grader uses a pristine copy of this folder.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "harness.h"
#include "runtime.h"

static void maxprocs(const char *n)
{
	setenv("GRT_MAXPROCS", n, 1);
}

static int myp(void)
{
	return getm()->p->id;
}

/* ---- does work spawned by one goroutine run on both Ps? ---- */

#define NSPREAD 200
static _Atomic int ran_on[8];
static _Atomic int nran;

/* About 300 us of work that calls nothing.  The empty asm keeps the
 * compiler from folding the loop away, without sharing a variable
 * between goroutines (a data race, which ThreadSanitizer would report). */
static void burn(void *arg)
{
	grt_wg *wg = arg;
	int64_t t0 = grt_nanotime();
	uint64_t x = 0;
	do {
		for (int i = 0; i < 1000; i++) {
			x += i;
			__asm__ volatile("" : "+r"(x));
		}
	} while (grt_nanotime() - t0 < 300000);
	atomic_fetch_add(&ran_on[myp()], 1);
	atomic_fetch_add(&nran, 1);
	grt_wg_done(wg);
}

static void spread_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, NSPREAD);
	for (int i = 0; i < NSPREAD; i++)
		grt_go(burn, &wg);
	grt_wg_wait(&wg);
}

TEST(spawned_work_spreads, 3, 30,
     "One goroutine spawns 200 that compute: they all sit in its P's queue. What does the other P do "
     "when its own queue and the global one are empty?")
{
	maxprocs("2");
	grt_main(spread_main, NULL);
	CHECK_EQ(NSPREAD, nran);
	int lo = ran_on[0] < ran_on[1] ? ran_on[0] : ran_on[1];
	CHECK_MSG(lo >= NSPREAD / 20, "of %d goroutines spawned on one P, %d ran on P0 and %d on P1: the idle "
		  "P should steal half of the busy P's queue", NSPREAD, ran_on[0], ran_on[1]);
	CHECK_MSG(atomic_load(&sched.nsteal) > 0, "the work spread, but trysteal never returned a goroutine "
		  "(sched.nsteal is 0)");
}

/* ---- is no wake-up lost while Ms start and stop spinning? ---- */

#define NPING 20000
static _Atomic int pinged;
static _Atomic long lost_at = -1;

static void ping(void *arg)
{
	(void)arg;
	atomic_fetch_add(&pinged, 1);
}

/* main never yields: what it spawns runs only if the other P steals it.
 * An M that goes to sleep just as the goroutine arrives, without looking
 * again, leaves it there for good. */
static void wakeup_main(void *arg)
{
	(void)arg;
	for (long i = 0; i < NPING; i++) {
		int want = atomic_load(&pinged) + 1 + (i % 3 == 0);
		grt_go(ping, NULL);
		if (i % 3 == 0)
			grt_go(ping, NULL); /* the first moves from runnext to the ring */
		int64_t t0 = grt_nanotime();
		for (long spins = 0; atomic_load(&pinged) < want; spins++) {
			if (spins % 1024 == 0 && grt_nanotime() - t0 > 2000000000) {
				atomic_store(&lost_at, i);
				return;
			}
		}
	}
}

TEST(no_lost_wakeup, 4, 120,
     "A goroutine is made runnable while the only spinning M is giving up: the maker sees nmspinning > 0 "
     "and wakes nobody. What must the spinner do after it stops spinning?")
{
	maxprocs("2");
	grt_main(wakeup_main, NULL);
	CHECK_MSG(lost_at < 0, "round %ld: a goroutine spawned by a busy goroutine waited 2 s in its queue "
		  "with the other P idle: a lost wake-up (or no stealing at all)", lost_at);
	CHECK_EQ(NPING + (NPING + 2) / 3, pinged);
	CHECK_MSG(atomic_load(&sched.nsteal) > 0, "sched.nsteal is 0");
}

/* ---- 100,000 goroutines, thieves everywhere: each runs exactly once? ---- */

#define NSPAWNERS 4
#define NCHILD 25000
#define BURST 250
static _Atomic uint8_t child_ran[NSPAWNERS * NCHILD];
static grt_wg spawners_wg;

static void child(void *arg)
{
	intptr_t i = (intptr_t)arg;
	if (i % 7 == 0)
		grt_yield(); /* through the global queue */
	atomic_fetch_add(&child_ran[i], 1);
}

static void spawner(void *arg)
{
	intptr_t s = (intptr_t)arg;
	for (int b = 0; b < NCHILD / BURST; b++) {
		for (int k = 0; k < BURST; k++)
			grt_go(child, (void *)(s * NCHILD + b * BURST + k));
		grt_yield();
	}
	grt_wg_done(&spawners_wg);
}

static void many_main(void *arg)
{
	(void)arg;
	grt_wg_add(&spawners_wg, NSPAWNERS);
	for (intptr_t s = 0; s < NSPAWNERS; s++)
		grt_go(spawner, (void *)s);
	grt_wg_wait(&spawners_wg);
	/* The children may still be running: wait until each has. */
	for (int i = 0; i < NSPAWNERS * NCHILD; i++)
		while (atomic_load(&child_ran[i]) == 0)
			grt_yield();
}

TEST(hundred_thousand_once, 3, 60,
     "100,000 goroutines on 4 Ps, with thieves stealing all the time: does any run twice, or never?")
{
	maxprocs("4");
	grt_main(many_main, NULL);
	for (int i = 0; i < NSPAWNERS * NCHILD; i++)
		CHECK_MSG(child_ran[i] == 1, "goroutine number %d ran %d times", i, child_ran[i]);
	CHECK_MSG(atomic_load(&sched.nsteal) > 0, "100,000 goroutines ran on 4 Ps, and not one was stolen "
		  "(sched.nsteal is 0)");
}

/* ---- with nothing to do, do the Ms sleep? ---- */

static int64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

static int64_t idle_cpu, idle_wall;

static void idle_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 1000);
	for (int i = 0; i < 1000; i++)
		grt_go(burn, &wg);
	grt_wg_wait(&wg);
	/* Everyone is idle now but us, and we sleep in the kernel. */
	int64_t c0 = cpu_ns(), t0 = grt_nanotime();
	grt_sleep(200000000);
	idle_cpu = cpu_ns() - c0;
	idle_wall = grt_nanotime() - t0;
}

TEST(idle_ms_sleep, 1, 30,
     "Ms spun and stole while there was work; now there is nothing to run for 200 ms: does every M stop "
     "spinning and sleep?")
{
	maxprocs("4");
	grt_main(idle_main, NULL);
	CHECK_MSG(atomic_load(&sched.nsteal) > 0, "1000 goroutines spawned by one ran on 4 Ps, and not one "
		  "was stolen (sched.nsteal is 0)");
	CHECK_MSG(idle_cpu < idle_wall / 5, "in %lld ms with nothing to run, the process used %lld ms of CPU: "
		  "does a spinning M that finds nothing stop spinning and sleep?", (long long)idle_wall / 1000000,
		  (long long)idle_cpu / 1000000);
}
