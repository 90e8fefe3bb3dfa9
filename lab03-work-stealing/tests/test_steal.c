/*
 * Lab 3's direct tests: each calls the functions of steal.c on Ps that the
 * test builds itself, outside the runtime (no goroutine runs; the test's
 * thread plays the thief, and sometimes a second thread plays the owner),
 * so that the state before and after every call is exact.  The goroutines
 * are dummies known by their goid.  Each test opens with the question it
 * answers.  Do not edit: the grader uses a pristine copy of this folder.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "runtime.h"

#define NG 900
#define NP 8
static struct g gs[NG + 1]; /* gs[i] has goid i; gs[0] is the poison */
static struct p ps[NP];
static struct p *psp[NP];
static struct m thief_m;

/* nprocs Ps, all running, every ring empty with its counters at start and
 * every slot holding G0 (a slot read before anyone filled it shows); no
 * idle P, no spinning M, an empty global queue. */
static void setup(uint32_t start, int32_t nprocs)
{
	for (int i = 0; i <= NG; i++)
		gs[i].goid = i;
	memset(ps, 0, sizeof ps);
	for (int i = 0; i < NP; i++) {
		ps[i].id = i;
		ps[i].status = _Prunning;
		for (int k = 0; k < RUNQSIZE; k++)
			atomic_store(&ps[i].runq[k], &gs[0]);
		atomic_store(&ps[i].runqhead, start);
		atomic_store(&ps[i].runqtail, start);
		psp[i] = &ps[i];
	}
	allp = psp;
	gomaxprocs = nprocs;
	memset(&thief_m, 0, sizeof thief_m);
	thief_m.id = 99;
	memset(&sched.runq, 0, sizeof sched.runq);
	atomic_store(&sched.runqsize, 0);
	sched.pidle = NULL;
	atomic_store(&sched.npidle, 0);
	atomic_store(&sched.nmspinning, 0);
}

static uint32_t ringlen(struct p *pp)
{
	return atomic_load(&pp->runqtail) - atomic_load(&pp->runqhead);
}

static int64_t goid(struct g *gp)
{
	return gp ? gp->goid : -1;
}

/* The goid of the i-th goroutine of pp's ring, head first. */
static int64_t ringat(struct p *pp, uint32_t i)
{
	return goid(atomic_load(&pp->runq[(atomic_load(&pp->runqhead) + i) % RUNQSIZE]));
}

/* "G5", or "nothing" for NULL, for messages (a few at once). */
static const char *gstr(struct g *gp)
{
	static char buf[4][32];
	static int k;
	char *b = buf[k++ % 4];
	if (gp)
		snprintf(b, sizeof buf[0], "G%" PRId64, gp->goid);
	else
		snprintf(b, sizeof buf[0], "nothing");
	return b;
}

/* A ring of G<from>..G<from+n-1> built by hand, not by runqput. */
static void ringfill(struct p *pp, int from, int n)
{
	uint32_t t = atomic_load(&pp->runqtail);
	for (int i = from; i < from + n; i++, t++)
		atomic_store(&pp->runq[t % RUNQSIZE], &gs[i]);
	atomic_store(&pp->runqtail, t);
}

/* Is pp's ring exactly G<from>..G<from+n-1>? */
static bool ringis(struct p *pp, int from, int n)
{
	if (ringlen(pp) != (uint32_t)n)
		return false;
	for (int i = 0; i < n; i++)
		if (ringat(pp, i) != from + i)
			return false;
	return true;
}

/* ---- does a thief take half, the oldest, across the wrap? ---- */

/* A victim of n goroutines G1..Gn: runqsteal must return G<k> and leave
 * G1..G<k-1> in the thief's ring, G<k+1>..Gn in the victim's, k = n - n/2. */
static void steal_half(uint32_t start, int n)
{
	setup(start, 2);
	struct p *thief = &ps[0], *victim = &ps[1];
	atomic_store(&thief->runqhead, start + 3); /* the thief's ring wraps elsewhere */
	atomic_store(&thief->runqtail, start + 3);
	ringfill(victim, 1, n);
	atomic_store(&victim->runnext, &gs[NG - 1]);
	int k = n - n / 2;
	struct g *gp = runqsteal(thief, victim, true);
	CHECK_MSG(goid(gp) == k, "stealing from a victim with G1..G%d in its ring returned %s: expected G%d "
		  "(take n - n/2 = %d from the head, the oldest; return the last taken)", n, gstr(gp), k, k);
	CHECK_MSG(ringis(thief, 1, k - 1), "after stealing G1..G%d, the thief's ring holds %u goroutines, "
		  "the first %s: expected G1..G%d in order (all taken but the one returned)", k, ringlen(thief),
		  ringlen(thief) ? gstr(atomic_load(&thief->runq[atomic_load(&thief->runqhead) % RUNQSIZE])) : "none",
		  k - 1);
	CHECK_MSG(ringis(victim, k + 1, n - k), "after the steal the victim's ring holds %u goroutines "
		  "from %s: expected G%d..G%d, the newer half, untouched", ringlen(victim),
		  gstr(atomic_load(&victim->runq[atomic_load(&victim->runqhead) % RUNQSIZE])), k + 1, n);
	CHECK_MSG(goid(atomic_load(&victim->runnext)) == NG - 1, "the steal took the victim's runnext while "
		  "its ring was not empty: runnext is taken only from an empty ring");
}

TEST(steal_takes_half, 3, 10,
     "A victim has n goroutines in its ring: how many does runqgrab take (n - n/2), from which end, and "
     "which one does runqsteal return? Are runqhead and runqtail compared safely when they wrap?")
{
	steal_half(UINT32_MAX - 4, 10);
	steal_half(UINT32_MAX - 4, 11);
	steal_half(7, 1);
	steal_half(UINT32_MAX - 100, 2);
	steal_half(UINT32_MAX - 100, RUNQSIZE);
}

TEST(runqgrab_fills_batch, 1, 10,
     "runqgrab copies the goroutines it takes into batch, a ring of RUNQSIZE slots, from batchhead on: "
     "at which index does the i-th one go?")
{
	setup(UINT32_MAX - 2, 2);
	static struct g *_Atomic batch[RUNQSIZE];
	for (int i = 0; i < RUNQSIZE; i++)
		atomic_store(&batch[i], &gs[0]);
	ringfill(&ps[1], 1, 8);
	uint32_t bh = UINT32_MAX - 1; /* the batch wraps after two */
	uint32_t n = runqgrab(&ps[1], batch, bh, false);
	CHECK_MSG(n == 4, "runqgrab of a ring of 8 returned %u, expected 4", n);
	for (uint32_t i = 0; i < 4; i++) {
		struct g *gp = atomic_load(&batch[(bh + i) % RUNQSIZE]);
		CHECK_MSG(goid(gp) == 1 + i, "batch[(batchhead + %u) %% RUNQSIZE] holds %s, expected G%u", i,
			  gstr(gp), 1 + i);
	}
	CHECK_MSG(goid(atomic_load(&batch[(bh + 4) % RUNQSIZE])) == 0,
		  "runqgrab wrote past the 4 goroutines it took");
	CHECK_MSG(ringis(&ps[1], 5, 4), "the victim's ring does not hold G5..G8 after the grab");
	CHECK_EQ((uint32_t)(UINT32_MAX - 2 + 8), atomic_load(&ps[1].runqtail)); /* the owner's, never the thief's */
}

/* ---- runnext: only when asked, only from an empty ring ---- */

TEST(runnext_only_when_asked, 3, 10,
     "The victim has only runnext: when may a thief take it? (stealRunNextG, and only when the ring is "
     "empty.) Does the thief's own ring change when it takes runnext?")
{
	setup(5, 2);
	struct p *thief = &ps[0], *victim = &ps[1];
	victim->status = _Pidle;
	atomic_store(&victim->runnext, &gs[1]);
	struct g *gp = runqsteal(thief, victim, false);
	CHECK_MSG(!gp, "runqsteal(stealRunNextG=false) took %s, the victim's runnext", gstr(gp));
	CHECK_MSG(goid(atomic_load(&victim->runnext)) == 1, "runqsteal(stealRunNextG=false) changed the "
		  "victim's runnext");
	CHECK_EQ(0, runqgrab(victim, thief->runq, atomic_load(&thief->runqtail), false));
	gp = runqsteal(thief, victim, true);
	CHECK_MSG(goid(gp) == 1, "runqsteal(stealRunNextG=true) from an idle victim with only runnext = G1 "
		  "returned %s", gstr(gp));
	CHECK_MSG(!atomic_load(&victim->runnext), "the victim's runnext still holds %s after it was stolen: "
		  "clear it with a compare-and-swap", gstr(atomic_load(&victim->runnext)));
	CHECK_MSG(ringlen(thief) == 0 && ringlen(victim) == 0, "stealing runnext left %u in the thief's ring "
		  "and %u in the victim's: expected both empty", ringlen(thief), ringlen(victim));
	gp = runqsteal(thief, victim, true);
	CHECK_MSG(!gp, "stealing from an empty victim returned %s", gstr(gp));
}

TEST(runnext_waits_for_running_owner, 1, 10,
     "A running P's owner has just put a goroutine in runnext and is about to run it: what does the "
     "thief do before taking it? (Go's runqgrab: usleep(3).)")
{
	setup(5, 2);
	struct p *thief = &ps[0], *victim = &ps[1];
	atomic_store(&victim->runnext, &gs[1]);
	int64_t t0 = grt_nanotime();
	struct g *gp = runqsteal(thief, victim, true);
	int64_t waited = grt_nanotime() - t0;
	CHECK_MSG(goid(gp) == 1, "runqsteal(stealRunNextG=true) from a running victim with only runnext = G1 "
		  "returned %s", gstr(gp));
	CHECK_MSG(waited >= 3000, "the thief took a running P's runnext after %lld ns: it should first sleep "
		  "3 us, so that the owner, about to run it, can", (long long)waited);
}

/* ---- does stealWork visit every P, in a random order? ---- */

/* The P whose ring gp sat in: its goid's hundreds. */
static int victim_of(struct g *gp)
{
	return (int)(goid(gp) / 100);
}

TEST(stealWork_visits_every_p, 3, 20,
     "Only one P has work: does stealWork find it, wherever it is? A stride that shares a factor with "
     "gomaxprocs visits only some Ps; and the thief must not steal from itself.")
{
	for (int32_t nprocs = 1; nprocs <= NP; nprocs++) {
		for (int v = 0; v < nprocs; v++) {
			for (int trial = 0; trial < 40; trial++) {
				setup((uint32_t)trial * 1000, nprocs);
				int thief = (v + 1 + trial) % nprocs;
				ringfill(&ps[v], 100 * v + 1, 1);
				struct g *gp = stealWork(&ps[thief]);
				if (v == thief) {
					CHECK_MSG(!gp, "with gomaxprocs=%d, stealWork(P%d) stole %s from its own ring",
						  nprocs, thief, gstr(gp));
					CHECK_EQ(1, ringlen(&ps[v]));
					break;
				}
				CHECK_MSG(goid(gp) == 100 * v + 1, "with gomaxprocs=%d and one goroutine in P%d's "
					  "ring, stealWork(P%d) returned %s (try %d): does every round visit every P?",
					  nprocs, v, thief, gstr(gp), trial + 1);
			}
		}
	}
}

TEST(stealWork_random_victims, 2, 20,
     "Every P has work: does stealWork start from a different P each time, or do all thieves fall on "
     "the same victim?")
{
	int first[NP] = { 0 };
	const int trials = 400;
	for (int trial = 0; trial < trials; trial++) {
		setup(0, NP);
		for (int v = 1; v < NP; v++)
			ringfill(&ps[v], 100 * v + 1, 2);
		struct g *gp = stealWork(&ps[0]);
		CHECK_MSG(gp && victim_of(gp) >= 1 && victim_of(gp) < NP, "stealWork(P0) returned %s with 2 "
			  "goroutines in each of P1..P7", gstr(gp));
		first[victim_of(gp)]++;
	}
	for (int v = 1; v < NP; v++)
		CHECK_MSG(first[v] >= trials / 7 / 4 && first[v] <= trials / 7 * 3,
			  "in %d calls of stealWork(P0), with every other P holding work, P%d was the victim %d "
			  "times (a random start would make it about %d): is the first P chosen at random?",
			  trials, v, first[v], trials / 7);
}

TEST(runnext_last_round, 2, 20,
     "One P has only runnext, another a goroutine in its ring: which does stealWork take, whatever the "
     "order? In which round may it take runnext?")
{
	for (int trial = 0; trial < 100; trial++) {
		setup(0, 3);
		ps[1].status = _Pidle;
		atomic_store(&ps[1].runnext, &gs[101]);
		ringfill(&ps[2], 201, 1);
		struct g *gp = stealWork(&ps[0]);
		CHECK_MSG(goid(gp) == 201, "stealWork(P0) returned %s, with runnext = G101 on P1 and G201 in "
			  "P2's ring: runnext only in the last of the 4 rounds", gstr(gp));
		CHECK_MSG(goid(atomic_load(&ps[1].runnext)) == 101, "stealWork took P1's runnext although P2's "
			  "ring had work");
	}
	setup(0, 3);
	ps[1].status = _Pidle;
	atomic_store(&ps[1].runnext, &gs[101]);
	struct g *gp = stealWork(&ps[0]);
	CHECK_MSG(goid(gp) == 101, "stealWork(P0) returned %s, with only P1's runnext = G101 to take: the "
		  "last round takes runnext", gstr(gp));
}

/* ---- the spinning protocol, one call at a time ---- */

TEST(spinners_limited, 2, 10,
     "When may an M become spinning? (mp->spinning already, or 2 * nmspinning < the busy Ps.) What "
     "does it count when it does?")
{
	setup(0, 4);
	struct m *mp = &thief_m;
	ringfill(&ps[2], 201, 2);
	atomic_store(&sched.npidle, 2); /* 2 busy Ps */
	atomic_store(&sched.nmspinning, 1);
	struct g *gp = trysteal(mp, &ps[0]);
	CHECK_MSG(!gp && !mp->spinning && atomic_load(&sched.nmspinning) == 1,
		  "with 2 busy Ps and 1 M spinning already, trysteal by a non-spinning M returned %s, left "
		  "mp->spinning %d and nmspinning %d: expected nothing, 0 and 1 (no more spinners than half "
		  "the busy Ps)", gstr(gp), mp->spinning, atomic_load(&sched.nmspinning));
	atomic_store(&sched.nmspinning, 0);
	gp = trysteal(mp, &ps[0]);
	CHECK_MSG(goid(gp) == 201 && mp->spinning && atomic_load(&sched.nmspinning) == 1,
		  "with 2 busy Ps and no M spinning, trysteal returned %s and left mp->spinning %d, nmspinning "
		  "%d: expected G201 (stolen), 1 and 1", gstr(gp), mp->spinning, atomic_load(&sched.nmspinning));
	setup(0, 4);
	ringfill(&ps[3], 301, 1);
	mp->spinning = true;
	atomic_store(&sched.npidle, 3);
	atomic_store(&sched.nmspinning, 3);
	gp = trysteal(mp, &ps[0]);
	CHECK_MSG(goid(gp) == 301 && atomic_load(&sched.nmspinning) == 3,
		  "an M already spinning called trysteal: it returned %s and nmspinning went from 3 to %d; "
		  "expected G301 and 3 (a spinning M keeps looking, and is counted once)", gstr(gp),
		  atomic_load(&sched.nmspinning));
}

/* mp gave back its P (P0 goes idle) and is spinning. */
static struct m *gave_back_p(int32_t nprocs)
{
	setup(0, nprocs);
	struct m *mp = &thief_m;
	mp->spinning = true;
	atomic_store(&sched.nmspinning, 1);
	lock(&sched.lock);
	pidleput(&ps[0]);
	unlock(&sched.lock);
	return mp;
}

TEST(dropspinning_looks_again, 3, 10,
     "A spinning M found nothing and gave back its P; meanwhile a goroutine arrived, and its maker saw "
     "nmspinning > 0 and woke nobody. What must dropspinning do, in which order?")
{
	struct m *mp = gave_back_p(3);
	bool again = dropspinning(mp);
	CHECK_MSG(!again && !mp->spinning && atomic_load(&sched.nmspinning) == 0 && !mp->p,
		  "with no work anywhere, dropspinning returned %d and left mp->spinning %d, nmspinning %d, "
		  "mp->p %s: expected false, 0, 0, none", again, mp->spinning, atomic_load(&sched.nmspinning),
		  mp->p ? "set" : "none");
	CHECK_MSG(atomic_load(&sched.npidle) == 1, "dropspinning with no work took the idle P");

	mp = gave_back_p(3);
	ringfill(&ps[2], 201, 1);
	again = dropspinning(mp);
	CHECK_MSG(again, "a goroutine waits in P2's ring, but dropspinning returned false: the M would sleep "
		  "and nobody would run it (its maker saw an M spinning and woke nobody)");
	CHECK_MSG(mp->p == &ps[0] && ps[0].m == mp && ps[0].status == _Prunning && atomic_load(&sched.npidle) == 0,
		  "dropspinning found work but mp holds %s: it should take the idle P back (pidleget, "
		  "acquirep)", mp->p ? "another P" : "no P");
	CHECK_MSG(mp->spinning && atomic_load(&sched.nmspinning) == 1, "after taking a P back to steal, "
		  "mp->spinning is %d and nmspinning %d: expected 1 and 1 (it spins again)", mp->spinning,
		  atomic_load(&sched.nmspinning));

	mp = gave_back_p(3);
	lock(&sched.lock);
	globrunqput(&gs[7]);
	unlock(&sched.lock);
	again = dropspinning(mp);
	CHECK_MSG(again, "a goroutine waits on the global queue, but dropspinning returned false");

	mp = gave_back_p(3);
	atomic_store(&ps[1].runnext, &gs[8]);
	again = dropspinning(mp);
	CHECK_MSG(again, "a goroutine waits in P1's runnext, but dropspinning returned false");
}

TEST(wakep_only_without_spinners, 2, 10,
     "A goroutine was made runnable and a P is idle, but an M is already spinning: should wakep start "
     "another?")
{
	setup(0, 2);
	lock(&sched.lock);
	pidleput(&ps[1]);
	unlock(&sched.lock);
	atomic_store(&sched.nmspinning, 1);
	int64_t started = atomic_load(&sched.nstartm);
	wakep();
	CHECK_MSG(atomic_load(&sched.nstartm) == started && sched.pidle == &ps[1] && atomic_load(&sched.npidle) == 1,
		  "with an M spinning, wakep took the idle P and started an M: the spinner would have found "
		  "the work; each extra M is a futex wake-up for nothing");
	CHECK_EQ(1, atomic_load(&sched.nmspinning));

	/* The last spinner found work: nmspinning drops to 0, and wakep
	 * finds no idle P to start. */
	setup(0, 2);
	thief_m.spinning = true;
	atomic_store(&sched.nmspinning, 2);
	resetspinning(&thief_m);
	CHECK_MSG(!thief_m.spinning && atomic_load(&sched.nmspinning) == 1, "resetspinning left mp->spinning "
		  "%d and nmspinning %d (from 2): expected 0 and 1", thief_m.spinning, atomic_load(&sched.nmspinning));
	thief_m.spinning = true;
	resetspinning(&thief_m);
	CHECK_MSG(atomic_load(&sched.nmspinning) == 0 && atomic_load(&sched.nstartm) == started,
		  "the last spinner called resetspinning with no P idle: nmspinning is %d and %lld Ms were "
		  "started; expected 0 and none", atomic_load(&sched.nmspinning),
		  (long long)(atomic_load(&sched.nstartm) - started));
}

/* ---- with a thief stealing from a ring while its owner puts and takes,
 * and a signal handler stealing at any instruction of the owner's, is
 * every goroutine taken exactly once? ---- */

#define NROUNDS 20
#define NTAKE 40000
static struct g tg[NTAKE];
static _Atomic int takes[NTAKE];
static _Atomic bool thief_running, owner_done;
static _Atomic long nstolen;

/* The first goroutine taken wrongly, and by whom; the takers stop then.
 * (A signal handler must not fail the test itself: it could interrupt
 * the failure being reported.) */
enum { TAKEN_UNKNOWN = 1, TAKEN_TWICE };
static _Atomic int problem;
static struct g *problem_g;
static const char *problem_who;

static void taken(struct g *gp, const char *who)
{
	int kind = 0, none = 0;
	if (gp < tg || gp >= tg + NTAKE)
		kind = TAKEN_UNKNOWN;
	else if (atomic_fetch_add(&takes[gp - tg], 1) != 0)
		kind = TAKEN_TWICE;
	if (kind && atomic_compare_exchange_strong(&problem, &none, kind)) {
		problem_g = gp;
		problem_who = who;
	}
}

static bool fine(void)
{
	return atomic_load(&problem) == 0;
}

static void check_takes(void)
{
	CHECK_MSG(problem != TAKEN_UNKNOWN, "%s took %s, a goroutine never put in the victim's ring: was a "
		  "slot read before the owner filled it, or after runqhead moved past it?", problem_who,
		  gstr(problem_g));
	CHECK_MSG(problem != TAKEN_TWICE, "%s was taken twice (the second time by %s): is every take "
		  "claimed by a compare-and-swap, on runqhead and on runnext?", gstr(problem_g), problem_who);
}

/* Steal from victim into thief, and take everything the thief got. */
static void steal_into(struct p *thief, struct p *victim, bool next, const char *who)
{
	bool inherit;
	struct g *gp = runqsteal(thief, victim, next);
	if (!gp)
		return;
	atomic_fetch_add(&nstolen, 1);
	taken(gp, who);
	while (fine() && (gp = runqget(thief, &inherit)))
		taken(gp, who);
}

static void *thief(void *arg)
{
	struct p *victim = arg;
	bool last = false;
	atomic_store(&thief_running, true);
	for (unsigned k = 0; !last && fine(); k++) {
		last = atomic_load(&owner_done); /* one more pass after the owner stops */
		steal_into(&ps[2], victim, k % 8 == 7, "the thief thread");
	}
	return NULL;
}

static void interrupt(int sig)
{
	(void)sig;
	if (fine())
		steal_into(&ps[3], &ps[1], true, "a thief interrupting the owner");
}

static void steal_round(int round)
{
	setup(UINT32_MAX - 1000 + round * 77, 4);
	struct p *victim = &ps[1];
	victim->status = round % 2 ? _Prunning : _Pidle;
	for (int i = 0; i < NTAKE; i++) {
		tg[i].goid = 1000 + i;
		atomic_store(&takes[i], 0);
	}
	atomic_store(&thief_running, false);
	atomic_store(&owner_done, false);
	sigset_t alrm, old;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &old); /* the thief thread never takes the signal */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, thief, victim) == 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (!atomic_load(&thief_running))
		sched_yield();
	struct itimerval every = { { 0, 20 }, { 0, 20 } }, off = { 0 };
	CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
	/* In turns: bursts that fill the ring past full (runqputslow against
	 * the thieves), then puts and takes one for one (the owner's runqget
	 * and runnext against theirs). */
	bool inherit;
	struct g *gp;
	for (int i = 0; i < NTAKE && fine();) {
		for (int k = 0; k < 3 * RUNQSIZE && i < NTAKE; k++, i++)
			runqput(victim, &tg[i], i % 4 == 0);
		for (int k = 0; k < RUNQSIZE && i < NTAKE; k++, i++) {
			runqput(victim, &tg[i], i % 2 == 0);
			if (k % 3 == 0 && (gp = runqget(victim, &inherit)))
				taken(gp, "the owner's runqget");
		}
	}
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	atomic_store(&owner_done, true);
	pthread_join(t, NULL);
	check_takes();
	while (fine() && (gp = runqget(victim, &inherit)))
		taken(gp, "the owner's runqget");
	check_takes();
	int32_t nglobal = 0;
	lock(&sched.lock);
	while (nglobal <= NTAKE && (gp = gqueue_pop(&sched.runq))) {
		taken(gp, "the global queue");
		nglobal++;
	}
	unlock(&sched.lock);
	check_takes();
	for (int i = 0; i < NTAKE; i++)
		CHECK_MSG(takes[i] == 1, "G%d was lost: runqput put it, but neither the owner nor a thief took "
			  "it, and it is not on the global queue", 1000 + i);
}

TEST(steal_races_owner, 3, 60,
     "Thieves steal from a ring while its owner puts (some with next=true, some spilling to the global "
     "queue) and takes: how does nobody take a goroutine twice, and nobody lose one?")
{
	struct sigaction sa = { .sa_handler = interrupt };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	for (int round = 0; round < NROUNDS; round++)
		steal_round(round);
	CHECK_MSG(atomic_load(&nstolen) > NROUNDS, "in %d rounds the thieves stole only %ld times", NROUNDS,
		  atomic_load(&nstolen));
}

/* ---- does runqgrab copy the goroutines before it commits? ---- */

/*
 * The moment the thief's compare-and-swap moves the victim's runqhead,
 * the slots it took are free, and the owner may fill them at once.  A
 * thief that copies them only after moving runqhead may copy the owner's
 * new goroutines: the old ones are lost.  A child process runs runqsteal
 * one instruction at a time under ptrace, and as soon as runqhead has
 * moved, the test writes other goroutines into the freed slots.
 */
static void stepped_thief(int out)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
		_exit(3);
	raise(SIGSTOP);
	int64_t ids[RUNQSIZE];
	ids[0] = goid(runqsteal(&ps[0], &ps[1], false));
	uint32_t n = ringlen(&ps[0]);
	for (uint32_t i = 0; i < n && i + 1 < RUNQSIZE; i++)
		ids[i + 1] = ringat(&ps[0], i);
	size_t len = (n + 1) * sizeof ids[0];
	if (write(out, ids, len) != (ssize_t)len)
		_exit(4);
	_exit(0);
}

TEST(grab_copies_before_commit, 2, 30,
     "runqgrab copies the goroutines, then moves the victim's runqhead past them: what may the owner "
     "put in those slots the moment runqhead has moved?")
{
	setup(UINT32_MAX - 9, 2);
	ringfill(&ps[1], 1, RUNQSIZE); /* full: G1 at the head */
	uint32_t h = atomic_load(&ps[1].runqhead);
	int fd[2];
	CHECK(pipe(fd) == 0);
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		stepped_thief(fd[1]);
	close(fd[1]);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK_MSG(WIFSTOPPED(st), "this machine does not let a test trace its own child (ptrace), which this "
		  "test needs: grade on a machine that does");
	long steps = 0;
	bool moved = false;
	while (!moved && steps++ < 2000000) {
		CHECK(ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) == 0);
		CHECK(waitpid(pid, &st, 0) == pid);
		if (!WIFSTOPPED(st))
			break;
		if (WSTOPSIG(st) != SIGTRAP) { /* it crashed, or called abort */
			int sig = WSTOPSIG(st);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			FAIL("runqsteal stopped with signal %d (%s) before it moved the victim's runqhead", sig,
			     strsignal(sig));
		}
		errno = 0;
		long word = ptrace(PTRACE_PEEKDATA, pid, &ps[1].runqhead, NULL);
		CHECK(errno == 0);
		if ((uint32_t)word != h) {
			/* The owner fills the slots just freed. */
			for (uint32_t i = 0; i < RUNQSIZE / 2; i++)
				CHECK(ptrace(PTRACE_POKEDATA, pid, &ps[1].runq[(h + i) % RUNQSIZE], &gs[NG]) == 0);
			moved = true;
		}
	}
	if (WIFSTOPPED(st))
		ptrace(PTRACE_CONT, pid, NULL, NULL);
	int64_t ids[RUNQSIZE];
	ssize_t n = read(fd[0], ids, sizeof ids);
	close(fd[0]);
	waitpid(pid, &st, 0);
	CHECK_MSG(moved, "runqsteal on a full ring never moved the victim's runqhead (%ld instructions)", steps);
	CHECK_MSG(n == RUNQSIZE / 2 * (ssize_t)sizeof ids[0], "the thief got %zd goroutines from a full ring, "
		  "expected %d", n / (ssize_t)sizeof ids[0], RUNQSIZE / 2);
	CHECK_MSG(ids[0] == RUNQSIZE / 2, "runqsteal returned G%" PRId64 ", expected G%d", ids[0], RUNQSIZE / 2);
	for (int i = 1; i < RUNQSIZE / 2; i++)
		CHECK_MSG(ids[i] == i, "the thief's ring holds G%" PRId64 " at position %d, expected G%d%s", ids[i],
			  i - 1, i, ids[i] == NG ? ": it copied the slot after moving runqhead, when the owner "
			  "had already refilled it" : "");
}
