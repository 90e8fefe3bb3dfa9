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

TEST(entersyscall_leaves_p, 4, 20,
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

TEST(exitsyscall_takes_idle_p, 3, 20,
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

TEST(exitsyscall_parks_m, 3, 20,
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
