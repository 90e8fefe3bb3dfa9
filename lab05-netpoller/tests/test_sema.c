/*
 * Lab 5's direct tests of netpoll.c's semaphores: goroutines wait on a
 * pollDesc of the test's own (no fd behind it), and the test plays the
 * poller, calling netpollunblock and netpollready itself, from a
 * goroutine or from a plain thread.  Do not edit: the grader uses a
 * pristine copy of this folder.
 */
#include "nettest.h"

static struct pollDesc pd;

static void pdreset(void)
{
	atomic_store(&pd.rg, pdNil);
	atomic_store(&pd.wg, pdNil);
	atomic_store(&pd.closing, false);
	atomic_store(&pd.rd, 0);
	atomic_store(&pd.wd, 0);
	atomic_store(&pd.fd, 99);
}

static const char *word(uintptr_t v)
{
	static char buf[40];
	if (v == pdNil)
		return "pdNil";
	if (v == pdReady)
		return "pdReady";
	if (v == pdWait)
		return "pdWait";
	snprintf(buf, sizeof buf, "G%lld", (long long)((struct g *)v)->goid);
	return buf;
}

/* ---- the states, one step at a time ---- */

static struct g *_Atomic waiter_g;
static _Atomic int waiter_done, waiter_ok = -1;

static void waiter(void *arg)
{
	atomic_store(&waiter_g, getg());
	int mode = (int)(intptr_t)arg;
	atomic_store(&waiter_ok, netpollblock(&pd, mode, false));
	atomic_store(&waiter_done, 1);
}

/* Let the waiter run until it parks on slot; false after 2 s. */
static bool parked(_Atomic uintptr_t *slot)
{
	for (int i = 0; i < 20000; i++) {
		struct g *gp = atomic_load(&waiter_g);
		if (gp && atomic_load(slot) == (uintptr_t)gp && readgstatus(gp) == _Gwaiting)
			return true;
		grt_yield();
		if (i > 1000)
			usleep(100);
	}
	return false;
}

static void spawnwaiter(int mode)
{
	atomic_store(&waiter_g, NULL);
	atomic_store(&waiter_done, 0);
	atomic_store(&waiter_ok, -1);
	grt_go(waiter, (void *)(intptr_t)mode);
}

static bool finished(void)
{
	for (int i = 0; i < 20000 && !atomic_load(&waiter_done); i++) {
		grt_yield();
		if (i > 1000)
			usleep(100);
	}
	return atomic_load(&waiter_done);
}

static void states_main(void *arg)
{
	(void)arg;
	struct p *pp = getm()->p;

	/* 1. Readiness with nobody waiting is kept, once. */
	pdreset();
	CHECK_MSG(netpollunblock(&pd, 'r', true) == NULL && atomic_load(&pd.rg) == pdReady,
		  "netpollunblock(pd, 'r', ioready) on pdNil: rg is %s, not pdReady (a readiness nobody waited for "
		  "must be kept for the next waiter)", word(atomic_load(&pd.rg)));
	CHECK_MSG(atomic_load(&pd.wg) == pdNil, "netpollunblock(pd, 'r', ...) changed wg to %s",
		  word(atomic_load(&pd.wg)));
	CHECK_MSG(netpollunblock(&pd, 'r', true) == NULL && atomic_load(&pd.rg) == pdReady,
		  "a second readiness changed rg to %s: the semaphore is binary", word(atomic_load(&pd.rg)));
	uint32_t tick = pp->schedtick;
	bool ok = netpollblock(&pd, 'r', false);
	CHECK_MSG(ok && atomic_load(&pd.rg) == pdNil, "netpollblock on pdReady returned %d and left rg %s: it takes "
		  "the readiness (pdReady -> pdNil) and returns true", ok, word(atomic_load(&pd.rg)));
	CHECK_MSG(pp->schedtick == tick && getm()->p == pp, "netpollblock on pdReady parked: readiness was already "
		  "there");

	/* 2. An error with nobody waiting leaves no trace. */
	CHECK_MSG(netpollunblock(&pd, 'w', false) == NULL && atomic_load(&pd.wg) == pdNil,
		  "netpollunblock(pd, 'w', !ioready) on pdNil made wg %s: only readiness is kept (a waiter sees "
		  "errors in the pollDesc)", word(atomic_load(&pd.wg)));

	/* 2b. Readiness, or an error, while a waiter is between pdWait and
	 * its park (played by the test): the word must leave pdWait, so
	 * that the park's commit fails and nothing sleeps. */
	atomic_store(&pd.rg, pdWait);
	struct g *none = netpollunblock(&pd, 'r', true);
	CHECK_MSG(!none && atomic_load(&pd.rg) == pdReady, "netpollunblock(ioready) on pdWait (a goroutine about to "
		  "park) made rg %s: pdReady, so that the park's commit fails and the waiter takes the readiness",
		  word(atomic_load(&pd.rg)));
	atomic_store(&pd.rg, pdWait);
	none = netpollunblock(&pd, 'r', false);
	CHECK_MSG(!none && atomic_load(&pd.rg) == pdNil, "netpollunblock(!ioready) on pdWait made rg %s: pdNil, so "
		  "that the park's commit fails and the waiter looks at the error", word(atomic_load(&pd.rg)));

	/* 3. A waiter parks: the word holds it, and it counts. */
	int32_t nw = atomic_load(&sched.nnetwait);
	spawnwaiter('r');
	CHECK_MSG(parked(&pd.rg), "a goroutine in netpollblock(pd, 'r') did not park with rg holding it (rg is %s)",
		  word(atomic_load(&pd.rg)));
	CHECK_MSG(atomic_load(&sched.nnetwait) == nw + 1, "a goroutine parked on the poller, and sched.nnetwait went "
		  "from %d to %d: count it (checkdead must not call it a deadlock)", nw,
		  atomic_load(&sched.nnetwait));
	struct g *gp = netpollunblock(&pd, 'r', true);
	CHECK_MSG(gp == atomic_load(&waiter_g), "netpollunblock(ioready) on a parked goroutine returned %s, not it",
		  gp ? "another G" : "NULL");
	CHECK_MSG(atomic_load(&sched.nnetwait) == nw, "netpollunblock took the goroutine, and sched.nnetwait is %d, "
		  "not %d", atomic_load(&sched.nnetwait), nw);
	goready(gp);
	CHECK_MSG(finished() && atomic_load(&waiter_ok) == 1 && atomic_load(&pd.rg) == pdNil,
		  "woken by readiness, netpollblock returned %d (rg %s): true, with rg back to pdNil",
		  atomic_load(&waiter_ok), word(atomic_load(&pd.rg)));

	/* 4. Woken by an error: false. */
	spawnwaiter('w');
	CHECK_MSG(parked(&pd.wg), "a goroutine in netpollblock(pd, 'w') did not park with wg holding it");
	atomic_store(&pd.wd, -1);
	gp = netpollunblock(&pd, 'w', false);
	CHECK_MSG(gp == atomic_load(&waiter_g), "netpollunblock(!ioready) on a parked goroutine did not return it");
	goready(gp);
	CHECK_MSG(finished() && atomic_load(&waiter_ok) == 0 && atomic_load(&pd.wg) == pdNil,
		  "woken by an error, netpollblock returned %d (wg %s): false, with wg pdNil",
		  atomic_load(&waiter_ok), word(atomic_load(&pd.wg)));
	CHECK_MSG(pollWait(&pd, 'w') == -ETIMEDOUT, "pollWait with the write deadline passed (wd -1) returned %d, "
		  "not -ETIMEDOUT", pollWait(&pd, 'w'));
	atomic_store(&pd.closing, true);
	int e = pollWait(&pd, 'r');
	CHECK_MSG(e == -EBADF, "pollWait on a closing pollDesc returned %d, not -EBADF", e);

	/* 5. netpollready, both ways at once. */
	pdreset();
	spawnwaiter('r');
	CHECK_MSG(parked(&pd.rg), "a goroutine in netpollblock(pd, 'r') did not park");
	struct g *rgp = atomic_load(&waiter_g);
	spawnwaiter('w');
	CHECK_MSG(parked(&pd.wg), "a goroutine in netpollblock(pd, 'w') did not park");
	struct g *wgp = atomic_load(&waiter_g);
	struct gqueue q = { 0 };
	int32_t n = netpollready(&q, &pd, 'r' + 'w');
	CHECK_MSG(n == 2 && q.head && q.head->schedlink && !q.head->schedlink->schedlink,
		  "netpollready(pd, 'r' + 'w') with a reader and a writer parked returned %d and queued %s", n,
		  !q.head ? "nobody" : q.head->schedlink ? "more than 2" : "one");
	CHECK_MSG((q.head == rgp && q.tail == wgp) || (q.head == wgp && q.tail == rgp),
		  "netpollready queued goroutines other than the two parked ones");
	struct gqueue q2 = { 0 };
	CHECK_MSG(netpollready(&q2, &pd, 'r') == 0 && !q2.head, "netpollready again queued a goroutine that was "
		  "already taken");
	injectglist(&q);
	for (int i = 0; i < 20000 && (readgstatus(rgp) != _Gdead || readgstatus(wgp) != _Gdead); i++)
		grt_yield();
}

TEST(semaphore_states, 5, 20,
     "One pollDesc, no fd: readiness before anyone waits, an error with nobody waiting, readiness or an error "
     "while a waiter is between pdWait and its park, a reader parked and woken, a writer woken by its "
     "deadline, both woken at once. What does each step leave in rg and wg?")
{
	maxprocs("1");
	grt_main(states_main, NULL);
}

/* ---- the race: readiness lands between pdWait and the park ---- */

#define NRACE 20000
static _Atomic long race_round = -1, race_fired = -1;
static _Atomic int64_t race_firedat; /* when the poller signalled */
static _Atomic int race_stop;
static long race_parked, race_early;

/* A plain thread playing the poller: each round, as soon as it sees the
 * round begin, the fd becomes ready.  The goroutine learns how long the
 * poller takes to notice, and calls netpollblock a random moment around
 * then, so that the readiness lands just before its wait, in the middle
 * of its park, or just after. */
static void *race_poller(void *arg)
{
	(void)arg;
	for (long r = 0; r < NRACE && !atomic_load(&race_stop); r++) {
		while (atomic_load(&race_round) < r)
			if (atomic_load(&race_stop))
				return NULL;
		atomic_store(&race_firedat, grt_nanotime());
		atomic_store(&race_fired, r);
		struct gqueue q = { 0 };
		netpollready(&q, &pd, 'r');
		injectglist(&q);
	}
	return NULL;
}

static _Atomic long race_done = -1;

static void *race_watch(void *arg)
{
	(void)arg;
	long last = -2;
	for (int still = 0; still < 2000; still++) {
		long d = atomic_load(&race_done);
		if (d == NRACE - 1)
			return NULL;
		if (d != last)
			still = 0, last = d;
		usleep(1000);
	}
	atomic_store(&race_stop, 1);
	FAIL("round %ld of %d: the fd became ready, and the goroutine waiting for it was still not running 2 s "
	     "later (rg is %s): the wake-up was lost between netpollblock's pdWait and the park (the commit in "
	     "gopark must fail if readiness came first)", last + 1, NRACE, word(atomic_load(&pd.rg)));
}

static void race_main(void *arg)
{
	(void)arg;
	pdreset();
	pthread_t poller, watch;
	pthread_create(&poller, NULL, race_poller, NULL);
	pthread_create(&watch, NULL, race_watch, NULL);
	unsigned seed = 2;
	int64_t lag = 0; /* how long the poller takes to notice a round, on average */
	for (long r = 0; r < NRACE; r++) {
		struct p *pp = getm()->p;
		uint32_t tick = pp->schedtick;
		int64_t t0 = grt_nanotime();
		atomic_store(&race_round, r);
		int64_t at = t0 + (lag > 300 ? lag - 300 : 0) + rand_r(&seed) % 600;
		while (grt_nanotime() < at)
			__builtin_ia32_pause();
		bool ok = netpollblock(&pd, 'r', false);
		int64_t l = atomic_load(&race_firedat) - t0;
		if (l > 0 && l < 20000) /* longer: the poller lost its core */
			lag += (l - lag) / 8;
		if (!ok)
			FAIL("round %ld: netpollblock returned false, with no error set", r);
		if (atomic_load(&race_fired) < r)
			race_early++; /* a readiness that was never signalled */
		if (getm()->p != pp || pp->schedtick != tick)
			race_parked++;
		atomic_store(&race_done, r);
	}
	pthread_join(poller, NULL);
	pthread_join(watch, NULL);
	CHECK_MSG(race_early == 0, "netpollblock returned true %ld times before the fd became ready", race_early);
	CHECK_MSG(race_parked > 0 && race_parked < NRACE, "in %d rounds the goroutine parked %ld times: the "
		  "readiness always came %s", NRACE, race_parked, race_parked ? "after the park" : "first");
}

TEST(semaphore_race, 5, 60,
     "20,000 times, a goroutine waits for readiness that a plain thread signals as soon as it notices the round; "
     "the goroutine aims its wait at that moment: the readiness lands before the wait, during the park, or "
     "after. Is a wake-up ever lost, or consumed twice?")
{
	maxprocs("1");
	grt_main(race_main, NULL);
}
