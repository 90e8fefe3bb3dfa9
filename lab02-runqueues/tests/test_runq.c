/*
 * Lab 2's tests: per-P run queues.  Each test opens with the question it
 * answers.  They read struct p directly (runtime/runtime.h), on one P
 * unless said otherwise, where the order of events is fixed.  Do not
 * edit: the grader uses a pristine copy of this folder.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "harness.h"
#include "runtime.h"

static void maxprocs(const char *n)
{
	setenv("GRT_MAXPROCS", n, 1);
}

static uint32_t ringlen(struct p *pp)
{
	return atomic_load(&pp->runqtail) - atomic_load(&pp->runqhead);
}

static struct p *myp(void)
{
	return getm()->p;
}

/* A trace of goroutine ids, in the order they ran. */
static int64_t trace[1024];
static _Atomic int ntrace;

static void record(void)
{
	trace[atomic_fetch_add(&ntrace, 1)] = grt_goid();
}

static void record_and_done(void *arg)
{
	record();
	grt_wg_done(arg);
}

/* ---- is the ring first in, first out, with the newest in runnext? ---- */

static int64_t ring_goids[16], next_goid;
static uint32_t ring_n;

static void fifo_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 10);
	for (int i = 0; i < 10; i++)
		grt_go(record_and_done, &wg);
	struct p *pp = myp();
	ring_n = ringlen(pp);
	for (uint32_t i = 0; i < ring_n && i < 16; i++)
		ring_goids[i] = atomic_load(&pp->runq[(atomic_load(&pp->runqhead) + i) % RUNQSIZE])->goid;
	struct g *next = atomic_load(&pp->runnext);
	next_goid = next ? next->goid : 0;
	grt_wg_wait(&wg);
}

TEST(ring_is_fifo, 3, 10,
     "After 10 spawns, where is each new goroutine? Which index does runqput write, and which does "
     "runqget read?")
{
	maxprocs("1");
	grt_main(fifo_main, NULL);
	/* main is goroutine 1, the ten spawned ones 2..11. */
	CHECK_EQ(11, next_goid);
	CHECK_EQ(9, ring_n);
	for (int i = 0; i < 9; i++)
		CHECK_EQ(2 + i, ring_goids[i]);
	CHECK_EQ(10, ntrace);
	CHECK_EQ(11, trace[0]); /* runnext first */
	for (int i = 1; i < 10; i++)
		CHECK_EQ(1 + i, trace[i]);
}

/* ---- does a goroutine readied by the running one run next, and does
 * the one it displaces go to the tail? ---- */

static grt_chan *cy, *cz;
static int64_t gx, gy, gz;

static void wake_y_then_z(void *arg)
{
	(void)arg;
	gx = grt_goid();
	record();
	int v = 1;
	grt_chan_send(cy, &v); /* Y parked on cy: it goes to runnext */
	grt_chan_send(cz, &v); /* Z takes runnext; Y moves to the tail */
}

static void wait_on(void *arg)
{
	int v;
	*(int64_t *)arg = grt_goid();
	grt_chan_recv(arg == &gy ? cy : cz, &v);
	record();
}

static void runnext_main(void *arg)
{
	(void)arg;
	cy = grt_chan_make(sizeof(int), 0);
	cz = grt_chan_make(sizeof(int), 0);
	grt_go(wait_on, &gy);
	grt_go(wait_on, &gz);
	while (!gy || !gz) /* until both are parked on their channels */
		grt_yield();
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 3);
	for (int i = 0; i < 3; i++)
		grt_go(record_and_done, &wg); /* fillers: F1 F2 in the ring... */
	grt_go(wake_y_then_z, NULL);         /* ...F3 displaced by X */
	grt_wg_wait(&wg);
	while (ntrace < 6)
		grt_yield();
}

TEST(runnext_runs_next, 3, 10,
     "When runnext is taken, what happens to the goroutine already there? Which does runqget try "
     "first?")
{
	maxprocs("1");
	grt_main(runnext_main, NULL);
	/* Spawned in order: Y=2, Z=3, F1=4, F2=5, F3=6, X=7.  X runs first
	 * (runnext); it readies Y, then Z, which displaces Y to the tail,
	 * behind F1 F2 F3. */
	CHECK_EQ(6, ntrace);
	int64_t want[6] = { gx, gz, 4, 5, 6, gy };
	for (int i = 0; i < 6; i++)
		CHECK_MSG(trace[i] == want[i],
			  "turn %d went to goroutine %" PRId64 ", expected %" PRId64
			  " (expected order X Z F1 F2 F3 Y = %" PRId64 " %" PRId64 " 4 5 6 %" PRId64 ")",
			  i, trace[i], want[i], gx, gz, gy);
}

/* ---- does a full ring spill half of itself to the global queue, losing
 * nothing and running nothing twice? ---- */

#define NSPILL 1000
static _Atomic int ran[NSPILL];
static uint32_t spill_maxring, ring_at[NSPILL + 1];
static int32_t global_at[NSPILL + 1];

static void mark(void *arg)
{
	atomic_fetch_add(&ran[(intptr_t)arg], 1);
}

static void spill_main(void *arg)
{
	(void)arg;
	struct p *pp = myp();
	for (intptr_t i = 0; i < NSPILL; i++) {
		grt_go(mark, (void *)i);
		ring_at[i + 1] = ringlen(pp);
		global_at[i + 1] = atomic_load(&sched.runqsize);
		if (ring_at[i + 1] > spill_maxring)
			spill_maxring = ring_at[i + 1];
	}
	for (int spins = 0; spins < 1000000; spins++) {
		int done = 0;
		for (int i = 0; i < NSPILL; i++)
			done += ran[i] != 0;
		if (done == NSPILL)
			return;
		grt_yield();
	}
}

TEST(full_ring_spills_half, 3, 20,
     "What does runqput do when tail - head == 256? How many goroutines does runqputslow move, and "
     "under which lock?")
{
	maxprocs("1");
	forcePreemptNS = NOPREEMPT; /* lab 6: the ring must hold what the test put there */
	grt_main(spill_main, NULL);
	CHECK_EQ(RUNQSIZE, spill_maxring);
	/* 257 spawns: one in runnext, 256 in the ring; the 258th displaces
	 * runnext into a full ring: 128 of the ring plus it go global. */
	CHECK_EQ(RUNQSIZE, ring_at[257]);
	CHECK_EQ(0, global_at[257]);
	CHECK_EQ(RUNQSIZE / 2, ring_at[258]);
	CHECK_EQ(RUNQSIZE / 2 + 1, global_at[258]);
	for (int i = 0; i < NSPILL; i++)
		CHECK_MSG(ran[i] == 1, "goroutine number %d ran %d times", i, ran[i]);
}

/* ---- is a goroutine waiting on the global queue run within 61 ticks,
 * while the local ring stays busy? ---- */

#define NWORKERS 200
static _Atomic int stop, yielded;
static uint32_t tick_before, tick_after;
static grt_chan *finished;

static void noop(void *arg)
{
	(void)arg;
}

/* Each worker spawns its replacement, then a no-op that takes runnext
 * and pushes the replacement to the tail: the ring stays full, and each
 * pick from it is a new tick. */
static void worker(void *arg)
{
	(void)arg;
	if (atomic_load(&stop) || (atomic_load(&yielded) && myp()->schedtick - tick_before > 4 * 61))
		return; /* done, or waited long enough: let the ring drain */
	grt_go(worker, NULL);
	grt_go(noop, NULL);
}

static void marker(void *arg)
{
	(void)arg;
	tick_before = myp()->schedtick;
	atomic_store(&yielded, 1);
	grt_yield(); /* to the global queue */
	tick_after = myp()->schedtick;
	atomic_store(&stop, 1);
	grt_chan_close(finished);
}

static void starve_main(void *arg)
{
	(void)arg;
	finished = grt_chan_make(1, 0);
	for (int i = 0; i < NWORKERS; i++)
		grt_go(i == NWORKERS / 2 ? marker : worker, NULL);
	char c;
	grt_chan_recv(finished, &c);
}

TEST(global_queue_not_starved, 4, 20,
     "If the local queue never empties, when does findqueued look at the global queue? Which tick "
     "does it test?")
{
	maxprocs("1");
	forcePreemptNS = NOPREEMPT; /* lab 6: a preempted goroutine would join the yielder in the global queue */
	grt_main(starve_main, NULL);
	/* It yields at tick T; findqueued looks at the global queue first
	 * at the first multiple of 61 from T on, and running it makes that
	 * tick + 1: at most T + 61. */
	CHECK_MSG(tick_after - tick_before <= 61,
		  "the goroutine that yielded to the global queue waited %u schedule ticks (at most 61 "
		  "expected)%s",
		  tick_after - tick_before,
		  tick_after - tick_before > 4 * 61 ? ": it ran only once the ring was empty" : "");
}

/* ---- on two Ps, does every goroutine spawned from either run exactly
 * once, through the local rings? ---- */

#define NSPAWNERS 2
#define NCHILD 4000
#define BURST 100
static _Atomic int child_ran[NSPAWNERS * NCHILD];
static grt_wg burst_wg[NSPAWNERS];
static _Atomic int ring_seen_full, on_p[NSPAWNERS];

static void child(void *arg)
{
	intptr_t i = (intptr_t)arg;
	atomic_fetch_add(&child_ran[i], 1);
	grt_wg_done(&burst_wg[i / NCHILD]);
}

static void spawner(void *arg)
{
	intptr_t s = (intptr_t)arg;
	/* Try to settle on P s, so that both Ps spawn. */
	for (int t = 0; t < 20000 && myp()->id != s; t++)
		grt_yield();
	for (int b = 0; b < NCHILD / BURST; b++) {
		grt_wg_add(&burst_wg[s], BURST);
		for (int k = 0; k < BURST; k++)
			grt_go(child, (void *)(s * NCHILD + b * BURST + k));
		struct p *pp = myp();
		atomic_fetch_add(&on_p[pp->id % NSPAWNERS], 1);
		if (ringlen(pp) > 0)
			atomic_fetch_add(&ring_seen_full, 1);
		grt_wg_wait(&burst_wg[s]);
	}
}

static void twops_main(void *arg)
{
	(void)arg;
	for (intptr_t s = 0; s < NSPAWNERS; s++)
		grt_go(spawner, (void *)s);
	for (int spins = 0; spins < 10000000; spins++) {
		int done = 0;
		for (int i = 0; i < NSPAWNERS * NCHILD; i++)
			done += child_ran[i] != 0;
		if (done == NSPAWNERS * NCHILD)
			break;
		grt_yield();
	}
}

TEST(two_ps_each_runs_once, 3, 30,
     "Which P's queue does a spawn go to? Who may take from it, and how does the owner avoid taking "
     "the same goroutine as someone else?")
{
	maxprocs("2");
	grt_main(twops_main, NULL);
	for (int i = 0; i < NSPAWNERS * NCHILD; i++)
		CHECK_MSG(child_ran[i] == 1, "goroutine number %d ran %d times", i, child_ran[i]);
	CHECK_MSG(ring_seen_full > 0, "right after 100 spawns, the spawning P's ring was always empty: "
				      "do spawns go to the local queue?");
}
