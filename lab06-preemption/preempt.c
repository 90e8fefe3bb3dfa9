/*
 * preempt.c - stopping a goroutine that runs too long.  (lab 6)
 *
 * As shipped, scheduling is cooperative only: a goroutine gives up its P
 * when it calls the runtime (a yield, a channel, a lock, a sleep, a system
 * call), and a loop with no such call keeps its P, and everyone queued
 * behind it, for as long as it runs.
 *
 * Your version (the handout, lab06-preemption/README.md, has the
 * contracts in full):
 *  - sysmonpreempt, retake's first step: a P whose schedtick has not
 *    moved for forcePreemptNS since sysmon first saw it gets preemptone,
 *    and the slice is reported over;
 *  - preemptone sets the running goroutine's preempt flag (the API calls
 *    check it) and, unless debug.asyncpreemptoff, sends its M sigPreempt
 *    (signalM);
 *  - in the signal handler, doSigPreempt stops the goroutine only where
 *    that is safe (wantAsyncPreempt, isAsyncSafePoint), by editing the
 *    signal context so that the thread enters asyncPreempt
 *    (preempt_amd64.S) as if the interrupted instruction had called it,
 *    from below the 128-byte red zone.
 *
 * Invariants: a goroutine is never stopped in libc or the runtime, nor
 * while its M holds a runtime lock, nor in a system call; the red zone of
 * the interrupted function is never written; a signal that comes too late
 * (the goroutine it was meant for is gone) stops nobody.
 */
#include "runtime.h"

bool sysmonpreempt(struct p *pp, int64_t now)
{
	/* TODO(lab06): nothing is ever too long until you write this. */
	(void)pp;
	(void)now;
	return false;
}

bool preemptone(struct p *pp)
{
	/* TODO(lab06) */
	(void)pp;
	return false;
}

bool wantAsyncPreempt(struct g *gp)
{
	/* TODO(lab06) */
	(void)gp;
	return false;
}

bool isAsyncSafePoint(struct m *mp, struct g *gp, uintptr_t pc, uintptr_t sp)
{
	/* TODO(lab06) */
	(void)mp;
	(void)gp;
	(void)pc;
	(void)sp;
	return false;
}

void doSigPreempt(struct m *mp, ucontext_t *uc)
{
	/* TODO(lab06): stop mp->curg where it is, if wanted and safe. */
	(void)mp;
	(void)uc;
}
