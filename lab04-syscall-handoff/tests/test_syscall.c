/*
 * Lab 4's direct tests: a goroutine calls entersyscall and exitsyscall
 * itself, does between them what sysmon's retake or another M would do,
 * and checks the state each leaves behind.  Between the two calls the
 * goroutine is "in a system call": it holds no P, so it calls nothing of
 * the runtime's that needs one.  Do not edit: the grader uses a pristine
 * copy of this folder.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "runtime.h"

static void maxprocs(const char *n)
{
	setenv("GRT_MAXPROCS", n, 1);
}

static const char *pstatus(uint32_t s)
{
	static const char *const names[] = { "_Pidle", "_Prunning", "_Psyscall", "_Pdead" };
	return s < 4 ? names[s] : "?";
}

/* Wait (in a system call, or on a plain thread) until *flag is set; false
 * after 5 s. */
static bool waitfor(_Atomic int *flag)
{
	for (int i = 0; i < 5000 && !atomic_load(flag); i++)
		usleep(1000);
	return atomic_load(flag);
}

/* ---- what does entersyscall leave, and does exitsyscall take it back? ---- */

#define NENTER 1000
static struct {
	uint32_t gstatus, pstatus, mtick, ptick, tick0, gafter;
	struct p *mp_p, *oldp, *after_p;
	struct m *pm, *after_m;
	int fast;
} es;

static void enter_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < NENTER; i++) {
		struct m *mp = getm();
		struct g *gp = mp->curg;
		struct p *pp = mp->p;
		uint32_t tick0 = pp->syscalltick;
		entersyscall();
		/* In the call: look, touch nothing. */
		uint32_t gs = readgstatus(gp), ps = atomic_load(&pp->status), ptick = pp->syscalltick;
		struct p *mpp = mp->p, *oldp = mp->oldp;
		struct m *pm = pp->m;
		uint32_t mtick = mp->syscalltick;
		exitsyscall();
		bool fast = getm() == mp && mp->p == pp;
		if (gs != _Gsyscall || mpp || oldp != pp || mtick != tick0 ||
		    (ptick == tick0 && (ps != _Psyscall || pm)) || readgstatus(gp) != _Grunning || !getm()->p ||
		    (fast && pp->syscalltick == tick0)) {
			es.gstatus = gs, es.pstatus = ps, es.mtick = mtick, es.ptick = ptick, es.tick0 = tick0;
			es.mp_p = mpp, es.oldp = oldp, es.pm = pm, es.after_m = getm(), es.after_p = getm()->p;
			es.gafter = readgstatus(gp);
			es.fast = -1 - i;
			return;
		}
		es.fast += fast;
	}
}

TEST(entersyscall_leaves_p, 3, 20,
     "After entersyscall, who holds the P, in which state, and what does the M remember? Quick calls on "
     "2 Ps, where nobody needs this P: does exitsyscall take the same P back?")
{
	maxprocs("2");
	grt_main(enter_main, NULL);
	if (es.fast < 0) {
		int i = -1 - es.fast;
		CHECK_MSG(es.gstatus == _Gsyscall, "call %d: in the call, the goroutine is in state %u, not _Gsyscall",
			  i, es.gstatus);
		CHECK_MSG(es.mp_p == NULL, "call %d: in the call, the M still holds P%d: entersyscall must let go of "
			  "it (releasep)", i, es.mp_p->id);
		CHECK_MSG(es.oldp != NULL, "call %d: in the call, mp->oldp is NULL: the M must remember its P, to "
			  "take it back", i);
		CHECK_MSG(es.mtick == es.tick0, "call %d: mp->syscalltick is %u, the P's syscalltick was %u", i,
			  es.mtick, es.tick0);
		CHECK_MSG(es.ptick != es.tick0 || es.pstatus == _Psyscall, "call %d: in the call, the P is %s, not "
			  "_Psyscall", i, pstatus(es.pstatus));
		CHECK_MSG(es.ptick != es.tick0 || es.pm == NULL, "call %d: in the call, the P's m still names the M",
			  i);
		CHECK_MSG(es.after_p != NULL, "call %d: exitsyscall returned with no P", i);
		CHECK_MSG(es.gafter == _Grunning, "call %d: after exitsyscall, the goroutine is in state %u, not "
			  "_Grunning", i, es.gafter);
		FAIL("call %d: exitsyscall took its P back but left its syscalltick at %u (before the call: %u): "
		     "the fast path adds 1, so that sysmon sees a new call, not the same one",
		     i, es.oldp->syscalltick, es.tick0);
	}
	CHECK_MSG(es.fast >= NENTER * 9 / 10, "only %d of %d quick calls came back to the same P on the same M: "
		  "exitsyscall's fast path takes back mp->oldp while it is still in _Psyscall", es.fast, NENTER);
}

/* ---- the P was retaken and went idle: does exitsyscall take an idle P? ---- */

static int idle_tries;
static bool idle_took;
static struct m *idle_before, *idle_after;
static struct p *idle_p;
static uint32_t idle_status;

static void idle_main(void *arg)
{
	(void)arg;
	for (idle_tries = 1; idle_tries <= 100; idle_tries++) {
		struct m *mp = getm();
		struct p *pp = mp->p;
		uint32_t tick = pp->syscalltick;
		entersyscall();
		/* What retake and handoffp do when nothing waits for the P. */
		uint32_t s = _Psyscall;
		idle_took = atomic_compare_exchange_strong(&pp->status, &s, _Pidle);
		if (idle_took) {
			pp->syscalltick++;
			lock(&sched.lock);
			pidleput(pp);
			unlock(&sched.lock);
		}
		idle_status = s;
		exitsyscall();
		idle_before = mp, idle_after = getm(), idle_p = getm()->p;
		if (idle_took || pp->syscalltick == tick)
			return;
		/* sysmon retook it first: try again */
	}
}

TEST(exitsyscall_takes_idle_p, 2, 20,
     "The P was retaken during the call and is idle now. Where does exitsyscall get a P, and must the "
     "goroutine change threads for it?")
{
	maxprocs("2");
	grt_main(idle_main, NULL);
	CHECK_MSG(idle_took, "in the call, the P was %s, not _Psyscall: entersyscall must leave it there",
		  pstatus(idle_status));
	CHECK_MSG(idle_p != NULL, "exitsyscall returned with no P");
	CHECK_MSG(idle_after == idle_before, "exitsyscall moved the goroutine to another M although a P was idle: "
		  "the fast path takes an idle P (pidleget) and stays on its thread");
}

/* ---- the idle P is taken under sched.lock, and without a switch ---- */

static _Atomic int lk_held, lk_back;
static int lk_back_in_lock = -1, lk_tries;
static bool lk_took, lk_same_m;
static uint64_t lk_ticks = ~0ULL;

static uint64_t schedticks(void)
{
	uint64_t n = 0;
	for (int32_t i = 0; i < gomaxprocs; i++)
		n += allp[i]->schedtick;
	return n;
}

/* A plain thread: holds sched.lock for 100 ms, and looks whether the
 * goroutine came back from its call meanwhile. */
static void *lk_holder(void *arg)
{
	(void)arg;
	lock(&sched.lock);
	atomic_store(&lk_held, 1);
	usleep(100000);
	lk_back_in_lock = atomic_load(&lk_back);
	unlock(&sched.lock);
	return NULL;
}

static void lk_main(void *arg)
{
	(void)arg;
	for (lk_tries = 1; lk_tries <= 100 && !lk_took; lk_tries++) {
		struct m *mp = getm();
		struct p *pp = mp->p;
		entersyscall();
		/* As retake and handoffp do with nothing to run: both Ps idle. */
		uint32_t s = _Psyscall;
		lk_took = atomic_compare_exchange_strong(&pp->status, &s, _Pidle);
		if (!lk_took) { /* sysmon retook it first: again */
			exitsyscall();
			continue;
		}
		pp->syscalltick++;
		lock(&sched.lock);
		pidleput(pp);
		unlock(&sched.lock);
		pthread_t t;
		pthread_create(&t, NULL, lk_holder, NULL);
		while (!atomic_load(&lk_held))
			sched_yield();
		uint64_t ticks = schedticks();
		exitsyscall();
		atomic_store(&lk_back, 1);
		lk_ticks = schedticks() - ticks;
		lk_same_m = getm() == mp;
		pthread_join(t, NULL);
	}
}

TEST(exitsyscall_idle_p_locked, 2, 20,
     "The P was retaken and both Ps are idle; another thread holds sched.lock. How does exitsyscall take "
     "an idle P, and does the goroutine go through the scheduler to run on it?")
{
	maxprocs("2");
	grt_main(lk_main, NULL);
	CHECK_MSG(lk_took, "in the call, the P was never in _Psyscall: entersyscall must leave it there");
	CHECK_MSG(lk_back_in_lock == 0, "exitsyscall returned while another thread held sched.lock: the idle list "
		  "is sched.lock's, so pidleget must run under it, or two threads may take the same P");
	CHECK_MSG(lk_same_m, "exitsyscall moved the goroutine to another M although a P was idle");
	CHECK_MSG(lk_ticks == 0, "exitsyscall took an idle P by way of the scheduler (a schedtick moved by %llu): "
		  "the fast path takes it (pidleget) and goes on running the goroutine, with no switch",
		  (unsigned long long)lk_ticks);
}

/* ---- no P anywhere: is the goroutine queued and its M parked? ---- */

static _Atomic int hog_running, hog_stop;
static bool park_took;
static uint32_t park_status;
static struct m *park_before, *park_after;
static bool park_ran, park_idle;

static void park_hog(void *arg)
{
	(void)arg;
	atomic_store(&hog_running, 1);
	while (!atomic_load(&hog_stop))
		grt_yield();
}

static void park_main(void *arg)
{
	(void)arg;
	grt_go(park_hog, NULL); /* waits in our P's queue */
	struct m *mp = getm();
	struct p *pp = mp->p;
	uint32_t tick = pp->syscalltick;
	entersyscall();
	/* What retake does for a P with work waiting (unless it did it first). */
	uint32_t s = _Psyscall;
	park_took = atomic_compare_exchange_strong(&pp->status, &s, _Pidle);
	park_status = s;
	if (park_took) {
		pp->syscalltick++;
		startm(pp, false);
	}
	park_took = park_took || pp->syscalltick != tick;
	park_ran = park_took && waitfor(&hog_running);
	if (!park_ran) {
		atomic_store(&hog_stop, 1);
		exitsyscall();
		return;
	}
	exitsyscall(); /* the hog holds the only P */
	atomic_store(&hog_stop, 1);
	park_before = mp, park_after = getm();
	for (int i = 0; i < 2000 && !park_idle; i++) {
		lock(&sched.lock);
		park_idle = mp->idle;
		unlock(&sched.lock);
		grt_sleep(1000000);
	}
}

TEST(exitsyscall_parks_m, 2, 20,
     "The call is over, but the only P is busy running another goroutine. Where does the goroutine wait, "
     "and what becomes of its M?")
{
	maxprocs("1");
	grt_main(park_main, NULL);
	CHECK_MSG(park_took, "in the call, the P was %s, not _Psyscall: entersyscall must leave it there",
		  pstatus(park_status));
	CHECK_MSG(park_ran, "the P was handed to another M (startm), but the goroutine waiting in its queue did "
		  "not run within 5 s");
	CHECK_MSG(park_after != park_before, "the goroutine came back on its old M, though the only P was busy on "
		  "another: with no P, exitsyscall must queue it (global queue) and park the M (stopm)");
	CHECK_MSG(park_idle, "the goroutine went on on another M, but its old M never went to sleep in the M cache "
		  "(stopm)");
}

/* ---- no P on the way out, but one goes idle while we wait for the lock ---- */

static _Atomic int late_held, late_back, late_waited = -1;
static struct p *late_p;
static bool late_took;

/* A plain thread: holds sched.lock until the goroutine waits for it
 * (exitsyscall's slow path), then makes the P idle, and lets go. */
static void *late_holder(void *arg)
{
	(void)arg;
	lock(&sched.lock);
	atomic_store(&late_held, 1);
	int i = 0;
	while (i++ < 2000 && atomic_load(&sched.lock.key) != 2)
		usleep(1000);
	atomic_store(&late_waited, atomic_load(&sched.lock.key) == 2);
	pidleput(late_p);
	unlock(&sched.lock);
	return NULL;
}

static void *late_watch(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000 && !atomic_load(&late_back); i++)
		usleep(1000);
	if (!atomic_load(&late_back))
		FAIL("a P went idle while the goroutine's way out of its call waited for sched.lock: the slow path "
		     "took it, but the goroutine did not run within 2 s (put it on that P's queue: runqput)");
	return NULL;
}

static void late_main(void *arg)
{
	(void)arg;
	late_p = getm()->p;
	entersyscall();
	/* As retake does, but the P goes to nobody: no P is idle. */
	uint32_t s = _Psyscall;
	late_took = atomic_compare_exchange_strong(&late_p->status, &s, _Pidle);
	if (!late_took) { /* sysmon retook it first: it is idle or running us */
		exitsyscall();
		atomic_store(&late_back, 1);
		return;
	}
	late_p->syscalltick++;
	pthread_t t, w;
	pthread_create(&t, NULL, late_holder, NULL);
	pthread_create(&w, NULL, late_watch, NULL);
	while (!atomic_load(&late_held))
		sched_yield();
	exitsyscall(); /* no P: the slow path, which waits for the lock */
	atomic_store(&late_back, 1);
	pthread_join(t, NULL);
	pthread_join(w, NULL);
}

TEST(exitsyscall_late_idle_p, 2, 20,
     "1 P, taken away during the call and given to nobody. On the way out no P is idle; while the slow path "
     "waits for sched.lock, another thread makes the P idle. Does the goroutine run on it?")
{
	maxprocs("1");
	grt_main(late_main, NULL);
	CHECK_MSG(late_took, "in the call, the P was not in _Psyscall");
	CHECK_MSG(late_waited == 1, "the goroutine never waited for sched.lock on its way out of the call, though no P "
		  "was idle: exitsyscall's slow path takes the lock to look for an idle P or queue the goroutine");
}

/* ---- a call known to block: is the P handed off at once? ---- */

static _Atomic int block_ran;
static struct p *block_mp_p;
static uint32_t block_status;
static bool block_ran_in_call;

static void block_other(void *arg)
{
	(void)arg;
	atomic_store(&block_ran, 1);
}

static void block_main(void *arg)
{
	(void)arg;
	grt_go(block_other, NULL);
	struct m *mp = getm();
	struct p *pp = mp->p;
	entersyscallblock();
	block_status = atomic_load(&pp->status);
	block_mp_p = mp->p;
	block_ran_in_call = block_status != _Psyscall && !block_mp_p && waitfor(&block_ran);
	exitsyscall();
}

TEST(entersyscallblock_hands_off, 2, 20,
     "A call known to block: why wait for sysmon? Where is the P when entersyscallblock returns?")
{
	maxprocs("1");
	grt_main(block_main, NULL);
	CHECK_MSG(block_mp_p == NULL, "after entersyscallblock, the M still holds P%d", block_mp_p->id);
	CHECK_MSG(block_status != _Psyscall, "after entersyscallblock, the P is in _Psyscall, waiting for sysmon: "
		  "a call known to block hands off the P at once (handoffp)");
	CHECK_MSG(block_ran_in_call, "a goroutine waiting on the P did not run within 5 s of the hand-off");
}

/* ---- errno, when the call ends on another thread ---- */

static _Atomic int err_stop;
static int err_got, err_raw, err_tries;
static long err_ret;
static bool err_moved;

/* Keeps the only P busy, and its thread's errno wrong. */
static void err_hog(void *arg)
{
	(void)arg;
	while (!atomic_load(&err_stop)) {
		errno = EBADF;
		grt_yield();
	}
}

static void err_main(void *arg)
{
	(void)arg;
	grt_go(err_hog, NULL);
	for (err_tries = 1; err_tries <= 5 && !err_moved; err_tries++) {
		struct m *before = getm();
		uint32_t word = 0;
		struct timespec ts = { 0, 50000000 };
		/* Fails after 50 ms with ETIMEDOUT; meanwhile sysmon hands our P
		 * to the hog, so we come back to the hog's thread. */
		err_ret = GRT_SYSCALL(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0));
		err_raw = errno;
		err_got = grt_errno();
		err_moved = getm() != before;
		if (err_ret != -1 || err_got != ETIMEDOUT)
			break;
	}
	atomic_store(&err_stop, 1);
}

TEST(errno_after_migration, 2, 20,
     "A call fails, and the goroutine comes back from it on another thread, whose errno is not the call's. "
     "Where does grt_errno find the call's error?")
{
	maxprocs("1");
	grt_main(err_main, NULL);
	CHECK_MSG(err_ret == -1, "futex(FUTEX_WAIT) with a 50 ms timeout returned %ld", err_ret);
	CHECK_MSG(err_got == ETIMEDOUT, "grt_errno() is %d (%s) after a call that failed with ETIMEDOUT (errno "
		  "read after the call: %d)", err_got, strerrorname_np(err_got), err_raw);
	CHECK_MSG(err_moved, "5 calls of 50 ms, each while another goroutine waited for the only P, all came back "
		  "on the M that made them: the P was never handed off (retake, handoffp), or exitsyscall took "
		  "it back from the M that was running it");
}

/* ---- handoffp, for a P with nothing to do ---- */

/* Take an idle P off the idle list (or put it back): with it out, no P is
 * idle, though nobody runs it. */
static struct p *token_take(void)
{
	lock(&sched.lock);
	struct p *pp = pidleget();
	unlock(&sched.lock);
	return pp;
}

static void token_return(struct p *pp)
{
	lock(&sched.lock);
	pidleput(pp);
	unlock(&sched.lock);
}

/* As retake does: take our own P out of _Psyscall.  The caller is in a call. */
static bool take_own(struct p *pp)
{
	uint32_t s = _Psyscall;
	if (!atomic_compare_exchange_strong(&pp->status, &s, _Pidle))
		return false;
	pp->syscalltick++;
	return true;
}

static int64_t nowork_idle_startm = -1, nowork_busy_startm = -1, nowork_spinning_after = -1;
static bool nowork_took;

static void nowork_main(void *arg)
{
	(void)arg;
	/* 1: the other P is idle, and no M spins (the spinner that started
	 * with us may still be looking). */
	for (int i = 0; i < 2000 && (atomic_load(&sched.nmspinning) != 0 || atomic_load(&sched.npidle) != 1); i++)
		grt_sleep(1000000);
	struct p *pp = getm()->p;
	entersyscall();
	nowork_took = take_own(pp);
	int64_t s0 = atomic_load(&sched.nstartm);
	if (nowork_took)
		handoffp(pp);
	nowork_idle_startm = atomic_load(&sched.nstartm) - s0;
	exitsyscall();
	if (!nowork_took)
		return;
	/* 2: no P idle (the other is our token), no M spinning. */
	while (atomic_load(&sched.nmspinning) != 0)
		grt_sleep(1000000);
	struct p *token = token_take();
	pp = getm()->p;
	entersyscall();
	nowork_took = take_own(pp);
	s0 = atomic_load(&sched.nstartm);
	if (nowork_took && token && atomic_load(&sched.nmspinning) == 0)
		handoffp(pp);
	nowork_busy_startm = atomic_load(&sched.nstartm) - s0;
	if (token)
		token_return(token);
	exitsyscall();
	/* The spinner finds nothing and stops: the count goes back to 0. */
	for (int i = 0; i < 2000 && atomic_load(&sched.nmspinning) != 0; i++)
		grt_sleep(1000000);
	nowork_spinning_after = atomic_load(&sched.nmspinning);
}

TEST(handoffp_without_work, 2, 20,
     "2 Ps. handoffp gets a P with no work anywhere: first while the other P is idle, then while no P is "
     "idle and no M spins. When is an M worth starting for it?")
{
	maxprocs("2");
	grt_main(nowork_main, NULL);
	CHECK_MSG(nowork_took, "in the call, the P was not in _Psyscall: entersyscall must leave it there");
	CHECK_MSG(nowork_idle_startm == 0, "with the other P idle, handoffp started %lld M(s) for a P with no work: "
		  "an idle P already stands ready for new work; this one goes to the idle list",
		  (long long)nowork_idle_startm);
	CHECK_MSG(nowork_busy_startm == 1, "with no P idle and no M spinning, handoffp started %lld M(s) for a P with "
		  "no work; it should start one, spinning (startm(pp, true)): nobody else would look for work "
		  "arriving in the busy Ps' queues", (long long)nowork_busy_startm);
	CHECK_MSG(nowork_spinning_after == 0, "2 s after, sched.nmspinning is still %lld: the M that handoffp counted "
		  "in nmspinning must be started spinning (startm(pp, true)), so that it uncounts itself",
		  (long long)nowork_spinning_after);
}

/* ---- handoffp, with work in the P's queue or the global one ---- */

static _Atomic int work_ran[2];
static bool work_took[2], work_ran_in_call[2];

static void work_x(void *arg)
{
	atomic_store(&work_ran[(intptr_t)arg], 1);
}

/* where 0: work_x waits in our P's queue; 1: in the global queue.  Then
 * our P goes to handoffp while the other P is idle and no M spins. */
static void handoff_work(int where)
{
	struct p *pp = getm()->p;
	struct p *token = token_take(); /* no idle P: nobody steals what we spawn */
	for (int i = 0; i < 2000 && !token; i++) { /* a spinning M may hold it a moment */
		grt_sleep(1000000);
		pp = getm()->p;
		token = token_take();
	}
	if (!token)
		return;
	grt_go(work_x, (void *)(intptr_t)where);
	if (where == 1) {
		bool inherit;
		struct g *x = runqget(pp, &inherit);
		lock(&sched.lock);
		globrunqput(x);
		unlock(&sched.lock);
	}
	entersyscall();
	work_took[where] = take_own(pp);
	token_return(token); /* the other P idle again */
	if (work_took[where])
		handoffp(pp);
	work_ran_in_call[where] = waitfor(&work_ran[where]);
	if (!work_ran_in_call[where])
		wakep(); /* let the test end */
	exitsyscall();
}

static void work_main(void *arg)
{
	(void)arg;
	handoff_work(0);
	handoff_work(1);
}

TEST(handoffp_sees_work, 1, 20,
     "2 Ps, the other one idle, no M spinning. handoffp gets a P while a goroutine waits in its queue, then "
     "while one waits in the global queue. Who will run them?")
{
	maxprocs("2");
	grt_main(work_main, NULL);
	for (int w = 0; w < 2; w++) {
		const char *where = w ? "the global queue" : "the P's own queue";
		CHECK_MSG(work_took[w], "in the call, the P was not in _Psyscall (or the other P never went idle)");
		CHECK_MSG(work_ran_in_call[w], "a goroutine waited 5 s in %s after handoffp, every other P idle and no M "
			  "spinning: handoffp must start an M for the work in the P's queue or in the global queue",
			  where);
	}
}

/* ---- exitsyscall finds no P, but one goes idle before it queues itself ---- */

#define NLOOK 5000
static struct p *look_p;
static _Atomic long look_iter = -1, look_go = -1, look_done = -1, look_taken;

/* A spin of 0 to about 3 us, from a cheap random sequence. */
static void jitter(unsigned *seed)
{
	*seed = *seed * 1103515245 + 12345;
	for (unsigned n = (*seed >> 16) % 3000; n > 0; n--)
		__asm__ volatile("");
}

/* Wait for *v to reach i: spinning at first, so as to go on the moment it
 * does, then giving the CPU away (the other side may be on this very
 * core); false after 2 s. */
static bool await(_Atomic long *v, long i)
{
	for (int n = 0; n < 20000; n++)
		if (atomic_load(v) >= i)
			return true;
	int64_t t0 = grt_nanotime();
	while (atomic_load(v) < i) {
		sched_yield();
		if (grt_nanotime() - t0 > 2000000000)
			return false;
	}
	return true;
}

/* What retake and handoffp do for a P with nothing queued, racing with the
 * goroutine's way back: take the P, and under sched.lock either start an M
 * for the global queue's work or put the P on the idle list.  Both sides
 * start together (look_go), each after a random spin. */
static void *look_retaker(void *arg)
{
	(void)arg;
	unsigned seed = 7;
	for (long i = 0; i < NLOOK; i++) {
		if (!await(&look_iter, i))
			break;
		/* Even rounds take the P before the goroutine may leave its
		 * call; odd ones race its fast path's compare-and-swap. */
		if (i % 2) {
			atomic_store(&look_go, i);
			jitter(&seed);
		}
		uint32_t s = _Psyscall;
		bool took = atomic_compare_exchange_strong(&look_p->status, &s, _Pidle);
		if (took) {
			look_p->syscalltick++;
			atomic_fetch_add(&look_taken, 1);
		}
		if (i % 2 == 0) {
			atomic_store(&look_go, i);
			jitter(&seed);
		}
		if (took) {
			lock(&sched.lock);
			jitter(&seed); /* the goroutine may find no P meanwhile, and wait for the lock */
			if (atomic_load(&sched.runqsize) > 0) {
				unlock(&sched.lock);
				startm(look_p, false);
			} else {
				pidleput(look_p);
				unlock(&sched.lock);
			}
		}
		if (!await(&look_done, i))
			FAIL("call %ld: the goroutine waited 2 s after its call while the only P was idle: exitsyscall "
			     "found no P, queued the goroutine and parked its M, but a P went idle in between; under "
			     "sched.lock, look for an idle P again before queueing (or it lost the goroutine)", i);
	}
	return NULL;
}

static void look_main(void *arg)
{
	(void)arg;
	look_p = getm()->p;
	pthread_t t;
	if (pthread_create(&t, NULL, look_retaker, NULL) != 0)
		FAIL("pthread_create failed");
	unsigned seed = 3;
	for (long i = 0; i < NLOOK; i++) {
		entersyscall();
		atomic_store(&look_iter, i);
		bool go = await(&look_go, i);
		jitter(&seed);
		exitsyscall();
		atomic_store(&look_done, i);
		if (!go)
			break;
	}
	GRT_SYSCALL(pthread_join(t, NULL));
}

TEST(exitsyscall_looks_again, 2, 90,
     "One P, taken from a goroutine's call by another thread (as retake does) just before or just as it "
     "comes back; sometimes put on the idle list just before the goroutine queues itself. Who runs it?")
{
	maxprocs("1");
	grt_main(look_main, NULL);
	CHECK_MSG(look_taken >= NLOOK / 4, "in %d calls, the P was found in _Psyscall only %ld times: entersyscall "
		  "must leave it there", NLOOK, (long)look_taken);
}

/* ---- entersyscall: the P in _Psyscall only once the M let go of it ---- */

static struct m *order_m;
static struct p *order_p;
static _Atomic long order_bad, order_seen;
static _Atomic int order_stop;

/* Runs on the goroutine's thread, between any two of its instructions. */
static void order_check(int sig)
{
	(void)sig;
	if (getm() != order_m || atomic_load(&order_p->status) != _Psyscall)
		return;
	atomic_fetch_add(&order_seen, 1);
	if (order_m->p || order_p->m)
		atomic_fetch_add(&order_bad, 1);
}

static void *order_signaller(void *arg)
{
	pid_t tid = *(pid_t *)arg;
	while (!atomic_load(&order_stop)) {
		syscall(SYS_tgkill, getpid(), tid, SIGUSR2);
		for (int i = 0; i < 2000; i++)
			__asm__ volatile("");
	}
	return NULL;
}

static void order_main(void *arg)
{
	(void)arg;
	order_m = getm();
	order_p = order_m->p;
	pid_t tid = order_m->tid;
	pthread_t t;
	if (pthread_create(&t, NULL, order_signaller, &tid) != 0)
		FAIL("pthread_create failed");
	int64_t t0 = grt_nanotime();
	while (grt_nanotime() - t0 < 1000000000 && atomic_load(&order_bad) == 0) {
		for (int i = 0; i < 1000; i++) {
			entersyscall();
			exitsyscall();
		}
		if (getm() != order_m)
			break; /* moved (sysmon took the P): the check needs this thread */
	}
	atomic_store(&order_stop, 1);
	GRT_SYSCALL(pthread_join(t, NULL));
}

TEST(entersyscall_order, 2, 20,
     "A signal lands between any two instructions of entersyscall and exitsyscall. Can it ever see the P "
     "in _Psyscall while the M still holds it?")
{
	maxprocs("2");
	forcePreemptNS = NOPREEMPT; /* lab 6: the check needs the goroutine on one thread */
	struct sigaction sa = { .sa_handler = order_check, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	grt_main(order_main, NULL);
	CHECK_MSG(order_bad == 0, "%ld times the P was in _Psyscall while the M still held it (mp->p or pp->m set): "
		  "retake may take it from then on and give it to another M; store _Psyscall last",
		  (long)order_bad);
	CHECK_MSG(order_seen > 0, "no signal found the P in _Psyscall: entersyscall must leave it there");
}
