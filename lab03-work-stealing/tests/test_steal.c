/*
 * Lab 3's direct tests: each calls the functions of steal.c on Ps that the
 * test builds itself, outside the runtime (no goroutine runs; the test's
 * thread plays the thief or the spinner, and sometimes a second thread
 * plays the owner or the maker of work), so that the state before and
 * after every call is exact.  Some run the thief in a child process under
 * ptrace, to act between two of its instructions or at its sleep.  The
 * goroutines are dummies known by their goid.  Each test opens with the
 * question it answers.  Do not edit: the grader uses a pristine copy of
 * this folder.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
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
static struct m idle_m; /* asleep on sched.midle when a test wants startm to find one */

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
	memset(&idle_m, 0, sizeof idle_m);
	idle_m.id = 98;
	sched.midle = NULL;
	sched.nmidle = 0;
	memset(&sched.runq, 0, sizeof sched.runq);
	atomic_store(&sched.runqsize, 0);
	sched.pidle = NULL;
	atomic_store(&sched.npidle, 0);
	atomic_store(&sched.nmspinning, 0);
	atomic_store(&sched.needspinning, 0);
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

	/* Work on P1 and P2 only.  A thief that always walks up by one visits
	 * P1 first unless it starts at P2: P2 would be the victim 1 time in 8.
	 * With a random stride too, half the time. */
	int p2first = 0;
	for (int trial = 0; trial < trials; trial++) {
		setup(0, NP);
		ringfill(&ps[1], 101, 2);
		ringfill(&ps[2], 201, 2);
		struct g *gp = stealWork(&ps[0]);
		CHECK_MSG(goid(gp) == 101 || goid(gp) == 201, "stealWork(P0) returned %s with G101, G102 in P1's "
			  "ring and G201, G202 in P2's", gstr(gp));
		p2first += victim_of(gp) == 2;
	}
	CHECK_MSG(p2first >= trials / 4 && p2first <= trials / 4 * 3,
		  "in %d calls of stealWork(P0), with work on P1 and P2 only, P2 was the victim %d times (a "
		  "random order would make it about %d): is the stride random too, or does every thief walk "
		  "the Ps in the same direction?", trials, p2first, trials / 2);
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
	/* 3 busy Ps of 4: a second spinner may start (2 * 1 < 3), a third
	 * may not (2 * 2 >= 3). */
	setup(0, 4);
	ringfill(&ps[2], 201, 2);
	atomic_store(&sched.npidle, 1);
	atomic_store(&sched.nmspinning, 1);
	gp = trysteal(mp, &ps[0]);
	CHECK_MSG(goid(gp) == 201 && mp->spinning && atomic_load(&sched.nmspinning) == 2,
		  "with 3 busy Ps (1 idle of 4) and 1 M spinning, trysteal returned %s and left mp->spinning %d, "
		  "nmspinning %d: expected G201, 1 and 2 (2 * 1 < 3: are the busy Ps gomaxprocs - npidle?)",
		  gstr(gp), mp->spinning, atomic_load(&sched.nmspinning));
	setup(0, 4);
	ringfill(&ps[2], 201, 2);
	atomic_store(&sched.npidle, 1);
	atomic_store(&sched.nmspinning, 2);
	gp = trysteal(mp, &ps[0]);
	CHECK_MSG(!gp && !mp->spinning && atomic_load(&sched.nmspinning) == 2,
		  "with 3 busy Ps and 2 Ms spinning, trysteal by a non-spinning M returned %s, left mp->spinning "
		  "%d and nmspinning %d: expected nothing, 0 and 2 (2 * 2 >= 3)", gstr(gp), mp->spinning,
		  atomic_load(&sched.nmspinning));

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

	/* An M that trysteal did not let spin has no count to give back. */
	setup(0, 3);
	lock(&sched.lock);
	pidleput(&ps[0]);
	unlock(&sched.lock);
	atomic_store(&sched.nmspinning, 1); /* another M's */
	mp = &thief_m;
	again = dropspinning(mp);
	CHECK_MSG(!again && !mp->spinning && !mp->p && atomic_load(&sched.nmspinning) == 1,
		  "an M that was not spinning called dropspinning, with another M spinning and no work "
		  "anywhere: it returned %d and left mp->spinning %d, nmspinning %d (from 1); expected false, "
		  "0, 1 (only a spinning M is counted, so only it lowers nmspinning)", again, mp->spinning,
		  atomic_load(&sched.nmspinning));

	/* Work is there, but another M took the idle P meanwhile. */
	mp = gave_back_p(3);
	ringfill(&ps[2], 201, 1);
	lock(&sched.lock);
	pidleget();
	unlock(&sched.lock);
	again = dropspinning(mp);
	CHECK_MSG(!again && !mp->p && !mp->spinning && atomic_load(&sched.nmspinning) == 0,
		  "a goroutine waits in P2's ring but no P is idle any more: dropspinning returned %d and left "
		  "mp->p %s, mp->spinning %d, nmspinning %d; expected false, none, 0, 0 (the Ms that hold the Ps "
		  "will find the work)", again, mp->p ? "set" : "none", mp->spinning,
		  atomic_load(&sched.nmspinning));
	CHECK_MSG(atomic_load(&sched.needspinning) == 1, "dropspinning saw work but found no idle P, and "
		  "left needspinning 0: an M holding a P may be about to give it back without looking (it was "
		  "not let spin); take the P with pidlegetSpinning, which tells it to look");
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

/* P<idle> is idle and idle_m sleeps on sched.midle, for startm to wake. */
static void idle_p_and_m(int idle)
{
	lock(&sched.lock);
	pidleput(&ps[idle]);
	unlock(&sched.lock);
	sched.midle = &idle_m;
	sched.nmidle = 1;
}

/* Did wakep (or resetspinning) hand P<idle> to idle_m, spinning? */
static void check_started(const char *who, int idle, int64_t started)
{
	CHECK_MSG(idle_m.nextp == &ps[idle] && atomic_load(&sched.nstartm) == started + 1,
		  "%s, with P%d idle, an idle M and no other M spinning: %lld Ms started, the idle M %s; expected "
		  "one M started with P%d", who, idle, (long long)(atomic_load(&sched.nstartm) - started),
		  idle_m.nextp ? "was handed a P" : "was handed no P", idle);
	CHECK_MSG(idle_m.spinning && atomic_load(&sched.nmspinning) == 1, "%s started an M with "
		  "spinning %d, and nmspinning is %d: expected 1 and 1 (the new M looks for work, counted: "
		  "while it spins, other wakeps start nobody)", who, idle_m.spinning,
		  atomic_load(&sched.nmspinning));
}

static _Atomic bool waker_done;

static void *waker(void *arg)
{
	(void)arg;
	wakep();
	atomic_store(&waker_done, true);
	return NULL;
}

TEST(wakep_starts_a_spinner, 2, 10,
     "No M spins and a P is idle: what does wakep start, in which state, and who counts it? When the "
     "last spinner finds work, who looks for more? And if the idle P is gone by the time wakep takes it?")
{
	setup(0, 2);
	idle_p_and_m(1);
	int64_t started = atomic_load(&sched.nstartm);
	wakep();
	check_started("wakep", 1, started);

	setup(0, 2);
	idle_p_and_m(1);
	thief_m.spinning = true;
	atomic_store(&sched.nmspinning, 1);
	started = atomic_load(&sched.nstartm);
	resetspinning(&thief_m);
	CHECK_MSG(!thief_m.spinning, "resetspinning left mp->spinning set");
	check_started("resetspinning by the last spinner", 1, started);

	setup(0, 2);
	idle_p_and_m(1);
	thief_m.spinning = true;
	atomic_store(&sched.nmspinning, 2);
	started = atomic_load(&sched.nstartm);
	resetspinning(&thief_m);
	CHECK_MSG(atomic_load(&sched.nmspinning) == 1 && atomic_load(&sched.nstartm) == started,
		  "resetspinning with another M still spinning: nmspinning went from 2 to %d and %lld Ms were "
		  "started; expected 1 and none (the other spinner will find the work)",
		  atomic_load(&sched.nmspinning), (long long)(atomic_load(&sched.nstartm) - started));

	/* wakep counts its spinner, then another M takes the idle P before
	 * wakep gets sched.lock (the test holds it meanwhile). */
	setup(0, 2);
	idle_p_and_m(1);
	started = atomic_load(&sched.nstartm);
	atomic_store(&waker_done, false);
	lock(&sched.lock);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, waker, NULL) == 0);
	while (atomic_load(&sched.lock.key) != 2 && !atomic_load(&waker_done))
		sched_yield(); /* until wakep sleeps on the lock, or is done */
	pidleget();
	unlock(&sched.lock);
	pthread_join(t, NULL);
	CHECK_MSG(atomic_load(&sched.nmspinning) == 0 && atomic_load(&sched.nstartm) == started,
		  "wakep found no idle P (another M took it meanwhile), and left nmspinning %d with %lld Ms "
		  "started: expected 0 and none (a count of a spinner that does not exist stops every later "
		  "wakep)", atomic_load(&sched.nmspinning), (long long)(atomic_load(&sched.nstartm) - started));
	CHECK_MSG(atomic_load(&sched.needspinning) == 1, "wakep found no idle P and left needspinning 0: "
		  "an M holding a P may have been refused spinning because of the count wakep just gave back, "
		  "and give its P back without looking; take the P with pidlegetSpinning, which tells it to "
		  "look");
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

/* ---- tests that stop a thief between two of its instructions ---- */

/* Fork a child that runs body(out) under ptrace, and return its pid, the
 * child stopped before body starts; *in reads what body writes. */
static pid_t traced(void (*body)(int out), int *in)
{
	int fd[2];
	CHECK(pipe(fd) == 0);
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(3);
		raise(SIGSTOP);
		body(fd[1]);
		_exit(0);
	}
	close(fd[1]);
	*in = fd[0];
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK_MSG(WIFSTOPPED(st), "this machine does not let a test trace its own child (ptrace), which this "
		  "test needs: grade on a machine that does");
	/* Tell system-call stops from others; never outlive the test. */
	CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) == 0);
	return pid;
}

/* Let the child run one instruction (PTRACE_SINGLESTEP) or up to its next
 * system call (PTRACE_SYSCALL); false once it has exited.  A crash fails
 * the test, saying during what. */
static bool resume(pid_t pid, enum __ptrace_request how, const char *during)
{
	int st;
	CHECK(ptrace(how, pid, NULL, NULL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFSTOPPED(st))
		return false;
	int sig = WSTOPSIG(st);
	if (sig != SIGTRAP && sig != (SIGTRAP | 0x80)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		FAIL("%s stopped with signal %d (%s)", during, sig, strsignal(sig));
	}
	return true;
}

/* Let the child run to its end, and read what it wrote (n bytes at most). */
static ssize_t finish(pid_t pid, int in, void *buf, size_t n)
{
	while (resume(pid, PTRACE_CONT, "the child, run to its end"))
		;
	ssize_t got = read(in, buf, n);
	close(in);
	return got;
}

static uint32_t peek32(pid_t pid, void *addr)
{
	errno = 0;
	long word = ptrace(PTRACE_PEEKDATA, pid, addr, NULL);
	CHECK(errno == 0);
	return (uint32_t)word; /* x86-64: the low half is at addr */
}

static void poke32(pid_t pid, void *addr, uint32_t v)
{
	errno = 0;
	unsigned long word = (unsigned long)ptrace(PTRACE_PEEKDATA, pid, addr, NULL);
	CHECK(errno == 0);
	word = (word & ~0xffffffffUL) | v;
	CHECK(ptrace(PTRACE_POKEDATA, pid, addr, (void *)word) == 0);
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
	int64_t ids[RUNQSIZE];
	ids[0] = goid(runqsteal(&ps[0], &ps[1], false));
	uint32_t n = ringlen(&ps[0]);
	for (uint32_t i = 0; i < n && i + 1 < RUNQSIZE; i++)
		ids[i + 1] = ringat(&ps[0], i);
	size_t len = (n + 1) * sizeof ids[0];
	if (write(out, ids, len) != (ssize_t)len)
		_exit(4);
}

TEST(grab_copies_before_commit, 2, 30,
     "runqgrab copies the goroutines, then moves the victim's runqhead past them: what may the owner "
     "put in those slots the moment runqhead has moved?")
{
	setup(UINT32_MAX - 9, 2);
	ringfill(&ps[1], 1, RUNQSIZE); /* full: G1 at the head */
	uint32_t h = atomic_load(&ps[1].runqhead);
	int in;
	pid_t pid = traced(stepped_thief, &in);
	long steps = 0;
	bool moved = false;
	while (!moved && steps++ < 2000000 &&
	       resume(pid, PTRACE_SINGLESTEP, "runqsteal, before it moved the victim's runqhead,")) {
		if (peek32(pid, &ps[1].runqhead) != h) {
			/* The owner fills the slots just freed. */
			for (uint32_t i = 0; i < RUNQSIZE / 2; i++)
				CHECK(ptrace(PTRACE_POKEDATA, pid, &ps[1].runq[(h + i) % RUNQSIZE], &gs[NG]) == 0);
			moved = true;
		}
	}
	int64_t ids[RUNQSIZE];
	ssize_t n = finish(pid, in, ids, sizeof ids);
	CHECK_MSG(moved, "runqsteal on a full ring never moved the victim's runqhead (%ld instructions)", steps);
	CHECK_MSG(n == RUNQSIZE / 2 * (ssize_t)sizeof ids[0], "the thief got %zd goroutines from a full ring, "
		  "expected %d", n / (ssize_t)sizeof ids[0], RUNQSIZE / 2);
	CHECK_MSG(ids[0] == RUNQSIZE / 2, "runqsteal returned G%" PRId64 ", expected G%d", ids[0], RUNQSIZE / 2);
	for (int i = 1; i < RUNQSIZE / 2; i++)
		CHECK_MSG(ids[i] == i, "the thief's ring holds G%" PRId64 " at position %d, expected G%d%s", ids[i],
			  i - 1, i, ids[i] == NG ? ": it copied the slot after moving runqhead, when the owner "
			  "had already refilled it" : "");
}

/* ---- while the thief sleeps, the owner runs its runnext ---- */

/*
 * A thief sleeps before taking a running P's runnext, so that the owner,
 * about to switch to it, can.  If the owner does, and puts another
 * goroutine in runnext, the thief must not take the first one all the
 * same.  A child process runs runqsteal under ptrace, stopped at each of
 * its system calls: at the sleep, the test plays the owner, taking G1 from
 * runnext and putting G2 there.
 */
static void sleeping_thief(int out)
{
	int64_t got = goid(runqsteal(&ps[0], &ps[1], true));
	if (write(out, &got, sizeof got) != sizeof got)
		_exit(4);
}

static bool is_sleep(pid_t pid)
{
	errno = 0;
	long nr = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, orig_rax), NULL);
	CHECK(errno == 0);
	return nr == SYS_nanosleep || nr == SYS_clock_nanosleep;
}

TEST(runnext_owner_runs_first, 2, 30,
     "The thief sleeps before taking a running P's runnext: what if the owner runs it meanwhile, and "
     "puts another goroutine there? Which goroutine may the thief still take, and how does it know?")
{
	setup(5, 2);
	atomic_store(&ps[1].runnext, &gs[1]);
	int in;
	pid_t pid = traced(sleeping_thief, &in);
	bool slept = false;
	while (!slept && resume(pid, PTRACE_SYSCALL, "runqsteal")) {
		if (is_sleep(pid)) { /* entering its first sleep */
			CHECK(ptrace(PTRACE_POKEDATA, pid, &ps[1].runnext, &gs[2]) == 0);
			slept = true;
		}
	}
	int64_t got = -1;
	finish(pid, in, &got, sizeof got);
	CHECK_MSG(slept, "runqsteal took a running P's runnext without sleeping first (usleep(3)): it "
		  "returned G%" PRId64, got);
	CHECK_MSG(got != 1, "while the thief slept, the owner ran G1 from runnext and put G2 there; the "
		  "thief then took G1 all the same (it runs twice, and G2 is lost): take runnext with a "
		  "compare-and-swap after the sleep, from the value read before it");
	CHECK_MSG(got == 2, "while the thief slept, the owner ran G1 and put G2 in runnext: the thief "
		  "returned G%" PRId64 ", expected G2", got);
}

/* ---- does a spinner that gives up look again after it stops counting? ---- */

/*
 * Whoever makes a goroutine runnable puts it in a queue, then reads
 * nmspinning: nonzero, and it wakes nobody.  So a spinner that gives up
 * must lower nmspinning first and look at every queue after: looking
 * before leaves a moment when the goroutine arrives, is seen by nobody,
 * and its maker wakes nobody.  A child process runs dropspinning one
 * instruction at a time, and the moment nmspinning drops to 0, the test
 * puts a goroutine in P2's ring.
 */
static void stepped_dropper(int out)
{
	int32_t r[3];
	r[0] = dropspinning(&thief_m);
	r[1] = thief_m.p == &ps[0];
	r[2] = atomic_load(&sched.nmspinning);
	if (write(out, r, sizeof r) != sizeof r)
		_exit(4);
}

TEST(dropspinning_decrements_first, 3, 30,
     "A spinner gives up: it lowers nmspinning and looks at every queue once more. In which order, and "
     "why does the other order lose a goroutine made runnable at the wrong moment?")
{
	gave_back_p(3);
	int in;
	pid_t pid = traced(stepped_dropper, &in);
	long steps = 0;
	bool dropped = false;
	while (!dropped && steps++ < 2000000 && resume(pid, PTRACE_SINGLESTEP, "dropspinning")) {
		if (peek32(pid, &sched.nmspinning) == 0) {
			CHECK(ptrace(PTRACE_POKEDATA, pid, &ps[2].runq[0], &gs[201]) == 0);
			poke32(pid, &ps[2].runqtail, 1);
			dropped = true;
		}
	}
	int32_t r[3] = { -1, -1, -1 };
	finish(pid, in, r, sizeof r);
	CHECK_MSG(dropped, "dropspinning never lowered nmspinning from 1 (%ld instructions)", steps);
	CHECK_MSG(r[0] == 1, "G201 was put in P2's ring the moment nmspinning dropped to 0 (its maker may "
		  "have seen 1 and woken nobody), but dropspinning returned %d: lower nmspinning first, then "
		  "look at every queue", r[0]);
	CHECK_MSG(r[1] == 1 && r[2] == 1, "dropspinning saw G201 but %s and left nmspinning %d: expected "
		  "it to take P0 back and spin again (nmspinning 1)", r[1] ? "took P0" : "did not take P0 back",
		  r[2]);
}

/* ---- a maker and a giving-up spinner at the same moment: who runs the work? ---- */

/*
 * Each side stores, then loads what the other stored: the maker puts a
 * goroutine in P1's ring, then reads nmspinning (wakep); the spinner lowers
 * nmspinning, then reads the rings (dropspinning).  Whatever the timing,
 * one of them must see the other: the maker starts an M, or the spinner
 * takes a P back.  x86 lets a load pass an earlier store to another
 * address (the store waits in a buffer), and then both miss: a full
 * barrier on each side between the store and the load forbids it.  A
 * second thread plays the maker, the test's thread the spinner, round
 * after round, one of them delayed by a few nanoseconds more or less
 * after each round so as to keep them meeting at the same moment.
 */
#define NRACE 200000
#define RACE_NS 4000000000LL /* or fewer rounds, on a machine too busy to run both threads */
static _Atomic uint32_t race_ready, race_go, race_done, race_last;
static _Atomic int race_delay; /* > 0: the spinner waits that long; < 0: the maker */

static void delay(int n)
{
	for (volatile int i = 0; i < n; i++)
		;
}

static void wait_for(_Atomic uint32_t *v, uint32_t want)
{
	for (int k = 0; atomic_load_explicit(v, memory_order_acquire) != want; k++)
		if (k > 10000)
			sched_yield(); /* the other thread may not be running */
}

static void *maker(void *arg)
{
	(void)arg;
	for (uint32_t r = 1; r <= atomic_load(&race_last); r++) {
		atomic_store_explicit(&race_ready, r, memory_order_release);
		wait_for(&race_go, r);
		delay(-atomic_load_explicit(&race_delay, memory_order_relaxed));
		runqput(&ps[1], &gs[1], false);
		wakep();
		atomic_store_explicit(&race_done, r, memory_order_release);
	}
	return NULL;
}

/* P0 idle, idle_m asleep, thief_m spinning and counted, P1's ring empty. */
static void race_reset(void)
{
	atomic_store(&ps[1].runqhead, atomic_load(&ps[1].runqtail));
	ps[0].m = NULL;
	thief_m.p = NULL;
	thief_m.spinning = true;
	atomic_store(&sched.nmspinning, 1);
	sched.pidle = NULL;
	atomic_store(&sched.npidle, 0);
	lock(&sched.lock);
	pidleput(&ps[0]);
	unlock(&sched.lock);
	sched.midle = &idle_m;
	sched.nmidle = 1;
	idle_m.nextp = NULL;
	idle_m.spinning = false;
	noteclear(&idle_m.park);
}

TEST(maker_and_spinner_race, 2, 60,
     "A goroutine is made runnable (runqput, then wakep) at the moment the only spinner gives up "
     "(dropspinning): in every interleaving, does one of them see the other? What must separate each "
     "side's store from its load?")
{
	setup(0, 2);
	atomic_store(&race_last, NRACE);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, maker, NULL) == 0);
	int d = 0;
	long nstarted = 0, nagain = 0;
	int64_t t0 = grt_nanotime();
	for (uint32_t r = 1; r <= atomic_load(&race_last); r++) {
		if (r % 64 == 0 && grt_nanotime() - t0 > RACE_NS)
			atomic_store(&race_last, r); /* the maker stops after this round too */
		race_reset();
		wait_for(&race_ready, r); /* both threads on a CPU, at best */
		atomic_store_explicit(&race_delay, d, memory_order_relaxed);
		atomic_store_explicit(&race_go, r, memory_order_release);
		delay(d);
		bool again = dropspinning(&thief_m);
		wait_for(&race_done, r);
		bool started = idle_m.nextp != NULL;
		if (!again && !started)
			FAIL("round %u: the maker put G1 in P1's ring and its wakep started nobody, and the "
			     "spinner's dropspinning saw nothing: G1 is left with no M to run it (in the rounds "
			     "before, the maker started an M %ld times, the spinner took a P back %ld times). Is "
			     "there a full barrier between the store and the load, on each side?", r, nstarted,
			     nagain);
		CHECK_MSG(!started || (idle_m.spinning && atomic_load(&sched.nmspinning) == 1),
			  "round %u: wakep started an M with spinning %d, leaving nmspinning %d: expected 1 and 1",
			  r, idle_m.spinning, atomic_load(&sched.nmspinning));
		nstarted += started;
		nagain += again;
		/* Whoever came first, the other comes a little earlier next time. */
		if (started && !again)
			d = d < 3000 ? d + 1 + (int)(r % 3) : d;
		else if (again && !started)
			d = d > -3000 ? d - 1 - (int)(r % 3) : d;
	}
	pthread_join(t, NULL);
}
