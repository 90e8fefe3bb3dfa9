/*
 * proc.c - goroutines (G), machines (M) and processors (P): the scheduler.
 *
 * G: a goroutine: a stack, its saved registers (struct gobuf) and a state.
 * M: an OS thread.  It runs goroutines, and between two of them it runs the
 *    scheduler on a stack of its own, the thread's original one (its g0).
 * P: the right to run goroutines, and the run queue and caches that go
 *    with it.  There are GRT_MAXPROCS of them; an M must hold a P to run a
 *    goroutine, so at most GRT_MAXPROCS goroutines run at once, however
 *    many threads exist.
 *
 * The loop.  Each M runs schedule() on g0: find a runnable G
 * (findrunnable), switch to it (execute -> gogo).  The G runs until it
 * yields, parks or exits; each of those is an mcall(fn): save the G's
 * registers, switch to g0, and run fn(gp) there.  fn finishes the job that
 * could not be done on the G's own stack: put it on a run queue (yield),
 * release the lock it parked under (gopark), or recycle it (goexit).
 * Doing that on g0 is what makes it safe: until the registers are saved,
 * nobody else may see the G, or two Ms could run it at once.
 *
 * Idle.  An M that finds nothing, after a last look at the global run
 * queue under sched.lock, puts its P on the idle list in that same
 * critical section, then sleeps on its note.  Whoever makes a G runnable
 * calls wakep(), which hands an idle P to an idle M (or a new one).  A
 * goroutine put on the global queue therefore cannot be missed: either
 * the M looking for work saw it, or its P was idle first and wakep saw
 * it.  Goroutines in the Ps' own queues are found by stealing; lab 3's
 * spinning protocol keeps those from being missed (steal.c).
 *
 * Where the labs plug in:
 *   lab 1  gogo.S, gostartcall.c   the switch, a new goroutine's first frame
 *   lab 2  runq.c                  runqput, runqget; findrunnable step 1
 *   lab 3  steal.c                 findrunnable steps 3 and 5, resetspinning
 *                                  in schedule, wakep
 *   lab 4  syscall.c               entersyscall, exitsyscall (around every
 *                                  blocking call, grt.h's GRT_SYSCALL); retake
 *                                  and handoffp, called by sysmon (sysmon.c)
 *   lab 5  the netpoller, timers   findrunnable steps 2 and 6
 *   lab 6  preemption              sysmonpreempt, retake's first step
 * Each lab fills in its functions; none restructures this file.
 *
 * Rejected: running the scheduler on the goroutine's stack (the stack of
 * an exiting G would be freed under our feet; a parked G could be resumed
 * by another M while we still run on its stack); switching G to G directly
 * (faster, but every mcall action would then need its own protocol).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "race.h"
#include "runtime.h"

struct schedt sched;
struct p **allp;
int32_t gomaxprocs;

const char *const waitReasonStrings[waitReasonMax] = {
	[waitReasonZero] = "",
	[waitReasonChanSend] = "chan send",
	[waitReasonChanRecv] = "chan receive",
	[waitReasonSyncMutexLock] = "sync.Mutex.Lock",
	[waitReasonSyncWaitGroupWait] = "sync.WaitGroup.Wait",
	[waitReasonSleep] = "sleep",
	[waitReasonIOWait] = "IO wait",
};

static __thread struct m *tls_m;

/*
 * A goroutine can call a function on one thread and return from it on
 * another.  The compiler computes a thread-local's address once per
 * function and may reuse it after a call, not knowing the call switched
 * threads.  So every read goes through this function, which is never
 * inlined and has a side effect the compiler cannot see through.
 */
__attribute__((noinline)) struct m *getm(void)
{
	__asm__ volatile("" ::: "memory");
	return tls_m;
}

struct g *getg(void)
{
	struct m *mp = getm();
	return mp ? mp->curg : NULL;
}

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s", prefix);
	n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	if (n > (int)sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0) {
		/* Nothing left to report it to. */
	}
}

noreturn void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint("fatal error: ", fmt, ap);
	va_end(ap);
	abort();
}

/* What a lab's shipped stub calls: labdir is "labNN-name". */
noreturn void stub_abort(const char *labdir, const char *file, const char *what)
{
	fprintf(stderr,
		"grt: TODO(%.5s): %s is not written yet.\n"
		"grt: it is your part of %s: edit %s/%s (the handout is %s/README.md).\n",
		labdir, what, labdir, labdir, file, labdir);
	abort();
}

/* ---- goroutine states ---- */

uint32_t readgstatus(struct g *gp)
{
	return atomic_load(&gp->atomicstatus);
}

static const char *gstatusname(uint32_t s)
{
	static const char *const names[] = { "idle", "runnable", "running", "syscall", "waiting", "dead" };
	return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* Move gp from one state to another; anything else is a runtime bug. */
void casgstatus(struct g *gp, uint32_t from, uint32_t to)
{
	uint32_t old = from;
	if (!atomic_compare_exchange_strong(&gp->atomicstatus, &old, to))
		fatal("casgstatus: goroutine %lld is %s, expected %s (moving to %s)", (long long)gp->goid,
		      gstatusname(old), gstatusname(from), gstatusname(to));
}

/* ---- queues, Ps and Ms (sched.lock held unless said otherwise) ---- */

void gqueue_push(struct gqueue *q, struct g *gp)
{
	gp->schedlink = NULL;
	if (q->tail)
		q->tail->schedlink = gp;
	else
		q->head = gp;
	q->tail = gp;
}

struct g *gqueue_pop(struct gqueue *q)
{
	struct g *gp = q->head;
	if (gp) {
		q->head = gp->schedlink;
		if (!q->head)
			q->tail = NULL;
		gp->schedlink = NULL;
	}
	return gp;
}

/* Put gp at the tail of the global run queue.  sched.lock must be held. */
void globrunqput(struct g *gp)
{
	gqueue_push(&sched.runq, gp);
	atomic_fetch_add(&sched.runqsize, 1);
}

void injectglist(struct gqueue *q)
{
	if (!q->head)
		return;
	for (struct g *gp = q->head; gp; gp = gp->schedlink)
		casgstatus(gp, _Gwaiting, _Grunnable);
	/* As many as there are idle Ps go to the global queue, for them;
	 * the rest to our own P's queue, with no lock (all of them to the
	 * global queue if we hold no P). */
	struct m *mp = getm();
	struct p *pp = mp ? mp->p : NULL;
	int32_t n = pp ? atomic_load(&sched.npidle) : INT32_MAX;
	struct g *gp;
	if (n > 0) {
		lock(&sched.lock);
		for (int32_t i = 0; i < n && (gp = gqueue_pop(q)); i++)
			globrunqput(gp);
		unlock(&sched.lock);
		wakep(); /* a spinner that finds work wakes the next (lab 3) */
	}
	while ((gp = gqueue_pop(q)))
		runqput(pp, gp, false);
}

/* Put pp on the idle list; its M lets go of it. */
void pidleput(struct p *pp)
{
	pp->status = _Pidle;
	pp->m = NULL;
	pp->link = sched.pidle;
	sched.pidle = pp;
	atomic_fetch_add(&sched.npidle, 1);
}

/* An idle P, or NULL. */
struct p *pidleget(void)
{
	struct p *pp = sched.pidle;
	if (pp) {
		sched.pidle = pp->link;
		atomic_fetch_sub(&sched.npidle, 1);
	}
	return pp;
}

/*
 * An idle P for work the caller found, or NULL.  NULL means every P is
 * held; but the M holding one may be about to give it back without
 * looking for work, because trysteal did not let it spin (the limit
 * counted a spinner that is now going away, or the one wakep was about
 * to start).  So raise needspinning: findrunnable turns such an M into a
 * spinner instead (lab 3).  sched.lock must be held.
 */
struct p *pidlegetSpinning(void)
{
	struct p *pp = pidleget();
	if (!pp)
		atomic_store(&sched.needspinning, 1);
	return pp;
}

static void mput(struct m *mp)
{
	mp->idle = true;
	mp->schedlink = sched.midle;
	sched.midle = mp;
	sched.nmidle++;
}

static struct m *mget(void)
{
	struct m *mp = sched.midle;
	if (mp) {
		sched.midle = mp->schedlink;
		sched.nmidle--;
	}
	return mp;
}

/* Any lock, or none: mp and pp belong to the caller. */
void acquirep(struct m *mp, struct p *pp)
{
	if (mp->p || pp->m)
		fatal("acquirep: M%lld already has a P, or P%d already has an M", (long long)mp->id, pp->id);
	mp->p = pp;
	pp->m = mp;
	pp->status = _Prunning;
	sysmonwake(); /* a P at work: sysmon watches it */
}

/* Whether pp has nothing to run, in its ring or in runnext.  The owner
 * may be moving runnext's goroutine into the ring as we look (runqput
 * with next=true): read tail again to be sure that the three loads saw
 * one moment. */
bool runqempty(struct p *pp)
{
	for (;;) {
		uint32_t head = atomic_load(&pp->runqhead);
		uint32_t tail = atomic_load(&pp->runqtail);
		struct g *next = atomic_load(&pp->runnext);
		if (tail == atomic_load(&pp->runqtail))
			return head == tail && next == NULL;
	}
}

/* A cheap random number, for choosing victims: wyrand, with a state of
 * the thread's own (only g0 code calls it, which never migrates). */
uint32_t cheaprand(void)
{
	static __thread uint64_t state;
	if (state == 0)
		state = (uint64_t)grt_nanotime() ^ ((uint64_t)syscall(SYS_gettid) << 32) ^ 0x9e3779b97f4a7c15ULL;
	state += 0xa0761d6478bd642fULL;
	__uint128_t t = (__uint128_t)state * (state ^ 0xe7037ed1a0b428dbULL);
	return (uint32_t)(t >> 64 ^ t);
}

/* Let go of mp's P, which the caller then puts somewhere (pidleput). */
struct p *releasep(struct m *mp)
{
	struct p *pp = mp->p;
	if (!pp || pp->m != mp)
		fatal("releasep: M%lld does not hold a P", (long long)mp->id);
	mp->p = NULL;
	pp->m = NULL;
	return pp;
}

/* ---- Ms ---- */

static noreturn void schedule(void);

static pthread_once_t sysmononce = PTHREAD_ONCE_INIT;

static void *mstart(void *arg)
{
	struct m *mp = arg;
	/* The first M starts sysmon before it runs anything: M0 runs the
	 * main goroutine, M1 is sysmon, in every run. */
	if (!mp->mstartfn)
		pthread_once(&sysmononce, newsysmon);
	tls_m = mp;
	racemstart(mp);
	mp->tid = (int)syscall(SYS_gettid);
	minitsignals(mp);
	if (mp->mstartfn) {
		mp->mstartfn();
		fatal("M%lld: its start function returned", (long long)mp->id);
	}
	acquirep(mp, mp->nextp);
	mp->nextp = NULL;
	schedule();
}

/* One more M would pass GRT_MAXTHREADS: stop, and say why so many.
 * sched.lock held. */
static void checkmcount(void)
{
	int32_t n = atomic_load(&sched.mcount);
	if (n < sched.maxmcount)
		return;
	int32_t insyscall = 0;
	for (struct m *mp = sched.allm; mp; mp = mp->alllink)
		if (mp->curg && readgstatus(mp->curg) == _Gsyscall)
			insyscall++;
	fatal("thread exhaustion: the program needs more than GRT_MAXTHREADS=%d threads; %d of its %d are "
	      "held by goroutines in blocking system calls", sched.maxmcount, insyscall, n);
}

/* Start a new M that will run with pp, or that will run fn (no P). */
void newm(void (*fn)(void), struct p *pp, bool spinning)
{
	struct m *mp = calloc(1, sizeof *mp);
	struct g *g0 = calloc(1, sizeof *g0);
	if (!mp || !g0)
		fatal("out of memory allocating an M");
	g0->m = mp;
	mp->g0 = g0;
	mp->nextp = pp;
	mp->spinning = spinning;
	mp->mstartfn = fn;
	lock(&sched.lock);
	checkmcount();
	mp->id = sched.mnext++;
	mp->alllink = sched.allm;
	sched.allm = mp;
	atomic_fetch_add(&sched.mcount, 1);
	unlock(&sched.lock);

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int err = pthread_create(&mp->thread, &attr, mstart, mp);
	pthread_attr_destroy(&attr);
	if (err != 0)
		fatal("pthread_create failed (%s): cannot start an M", strerror(err));
}

/* Run pp on an idle M, or on a new one if none is idle.  spinning: the M
 * starts out spinning, already counted in sched.nmspinning (wakep). */
void startm(struct p *pp, bool spinning)
{
	lock(&sched.lock);
	struct m *mp = mget();
	unlock(&sched.lock);
	atomic_fetch_add(&sched.nstartm, 1);
	if (!mp) {
		newm(NULL, pp, spinning);
		return;
	}
	mp->spinning = spinning;
	mp->nextp = pp;
	notewakeup(&mp->park);
}

/* Sleep until startm hands us a P.  If we are the last M to go idle,
 * nobody may be left to wake anyone: checkdead looks, here and only here,
 * so that the check costs nothing while work flows. */
void stopm(struct m *mp)
{
	if (mp->spinning)
		fatal("stopm: M%lld goes to sleep still spinning: dropspinning (lab 3) must clear "
		      "mp->spinning and decrement sched.nmspinning", (long long)mp->id);
	lock(&sched.lock);
	mput(mp);
	checkdead();
	unlock(&sched.lock);
	notesleep(&mp->park);
	noteclear(&mp->park);
	mp->idle = false;
	acquirep(mp, mp->nextp);
	mp->nextp = NULL;
}

/* ---- the scheduler ---- */

/*
 * Find a goroutine to run; sleeps while there is none.  *inheritTime
 * tells whether it shares the time slice of the goroutine before it.
 * Go's findRunnable, one step per lab, in Go's order:
 *
 *   0. run our P's timers that are due      checkTimers       lab 5
 *   1. the local and global run queues      findqueued        lab 2
 *   2. the network, without blocking        findnetpoll       lab 5
 *   3. steal from other Ps, spinning        trysteal          lab 3
 *      and run other Ps' due timers         stealTimers       lab 5
 *   4. a last look at the global queue (and at needspinning), then
 *      give back the P
 *   5. stop spinning, and look once more    dropspinning      lab 3
 *   6. block in the network poller until    blocknetpoll      lab 5
 *      an fd or the next timer is ready, or
 *      sleep until wakep hands us a P       stopm
 */
static struct g *findrunnable(struct m *mp, bool *inheritTime)
{
	struct g *gp;
	for (;;) {
		struct p *pp = mp->p;
		int64_t now = grt_nanotime();
		checkTimers(pp, now);
		if ((gp = findqueued(pp, inheritTime)))
			return gp;
		if ((gp = findnetpoll(pp))) {
			*inheritTime = false;
			return gp;
		}
		if ((gp = trysteal(mp, pp))) {
			atomic_fetch_add(&sched.nsteal, 1);
			*inheritTime = false;
			return gp;
		}
		if (stealTimers(pp, now))
			continue; /* they readied goroutines, on our P */
		/* Nothing.  The global queue once more, under the lock that
		 * globrunqput takes: whoever puts a goroutine there after
		 * this sees our P idle, and wakep hands it to an M. */
		lock(&sched.lock);
		if ((gp = globrunqget(pp, 0))) {
			unlock(&sched.lock);
			*inheritTime = false;
			return gp;
		}
		/* Someone found work and no idle P for it (pidlegetSpinning),
		 * and we were not spinning, so would not look again: spin. */
		if (!mp->spinning && atomic_load(&sched.needspinning)) {
			atomic_store(&sched.needspinning, 0);
			mp->spinning = true;
			atomic_fetch_add(&sched.nmspinning, 1);
			unlock(&sched.lock);
			continue;
		}
		pidleput(releasep(mp));
		unlock(&sched.lock);
		if (dropspinning(mp))
			continue; /* work appeared: we hold a P again, spinning */
		if (blocknetpoll(mp, timeSleepUntil(), &gp)) {
			if (gp) {
				*inheritTime = false;
				return gp;
			}
			continue; /* a timer is due, or the goroutines went to the global queue */
		}
		stopm(mp);
	}
}

/* Run gp on this M until it comes back to g0 through mcall; then perform
 * the action it asked for, on g0. */
static void execute(struct m *mp, struct g *gp, bool inheritTime)
{
	/* Release: sysmon (lab 6) reads curg and writes to the G it names. */
	atomic_store_explicit(&mp->curg, gp, memory_order_release);
	gp->m = mp;
	casgstatus(gp, _Grunnable, _Grunning);
	atomic_store_explicit(&gp->preempt, false, memory_order_relaxed); /* a request was for the slice it left */
	if (!inheritTime) /* one writer, the P's owner: no need for an atomic add */
		atomic_store_explicit(&mp->p->schedtick, atomic_load_explicit(&mp->p->schedtick, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	dotevent("run", gp);
	raceswitch(gp);
	gogo(&mp->g0->sched, &gp->sched);

	atomic_store_explicit(&mp->curg, NULL, memory_order_relaxed);
	gp->m = NULL;
	stackcheck(gp);
	void (*fn)(struct g *) = mp->mcallfn;
	mp->mcallfn = NULL;
	fn(gp);
}

static noreturn void schedule(void)
{
	struct m *mp = getm();
	for (;;) {
		bool inheritTime = false;
		struct g *gp = findrunnable(mp, &inheritTime);
		/* A spinning M that found work stops spinning, and if it was
		 * the last one spinning, wakes another to look for more. */
		if (mp->spinning)
			resetspinning(mp);
		execute(mp, gp, inheritTime);
	}
}

/* Switch to g0 and call fn(gp) there, gp being the caller's goroutine.
 * Returns when someone runs gp again, perhaps on another thread. */
void mcall(void (*fn)(struct g *))
{
	struct m *mp = getm();
	struct g *gp = mp->curg;
	mp->mcallfn = fn;
	raceswitch(mp->g0);
	gogo(&gp->sched, &mp->g0->sched);
}

/* ---- yield, park, ready ---- */

static void gosched_m(struct g *gp)
{
	casgstatus(gp, _Grunning, _Grunnable);
	lock(&sched.lock);
	globrunqput(gp); /* behind everyone, as Go's Gosched does */
	unlock(&sched.lock);
	wakep();
}

/* Lab 6: a preempted goroutine goes where a yielding one does, behind
 * everyone, so that the others on its P get their turn. */
void gopreempt_m(struct g *gp)
{
	dotevent("preempt", gp);
	gosched_m(gp);
}

/* Entered from asyncPreempt (lab 6), on the goroutine's stack, with
 * every register it had saved below the interrupted sp.  The switch is
 * an ordinary mcall: when someone runs the goroutine again, perhaps on
 * another M, mcall returns here, and asyncPreempt restores the rest. */
void asyncPreempt2(void)
{
	struct g *gp = getg();
	atomic_fetch_add_explicit(&gp->npreempt, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sched.npreempt, 1, memory_order_relaxed);
	mcall(gopreempt_m);
}

/* Go checks gp.preempt in every function's prologue (the stack check).
 * C has no such hook, so the API calls that may switch check instead:
 * grt_go, channel operations, grt_mutex_lock, grt_wg_wait, and the end of
 * a system call.  A goroutine that makes none of them in a loop is
 * stopped by the signal alone. */
void preemptcheck(void)
{
	struct m *mp = getm();
	struct g *gp = mp ? mp->curg : NULL;
	if (!gp || !atomic_load_explicit(&gp->preempt, memory_order_relaxed) || mp->locks != 0)
		return;
	atomic_fetch_add_explicit(&sched.npreemptcoop, 1, memory_order_relaxed);
	mcall(gopreempt_m);
}

void grt_yield(void)
{
	if (!getg())
		fatal("grt_yield: called outside a goroutine (start the runtime with grt_main)");
	mcall(gosched_m);
}

static void park_m(struct g *gp)
{
	struct m *mp = getm();
	casgstatus(gp, _Grunning, _Gwaiting);
	bool parked = !mp->waitunlockf || mp->waitunlockf(gp, mp->waitlock);
	mp->waitunlockf = NULL;
	mp->waitlock = NULL;
	if (!parked) {
		/* What it waited for came first: it runs next, in its slice. */
		casgstatus(gp, _Gwaiting, _Grunnable);
		runqput(mp->p, gp, true);
		return;
	}
	dotevent("park", gp);
}

/* Park the calling goroutine.  unlockf(gp, lock) runs on g0 after the
 * goroutine's registers are saved: until then, whoever will call goready
 * on it cannot find it. */
void gopark(bool (*unlockf)(struct g *, void *), void *lk, enum waitreason reason)
{
	struct m *mp = getm();
	if (!mp || !mp->curg)
		fatal("gopark called outside a goroutine");
	mp->waitunlockf = unlockf;
	mp->waitlock = lk;
	mp->curg->waitreason = reason;
	mcall(park_m);
	getg()->waitreason = waitReasonZero;
}

/* Make a parked goroutine runnable, on the caller's P: next (it runs
 * next, as for a goroutine that the running one woke), or at the tail
 * (several woken at once run in the order they were woken). */
void ready(struct g *gp, bool next)
{
	casgstatus(gp, _Gwaiting, _Grunnable);
	struct m *mp = getm();
	if (mp && mp->p) {
		runqput(mp->p, gp, next);
	} else {
		lock(&sched.lock);
		globrunqput(gp);
		unlock(&sched.lock);
	}
	dotevent("ready", gp);
	wakep();
}

void goready(struct g *gp)
{
	ready(gp, true);
}

/* ---- system calls: the API around lab 4's entersyscall and exitsyscall ---- */

void grt_entersyscall(void)
{
	if (getg())
		entersyscall();
}

/* errno is the thread's, and the goroutine may leave exitsyscall on
 * another thread: keep the call's error now, while still on the thread
 * that made the call, for grt_errno. */
void grt_exitsyscall(void)
{
	struct g *gp = getg();
	if (gp) {
		gp->syscallerr = errno;
		exitsyscall();
		preemptcheck();
	}
}

int grt_errno(void)
{
	struct g *gp = getg();
	return gp ? gp->syscallerr : errno;
}

/* ---- spawn and exit ---- */

#define GFREEMAX 64

static void allgadd(struct g *gp)
{
	lock(&sched.allglock);
	if (sched.allglen == sched.allgcap) {
		int64_t cap = sched.allgcap ? 2 * sched.allgcap : 1024;
		struct g **a = realloc(sched.allgs, cap * sizeof *a);
		if (!a)
			fatal("out of memory growing allgs");
		sched.allgs = a;
		sched.allgcap = cap;
	}
	sched.allgs[sched.allglen++] = gp;
	unlock(&sched.allglock);
}

/* Recycle a dead G, stack and all, on its P's free list; past GFREEMAX,
 * half of the list moves to the global one for other Ps to use. */
static void gfput(struct p *pp, struct g *gp)
{
	gp->schedlink = pp->gfree;
	pp->gfree = gp;
	if (++pp->gfreecnt < GFREEMAX)
		return;
	lock(&sched.lock);
	while (pp->gfreecnt > GFREEMAX / 2) {
		struct g *x = pp->gfree;
		pp->gfree = x->schedlink;
		pp->gfreecnt--;
		x->schedlink = sched.gfree;
		sched.gfree = x;
		atomic_fetch_add(&sched.ngfree, 1);
	}
	unlock(&sched.lock);
}

/* A dead G to reuse, from pp's list (refilled from the global one when
 * empty), or from the global list when there is no P. */
static struct g *gfget(struct p *pp)
{
	struct g *gp;
	if (!pp || (!pp->gfree && atomic_load(&sched.ngfree) > 0)) {
		lock(&sched.lock);
		while (pp && pp->gfreecnt < GFREEMAX / 2 && sched.gfree) {
			gp = sched.gfree;
			sched.gfree = gp->schedlink;
			atomic_fetch_sub(&sched.ngfree, 1);
			gp->schedlink = pp->gfree;
			pp->gfree = gp;
			pp->gfreecnt++;
		}
		if (!pp && (gp = sched.gfree)) {
			sched.gfree = gp->schedlink;
			atomic_fetch_sub(&sched.ngfree, 1);
		}
		unlock(&sched.lock);
		if (!pp)
			return gp;
	}
	if ((gp = pp->gfree)) {
		pp->gfree = gp->schedlink;
		pp->gfreecnt--;
	}
	return gp;
}

/* A runnable G that will call fn(arg); pp (may be NULL) lends its cache. */
static struct g *newproc1(struct p *pp, void (*fn)(void *), void *arg)
{
	struct g *gp = gfget(pp);
	if (!gp) {
		gp = calloc(1, sizeof *gp);
		if (!gp)
			fatal("out of memory allocating a goroutine");
		gp->stack = stackalloc();
		atomic_store(&gp->atomicstatus, _Gdead);
		allgadd(gp);
	}
	racegostart(gp);
	gp->schedlink = NULL;
	gp->waitreason = waitReasonZero;
	gp->startfn = fn;
	gp->goid = atomic_fetch_add(&sched.goidgen, 1) + 1;
	memset(&gp->sched, 0, sizeof gp->sched);
	gostartcall(&gp->sched, (void *)gp->stack.lo, (void *)gp->stack.hi, fn, arg);
	casgstatus(gp, _Gdead, _Grunnable);
	return gp;
}

void newproc(void (*fn)(void *), void *arg)
{
	struct m *mp = getm();
	if (!mp || !mp->curg)
		fatal("grt_go: called outside a goroutine (start the runtime with grt_main)");
	struct g *gp = newproc1(mp->p, fn, arg);
	runqput(mp->p, gp, true);
	dotevent("spawn", gp);
	wakep();
}

void grt_go(void (*fn)(void *), void *arg)
{
	if (!fn)
		fatal("grt_go: go of nil func value (fn is NULL)");
	newproc(fn, arg);
	preemptcheck();
}

static void goexit0(struct g *gp)
{
	casgstatus(gp, _Grunning, _Gdead);
	racegoend(gp);
	gp->startfn = NULL;
	gfput(getm()->p, gp);
}

/* Called by goentry when the goroutine's function returns. */
noreturn void goexit1(void)
{
	mcall(goexit0);
	fatal("goexit1: a dead goroutine was resumed");
}

void grt_exit(void)
{
	if (!getg())
		fatal("grt_exit: called outside a goroutine (start the runtime with grt_main)");
	goexit1();
}

noreturn void goexit_badreturn(void)
{
	struct g *gp = getg();
	fatal("goroutine %lld returned past its first stack frame (its stack is corrupt)",
	      gp ? (long long)gp->goid : -1LL);
}

int64_t grt_goid(void)
{
	struct g *gp = getg();
	return gp ? gp->goid : 0;
}

int grt_gomaxprocs(void)
{
	return gomaxprocs;
}

/* ---- start-up ---- */

static void schedinit(void)
{
	gomaxprocs = getmaxprocs();
	sched.maxmcount = getmaxthreads();
	parsedebugvars();
	stackinit();
	siginit();
	allp = calloc(gomaxprocs, sizeof *allp);
	if (!allp)
		fatal("out of memory allocating Ps");
	for (int32_t i = gomaxprocs - 1; i >= 0; i--) {
		struct p *pp = calloc(1, sizeof *pp);
		if (!pp)
			fatal("out of memory allocating Ps");
		pp->id = i;
		allp[i] = pp;
		pidleput(pp);
	}
	netpollinit();
	atomic_store(&sched.lastpoll, grt_nanotime());
	schedtraceinit();
}

struct mainarg {
	void (*fn)(void *);
	void *arg;
	struct note done;
};

/* The main goroutine.  It stops counting as awaited before it wakes
 * grt_main's thread: from then on, idle Ms are no deadlock. */
static void runmain(void *arg)
{
	struct mainarg *ma = arg;
	ma->fn(ma->arg);
	lock(&sched.lock);
	sched.nmainwait--;
	unlock(&sched.lock);
	notewakeup(&ma->done);
}

int grt_main(void (*fn)(void *), void *arg)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	if (!fn)
		fatal("grt_main: fn is NULL");
	if (getm())
		fatal("grt_main: called from a goroutine");
	pthread_once(&once, schedinit);

	struct mainarg ma = { .fn = fn, .arg = arg };
	noteclear(&ma.done);
	struct g *gp = newproc1(NULL, runmain, &ma);
	gp->startfn = fn; /* what dumps and gdb should call it */
	lock(&sched.lock);
	sched.nmainwait++; /* with the G on the queue: checkdead sees both or neither */
	globrunqput(gp);
	unlock(&sched.lock);
	wakep();
	notesleep(&ma.done);
	return 0;
}
