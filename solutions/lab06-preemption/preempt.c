/*
 * preempt.c - stopping a goroutine that runs too long.  (lab 6)
 *
 * Until now a goroutine gave up its P only when it called the runtime:
 * a loop with no calls kept its P, and everyone queued behind it, for as
 * long as it ran.  sysmon notices (sysmonpreempt, from retake): a P whose
 * schedtick has not moved for forcePreemptNS is running one goroutine's
 * time slice too long.  preemptone asks that goroutine to stop in two
 * ways: its preempt flag, which the API calls check (preemptcheck), and a
 * signal to its M.  The signal lands between two instructions of whatever
 * the thread was doing.  doSigPreempt stops the goroutine there only at
 * an async-safe point: in the program's own code, on its own stack, with
 * no runtime lock held.  Then it edits the signal context so that, when
 * the handler returns, the thread enters asyncPreempt (preempt_amd64.S)
 * as if the interrupted instruction had called it, below the 128-byte red
 * zone.  asyncPreempt saves every register and switches to the scheduler;
 * when the goroutine runs again, on any M, it restores them and jumps back.
 *
 * Invariants: a goroutine is never stopped in libc or the runtime, nor
 * while its M holds a runtime lock, nor in a system call; the red zone of
 * the interrupted function is never written; a signal that comes too late
 * (the goroutine it was meant for is gone) stops nobody.
 *
 * After Go's proc.go (retake, preemptone) and preempt.go
 * (wantAsyncPreempt, isAsyncSafePoint), and signal_amd64.go
 * (pushCall).
 */
#include "runtime.h"

bool sysmonpreempt(struct p *pp, int64_t now)
{
	struct sysmontick *pd = &pp->sysmontick;
	uint32_t t = pp->schedtick;
	if (pd->schedtick != t) {
		/* A new slice since our last look: it began about now. */
		pd->schedtick = t;
		pd->schedwhen = now;
		return false;
	}
	if (now - pd->schedwhen < forcePreemptNS)
		return false;
	/* In a system call there is no goroutine on the P to stop, and lab 4's
	 * rules decide when to take the P: a goroutine that makes many short
	 * calls is stopped at the end of one (preemptcheck), once asked while
	 * running between two. */
	if (atomic_load(&pp->status) != _Prunning)
		return false;
	return preemptone(pp);
}

bool preemptone(struct p *pp)
{
	struct m *mp = pp->m;
	if (!mp || mp == getm())
		return false;
	struct g *gp = mp->curg;
	if (!gp || gp == mp->g0)
		return false;
	atomic_store(&gp->preempt, true);
	if (!debug.asyncpreemptoff)
		signalM(mp, sigPreempt);
	return true;
}

bool wantAsyncPreempt(struct g *gp)
{
	return atomic_load(&gp->preempt) && readgstatus(gp) == _Grunning;
}

bool isAsyncSafePoint(struct m *mp, struct g *gp, uintptr_t pc, uintptr_t sp)
{
	/* The running goroutine, with its P, holding no runtime lock. */
	if (gp != mp->curg || mp->locks != 0 || !mp->p || readgstatus(gp) != _Grunning)
		return false;
	/* On its own stack (not g0's, not the signal stack), with room
	 * below the red zone for asyncPreempt's frame. */
	if (sp > gp->stack.hi || sp < gp->stack.lo + ASYNCPREEMPT_STACK)
		return false;
	/* In the program's own code: not in libc (malloc may hold its lock)
	 * nor in the runtime or the labs' code. */
	if (pc < programtext.lo || pc >= programtext.hi)
		return false;
	if (pc >= runtimetext.lo && pc < runtimetext.hi)
		return false;
	return true;
}

void doSigPreempt(struct m *mp, ucontext_t *uc)
{
	struct g *gp = mp->curg;
	greg_t *r = uc->uc_mcontext.gregs;
	uintptr_t pc = (uintptr_t)r[REG_RIP], sp = (uintptr_t)r[REG_RSP];
	if (!gp || !wantAsyncPreempt(gp) || !isAsyncSafePoint(mp, gp, pc, sp))
		return;
	/* A call from pc: its return address pushed below the red zone,
	 * which the interrupted function may be using. */
	sp -= 128 + 8;
	*(uintptr_t *)sp = pc;
	r[REG_RSP] = (greg_t)sp;
	r[REG_RIP] = (greg_t)asyncPreempt;
}
