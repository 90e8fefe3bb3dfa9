/*
 * Lab 2's direct tests: each calls the functions of runq.c on a P that the
 * test builds itself, outside the runtime (no goroutine runs; the test's
 * thread plays the P's owner), so that the state before and after every
 * call is exact: counters about to wrap past UINT32_MAX, a full ring, a
 * global queue of known goroutines, a given schedule tick, a second thread
 * taking from the ring.  The goroutines are dummies known by their goid.
 * Do not edit: the grader uses a pristine copy of this folder.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "runtime.h"

#define NG 600
static struct g gs[NG + 1]; /* gs[i] has goid i; gs[0] is the poison */
static struct p ps[4];
static struct p *psp[4];

/* nprocs Ps (allp, for the picture drawn at a failure), P0's ring empty
 * with both counters at start and every slot holding G0, so that a slot
 * read before anyone filled it shows; an empty global queue. */
static struct p *setup(uint32_t start, int32_t nprocs)
{
	for (int i = 0; i <= NG; i++)
		gs[i].goid = i;
	memset(ps, 0, sizeof ps);
	for (int i = 0; i < 4; i++) {
		ps[i].id = i;
		ps[i].status = _Prunning;
		for (int k = 0; k < RUNQSIZE; k++)
			atomic_store(&ps[i].runq[k], &gs[0]);
		psp[i] = &ps[i];
	}
	allp = psp;
	gomaxprocs = nprocs;
	memset(&sched.runq, 0, sizeof sched.runq);
	atomic_store(&sched.runqsize, 0);
	atomic_store(&ps[0].runqhead, start);
	atomic_store(&ps[0].runqtail, start);
	return &ps[0];
}

static uint32_t ringlen(struct p *pp)
{
	return atomic_load(&pp->runqtail) - atomic_load(&pp->runqhead);
}

/* The goid of the i-th goroutine of the ring, head first. */
static int64_t ringat(struct p *pp, uint32_t i)
{
	return atomic_load(&pp->runq[(atomic_load(&pp->runqhead) + i) % RUNQSIZE])->goid;
}

static int64_t goid(struct g *gp)
{
	return gp ? gp->goid : -1;
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

/* G<from>..G<from+n-1> to the tail of the global queue. */
static void globalput(int from, int n)
{
	lock(&sched.lock);
	for (int i = from; i < from + n; i++)
		globrunqput(&gs[i]);
	unlock(&sched.lock);
}

/* The i-th goroutine of the global queue, or NULL. */
static struct g *globalg(int i)
{
	struct g *gp = sched.runq.head;
	while (gp && i-- > 0)
		gp = gp->schedlink;
	return gp;
}

static int64_t globalat(int i)
{
	return goid(globalg(i));
}

/* A ring of G<from>..G<from+n-1> built by hand, not by runqput. */
static void ringfill(struct p *pp, int from, int n)
{
	uint32_t t = atomic_load(&pp->runqhead);
	for (int i = from; i < from + n; i++, t++)
		atomic_store(&pp->runq[t % RUNQSIZE], &gs[i]);
	atomic_store(&pp->runqtail, t);
}

/* ---- are the ring's counters safe when they wrap past UINT32_MAX? ---- */

TEST(ring_wraps_around, 2, 10,
     "runqhead and runqtail only grow, as uint32_t: what are tail - head and index % 256 when tail "
     "has wrapped past UINT32_MAX and head has not?")
{
	const uint32_t start = UINT32_MAX - 99;
	struct p *pp = setup(start, 1);
	for (uint32_t i = 1; i <= 200; i++) {
		runqput(pp, &gs[i], false);
		CHECK_MSG(ringlen(pp) == i && atomic_load(&sched.runqsize) == 0,
			  "put number %u (next=false) from runqhead = runqtail = UINT32_MAX - 99 left tail - "
			  "head = %u and %d on the global queue; expected %u in the ring, none global",
			  i, ringlen(pp), atomic_load(&sched.runqsize), i);
	}
	for (int i = 1; i <= 200; i++) {
		bool inherit = true;
		uint32_t h = atomic_load(&pp->runqhead), t = atomic_load(&pp->runqtail);
		struct g *gp = runqget(pp, &inherit);
		CHECK_MSG(gp, "runqget returned NULL with tail - head = %u (runqhead %" PRIu32 ", runqtail %" PRIu32
			  "): is its test for an empty ring safe across the wrap?", t - h, h, t);
		CHECK_MSG(gp->goid == i, "take number %d returned G%" PRId64 ", expected G%d (first in, first out)",
			  i, gp->goid, i);
		CHECK_MSG(!inherit, "G%d came from the ring with *inheritTime = true: only runnext's goroutine "
				    "inherits the time slice", i);
	}
	bool inherit;
	struct g *gp = runqget(pp, &inherit);
	CHECK_MSG(!gp, "runqget on an empty ring returned G%" PRId64, gp ? gp->goid : 0);
	CHECK_EQ(start + 200u, atomic_load(&pp->runqhead));
}

/* ---- where does runqput(next=true) put gp, and the one it displaces? ---- */

TEST(runnext_then_ring, 2, 10,
     "After runqput(G1, next), runqput(G2, next), runqput(G3, no next): where is each? In which order "
     "does runqget return them, and which with *inheritTime = true?")
{
	struct p *pp = setup(7, 1);
	runqput(pp, &gs[1], true);
	CHECK_MSG(goid(atomic_load(&pp->runnext)) == 1 && ringlen(pp) == 0,
		  "after runqput(G1, next=true) on an empty P: runnext %s, %u in the ring; "
		  "expected runnext G1, an empty ring", gstr(atomic_load(&pp->runnext)), ringlen(pp));
	runqput(pp, &gs[2], true);
	CHECK_MSG(goid(atomic_load(&pp->runnext)) == 2 && ringlen(pp) == 1 && ringat(pp, 0) == 1,
		  "after runqput(G2, next=true): runnext %s, %u in the ring; expected runnext "
		  "G2 and the displaced G1 in the ring", gstr(atomic_load(&pp->runnext)), ringlen(pp));
	runqput(pp, &gs[3], false);
	CHECK_MSG(goid(atomic_load(&pp->runnext)) == 2 && ringlen(pp) == 2 && ringat(pp, 1) == 3,
		  "after runqput(G3, next=false): runnext %s, %u in the ring; expected runnext "
		  "G2, the ring G1 G3", gstr(atomic_load(&pp->runnext)), ringlen(pp));
	int64_t want[3] = { 2, 1, 3 };
	for (int i = 0; i < 3; i++) {
		bool inherit = i != 0; /* the opposite of the answer */
		struct g *gp = runqget(pp, &inherit);
		CHECK_MSG(goid(gp) == want[i], "take number %d returned %s, expected G%" PRId64
			  " (runnext first, then the ring from its head)", i + 1, gstr(gp), want[i]);
		CHECK_MSG(inherit == (i == 0), "G%" PRId64 " came with *inheritTime = %s: the goroutine "
			  "from runnext inherits the time slice (its P's schedtick does not advance), "
			  "one from the ring does not", want[i], inherit ? "true" : "false");
	}
	CHECK_MSG(!atomic_load(&pp->runnext) && ringlen(pp) == 0,
		  "after taking all three, runnext or the ring is not empty");
}

/* ---- which goroutines does a full ring move to the global queue? ---- */

TEST(spill_moves_oldest_half, 2, 10,
     "The ring is full and runqput gets one more: which 128 goroutines go to the global queue, in "
     "which order, and where does the newcomer go?")
{
	const uint32_t start = UINT32_MAX - 59; /* the spill crosses the wrap */
	struct p *pp = setup(start, 1);
	for (int i = 1; i <= RUNQSIZE; i++)
		runqput(pp, &gs[i], false);
	CHECK_MSG(ringlen(pp) == RUNQSIZE && atomic_load(&sched.runqsize) == 0,
		  "after 256 puts, %u in the ring and %d on the global queue: expected a full ring (256)",
		  ringlen(pp), atomic_load(&sched.runqsize));
	runqput(pp, &gs[257], false);
	CHECK_MSG(ringlen(pp) == RUNQSIZE / 2 && atomic_load(&sched.runqsize) == RUNQSIZE / 2 + 1,
		  "after the 257th put, %u in the ring and sched.runqsize %d: expected 128 and 129 (the "
		  "older half of the ring, then the newcomer)", ringlen(pp), atomic_load(&sched.runqsize));
	for (int i = 0; i <= RUNQSIZE / 2; i++) {
		int64_t want = i < RUNQSIZE / 2 ? i + 1 : 257;
		CHECK_MSG(globalat(i) == want, "the global queue's goroutine number %d is %s"
			  ", expected G%" PRId64 " (G1..G128, oldest first, then G257)", i + 1, gstr(globalg(i)), want);
	}
	CHECK_MSG(globalat(RUNQSIZE / 2 + 1) == -1, "the global queue holds more than 129 goroutines");
	for (uint32_t i = 0; i < RUNQSIZE / 2; i++)
		CHECK_MSG(ringat(pp, i) == RUNQSIZE / 2 + 1 + i, "the ring's goroutine number %u is G%" PRId64
			  ", expected G%u (G129..G256 stay, in order)", i + 1, ringat(pp, i), RUNQSIZE / 2 + 1 + i);
	CHECK_EQ(start + RUNQSIZE / 2, atomic_load(&pp->runqhead));
}

/* ---- how many goroutines does globrunqget take, and where do they go? ---- */

TEST(globrunqget_takes_a_batch, 3, 10,
     "How many goroutines does globrunqget take with N waiting, on P Ps, with a given max? Which one "
     "does it return, where do the others go, and what becomes of sched.runqsize?")
{
	/* Ps, waiting, max, and the batch: runqsize / Ps + 1, at most max
	 * (0: no limit), at most half a ring. */
	static const struct {
		int32_t nprocs, nglobal, max, want;
	} cases[] = { { 1, 200, 0, 128 }, { 4, 10, 0, 3 }, { 4, 2, 0, 1 },
		      { 1, 10, 1, 1 },    { 2, 7, 0, 4 },  { 1, 3, 0, 3 } };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		int32_t nprocs = cases[c].nprocs, n = cases[c].nglobal, max = cases[c].max, want = cases[c].want;
		struct p *pp = setup(UINT32_MAX - 20, nprocs);
		globalput(1, n);
		lock(&sched.lock);
		struct g *gp = globrunqget(pp, max);
		unlock(&sched.lock);
		CHECK_MSG(goid(gp) == 1, "%d waiting, %d Ps, max %d: globrunqget returned %s"
			  ", expected G1, the head of the global queue", n, nprocs, max, gstr(gp));
		int64_t head = n > want ? want + 1 : -1; /* -1: empty */
		CHECK_MSG(atomic_load(&sched.runqsize) == n - want && globalat(0) == head,
			  "%d waiting, %d Ps, max %d: sched.runqsize is %d and the global queue's head %s"
			  " after globrunqget; expected a batch of %d (runqsize / gomaxprocs + 1, at most max, at "
			  "most half a ring): runqsize %d, head %s",
			  n, nprocs, max, atomic_load(&sched.runqsize), gstr(sched.runq.head), want, n - want,
			  head < 0 ? "nothing" : gstr(&gs[head]));
		CHECK_MSG(ringlen(pp) == (uint32_t)want - 1 && !atomic_load(&pp->runnext),
			  "%d waiting, %d Ps, max %d: the ring holds %u and runnext %s after "
			  "globrunqget; expected the rest of the batch, %d, in the ring, and runnext empty",
			  n, nprocs, max, ringlen(pp), gstr(atomic_load(&pp->runnext)), want - 1);
		for (int i = 0; i < want - 1; i++)
			CHECK_MSG(ringat(pp, i) == i + 2, "%d waiting, %d Ps, max %d: the ring's goroutine number "
				  "%d is G%" PRId64 ", expected G%d (the batch in the global queue's order)",
				  n, nprocs, max, i + 1, ringat(pp, i), i + 2);
	}
	struct p *pp = setup(0, 1);
	lock(&sched.lock);
	struct g *gp = globrunqget(pp, 0);
	unlock(&sched.lock);
	CHECK_MSG(!gp && atomic_load(&sched.runqsize) == 0,
		  "globrunqget on an empty global queue returned %s", gstr(gp));
}

/* ---- on which ticks does findqueued look at the global queue first? ---- */

TEST(fairness_every_61st_tick, 3, 10,
     "With goroutines in the ring and on the global queue, on which values of schedtick does "
     "findqueued take from the global queue first, and how many does it take then?")
{
	uint32_t first[8], nfirst = 0;
	for (uint32_t tick = 0; tick < 4 * 61; tick++) {
		struct p *pp = setup(tick * 3, 1);
		ringfill(pp, 1, 3);
		globalput(101, 5);
		pp->schedtick = tick;
		bool inherit = true;
		struct g *gp = findqueued(pp, &inherit);
		CHECK_MSG(!inherit, "schedtick %u: findqueued returned %s with *inheritTime = true: "
			  "only a goroutine from runnext inherits the time slice", tick, gstr(gp));
		if (goid(gp) == 1) {
			CHECK_MSG(ringlen(pp) == 2 && atomic_load(&sched.runqsize) == 5,
				  "schedtick %u: findqueued took G1 from the ring, and left %u in the ring and %d "
				  "on the global queue; expected 2 and 5", tick, ringlen(pp),
				  atomic_load(&sched.runqsize));
			continue;
		}
		CHECK_MSG(goid(gp) == 101, "schedtick %u, the ring G1 G2 G3, the global queue G101..G105: "
			  "findqueued returned %s, expected G1 or (on the fairness tick) G101", tick, gstr(gp));
		CHECK_MSG(ringlen(pp) == 3 && atomic_load(&sched.runqsize) == 4,
			  "schedtick %u: findqueued took G101 from the global queue first, and left %u in "
			  "the ring and %d on the global queue; expected 3 and 4: the fairness check takes "
			  "one goroutine, not a batch", tick, ringlen(pp), atomic_load(&sched.runqsize));
		if (nfirst > 0)
			CHECK_MSG(tick - first[nfirst - 1] == 61, "findqueued took from the global queue first on "
				  "schedtick %u and next on %u: expected every 61st tick", first[nfirst - 1], tick);
		first[nfirst++] = tick;
	}
	CHECK_MSG(nfirst >= 3, "findqueued took from the global queue first on %u of the schedtick values "
		  "0..243, although the ring was never empty: expected every 61st tick", nfirst);
}

/* ---- in which order does findqueued look at runnext, the ring and the
 * global queue? ---- */

TEST(findqueued_then_global, 2, 10,
     "Off the fairness tick, in which order does findqueued take from runnext, the ring and the global "
     "queue? What does it take from the global queue when the ring is empty?")
{
	struct p *pp = setup(UINT32_MAX, 1);
	ringfill(pp, 1, 1);
	atomic_store(&pp->runnext, &gs[2]);
	globalput(101, 3);
	pp->schedtick = 1;
	/* runnext, the ring, then a batch of 3 from the global queue. */
	static const int64_t want[] = { 2, 1, 101, 102, 103 };
	for (int i = 0; i < 5; i++) {
		bool inherit = i != 0; /* the opposite of the answer */
		struct g *gp = findqueued(pp, &inherit);
		CHECK_MSG(goid(gp) == want[i], "call number %d of findqueued returned %s, expected G%" PRId64
			  " (runnext G2, the ring G1, the global queue G101 G102 G103)", i + 1, gstr(gp),
			  want[i]);
		CHECK_MSG(inherit == (i == 0), "findqueued returned G%" PRId64 " with *inheritTime = %s, "
			  "expected %s", want[i], inherit ? "true" : "false", i == 0 ? "true" : "false");
		if (i == 2)
			CHECK_MSG(ringlen(pp) == 2 && atomic_load(&sched.runqsize) == 0,
				  "with the ring empty, findqueued took G101 from the global queue and left %u "
				  "in the ring and %d global; expected a batch of 3 (3 / 1 P + 1, at most 3): "
				  "G101 returned, G102 G103 in the ring", ringlen(pp), atomic_load(&sched.runqsize));
	}
	bool inherit;
	struct g *gp = findqueued(pp, &inherit);
	CHECK_MSG(!gp, "findqueued with every queue empty returned G%" PRId64, goid(gp));
}

/* ---- with a second thread taking from the ring while its owner puts
 * and takes, and a signal handler taking from it at any instruction of
 * the owner's, is every goroutine taken exactly once? ---- */

#define NROUNDS 30
#define NTAKE 40000
static struct g tg[NTAKE];
static _Atomic int takes[NTAKE];
static _Atomic bool thief_running, owner_done;
static struct p *victim;

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
	CHECK_MSG(problem != TAKEN_UNKNOWN, "%s took G%" PRId64 ", a goroutine never put in this ring: was "
		  "its slot read before runqput filled it?", problem_who, goid(problem_g));
	CHECK_MSG(problem != TAKEN_TWICE, "G%" PRId64 " was taken twice (the second time by %s): do the "
		  "takers claim it with a compare-and-swap, on runqhead and on runnext?",
		  goid(problem_g), problem_who);
}

static void *thief(void *arg)
{
	struct p *pp = arg;
	bool inherit, last = false;
	atomic_store(&thief_running, true);
	while (!last && fine()) {
		last = atomic_load(&owner_done); /* one more pass after the owner stops */
		struct g *gp;
		while (fine() && (gp = runqget(pp, &inherit)))
			taken(gp, "the second thread's runqget");
	}
	return NULL;
}

/* A taker that runs between any two instructions of the owner's: what a
 * thief on another core may do at the worst moment. */
static void interrupt(int sig)
{
	(void)sig;
	bool inherit;
	struct g *gp;
	if (fine() && (gp = runqget(victim, &inherit)))
		taken(gp, "a runqget interrupting the owner");
}

/* One round: the owner puts NTAKE goroutines and takes some, then every
 * goroutine must have been taken once, or be on the global queue. */
static void takers_round(int round)
{
	struct p *pp = victim = setup(UINT32_MAX - 1000 + round * 77, 1);
	for (int i = 0; i < NTAKE; i++) {
		tg[i].goid = 1000 + i;
		atomic_store(&takes[i], 0);
	}
	atomic_store(&thief_running, false);
	atomic_store(&owner_done, false);
	sigset_t alrm, old;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &old); /* the thief never takes the signal */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, thief, pp) == 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (!atomic_load(&thief_running))
		sched_yield();
	struct itimerval every = { { 0, 20 }, { 0, 20 } }, off = { 0 };
	CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
	/* In turns: a burst that fills the ring past full (runqputslow
	 * against the takers), then puts and takes one for one (the owner's
	 * runqget against theirs, on the last goroutines). */
	bool inherit;
	struct g *gp;
	for (int i = 0; i < NTAKE && fine();) {
		for (int k = 0; k < 6 * RUNQSIZE && i < NTAKE; k++, i++)
			runqput(pp, &tg[i], i % 4 == 0);
		for (int k = 0; k < 2 * RUNQSIZE && i < NTAKE; k++, i++) {
			runqput(pp, &tg[i], i % 2 == 0);
			if ((gp = runqget(pp, &inherit)))
				taken(gp, "the owner's runqget");
		}
	}
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	atomic_store(&owner_done, true);
	pthread_join(t, NULL);
	check_takes();
	while (fine() && (gp = runqget(pp, &inherit)))
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
	CHECK_MSG(atomic_load(&sched.runqsize) == nglobal,
		  "sched.runqsize is %d, but the global queue held %d", atomic_load(&sched.runqsize), nglobal);
	for (int i = 0; i < NTAKE; i++)
		CHECK_MSG(takes[i] == 1, "G%d was lost: runqput put it, but no runqget took it and it is not "
			  "on the global queue", 1000 + i);
}

TEST(other_takers_take_each_once, 3, 60,
     "Others take from the ring while its owner puts (some with next=true, some spilling to the global "
     "queue) and takes: how does nobody take a goroutine twice, and nobody lose one?")
{
	struct p *pp = setup(UINT32_MAX - 1000, 1);
	runqput(pp, &gs[1], false);
	bool inherit;
	struct g *gp = runqget(pp, &inherit);
	CHECK_MSG(goid(gp) == 1, "runqget returned %s right after runqput(G1) on an empty P: is "
		  "the ring used?", gstr(gp));
	struct sigaction sa = { .sa_handler = interrupt };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	for (int round = 0; round < NROUNDS; round++)
		takers_round(round);
}

/* ---- does a taker read its slot before it moves runqhead? ---- */

/*
 * The moment a taker's compare-and-swap moves runqhead, the slot it took
 * is free: on a full ring, the owner's next put lands exactly there.  A
 * taker that reads the slot only after moving runqhead may therefore read
 * the owner's new goroutine, and the old one is lost.  The window is a
 * few instructions, so rather than hope that a second thread hits it, a
 * child process runs runqget one instruction at a time under ptrace, and
 * as soon as runqhead has moved, the test writes another goroutine into
 * the slot, as the owner would.
 */
static void stepped_taker(struct p *pp, int out)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
		_exit(3);
	raise(SIGSTOP);
	bool inherit;
	int64_t id = goid(runqget(pp, &inherit));
	if (write(out, &id, sizeof id) != sizeof id)
		_exit(4);
	_exit(0);
}

TEST(taker_reads_before_moving_head, 2, 20,
     "runqget takes the head of the ring: which must come first, reading the slot or moving runqhead "
     "past it? What may the owner put in that slot the moment runqhead has moved?")
{
	struct p *pp = setup(UINT32_MAX - 9, 1);
	ringfill(pp, 1, RUNQSIZE); /* full: G1 at the head */
	uint32_t h = atomic_load(&pp->runqhead);
	int fd[2];
	CHECK(pipe(fd) == 0);
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		stepped_taker(pp, fd[1]);
	close(fd[1]);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK_MSG(WIFSTOPPED(st), "this machine does not let a test trace its own child (ptrace), "
		  "which this test needs: grade on a machine that does");
	long steps = 0;
	bool moved = false;
	while (!moved && steps++ < 200000) {
		CHECK(ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) == 0);
		CHECK(waitpid(pid, &st, 0) == pid);
		if (!WIFSTOPPED(st))
			break;
		errno = 0;
		long word = ptrace(PTRACE_PEEKDATA, pid, &pp->runqhead, NULL);
		CHECK(errno == 0);
		if ((uint32_t)word != h) {
			/* The owner's put into the slot just freed. */
			CHECK(ptrace(PTRACE_POKEDATA, pid, &pp->runq[h % RUNQSIZE], &gs[NG]) == 0);
			moved = true;
		}
	}
	if (WIFSTOPPED(st))
		ptrace(PTRACE_CONT, pid, NULL, NULL);
	int64_t id = -1;
	ssize_t n = read(fd[0], &id, sizeof id);
	close(fd[0]);
	waitpid(pid, &st, 0);
	CHECK_MSG(moved, "runqget on a full ring never moved runqhead (%ld instructions): does it take "
		  "from the ring's head?", steps);
	CHECK_MSG(n == sizeof id && id == 1,
		  "runqget returned G%" PRId64 ", expected G1, the head: it read the slot after moving "
		  "runqhead, when the owner had already put G%d there", id, NG);
}
