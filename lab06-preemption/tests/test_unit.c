/*
 * Lab 6's tests of each function alone: the test builds a P, an M and a
 * goroutine of its own, and calls sysmonpreempt with clock readings it
 * chooses, preemptone, the safety checks, and doSigPreempt on a signal
 * context it made up, from its own thread (no grt_main, but for
 * preemptone's last look, from a goroutine, as sysmon calls it from an M).
 * What they decide depends on nothing but the state the test made.  Do not edit: the grader uses a pristine copy
 * of this folder.
 */
#include <dlfcn.h>
#include <signal.h>
#include <string.h>

#include "preempttest.h"

#define T0 (1000 * MS) /* sysmon's first look, on a clock we make up */

static struct p P;
static struct m M;
static struct g G, G0, other;
static _Alignas(16) unsigned char stk[64 * 1024];

static _Atomic int nsig;
static _Atomic(pthread_t) sigthread;

static void onsig(int sig)
{
	(void)sig;
	atomic_fetch_add(&nsig, 1);
	atomic_store(&sigthread, pthread_self());
}

/* P running G on M, whose thread is this one; G's stack is stk; the test
 * counts the signals.  sysmon has never looked at P. */
static void setup(void)
{
	memset(&P, 0, sizeof P);
	memset(&M, 0, sizeof M);
	memset(&G, 0, sizeof G);
	memset(&G0, 0, sizeof G0);
	P.status = _Prunning;
	P.m = &M;
	P.schedtick = 7;
	M.p = &P;
	M.curg = &G;
	M.g0 = &G0;
	M.thread = pthread_self();
	M.id = 3;
	G.goid = 42;
	G.atomicstatus = _Grunning;
	G.stack.lo = (uintptr_t)stk;
	G.stack.hi = (uintptr_t)stk + sizeof stk;
	G.m = &M;
	other = G;
	other.goid = 43;
	forcePreemptNS = 10 * MS;
	debug.asyncpreemptoff = 0;
	atomic_store(&nsig, 0);
	struct sigaction sa = { .sa_handler = onsig };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sigPreempt, &sa, NULL) == 0);
}

/* One look, with what the test expects of it. */
static void look(int64_t at, bool over, bool asked, int sigs, const char *when)
{
	atomic_store(&G.preempt, false);
	bool r = sysmonpreempt(&P, T0 + at);
	CHECK_MSG(r == over, "%s, sysmonpreempt returned %s: it returns true when it asked a goroutine to stop",
		  when, r ? "true" : "false");
	CHECK_MSG(atomic_load(&G.preempt) == asked, "%s, the goroutine's preempt flag is %s: it must %sbe set",
		  when, asked ? "clear" : "set", asked ? "" : "not ");
	CHECK_MSG(atomic_load(&nsig) == sigs, "%s, %d signals were sent in all, not %d", when, atomic_load(&nsig), sigs);
}

TEST(sysmonpreempt_slices, 6, 20,
     "sysmonpreempt, called at made-up times on a P running a goroutine: when does it note a new time slice, "
     "when does it preempt (forcePreemptNS after its first look), and what about a P in a system call?")
{
	setup();
	look(0, false, false, 0, "at the first look at a new slice");
	CHECK_MSG(P.sysmontick.schedtick == 7 && P.sysmontick.schedwhen == T0, "at the first look, sysmontick is "
		  "{schedtick %u, schedwhen %lld}, not {7, now (%lld)}: remember which slice you saw, and when",
		  P.sysmontick.schedtick, (long long)P.sysmontick.schedwhen, (long long)T0);
	look(9 * MS, false, false, 0, "9 ms into the slice");
	look(10 * MS, true, true, 1, "10 ms (forcePreemptNS) into the slice");
	look(11 * MS, true, true, 2, "11 ms into the same slice, not yet stopped");

	P.schedtick = 8; /* the goroutine was stopped; a new slice */
	look(12 * MS, false, false, 2, "at the first look at the next slice");
	look(21 * MS, false, false, 2, "9 ms into the next slice");
	look(22 * MS, true, true, 3, "10 ms into the next slice");

	forcePreemptNS = 2 * MS;
	P.schedtick = 9;
	look(30 * MS, false, false, 3, "with forcePreemptNS = 2 ms, at the first look at a slice");
	look(31 * MS, false, false, 3, "with forcePreemptNS = 2 ms, 1 ms into the slice");
	look(32 * MS, true, true, 4, "with forcePreemptNS = 2 ms, 2 ms into the slice");

	/* In a system call: no M holds P, and G is the M's, in _Gsyscall. */
	P.schedtick = 10;
	P.status = _Psyscall;
	P.m = NULL;
	M.p = NULL;
	G.atomicstatus = _Gsyscall;
	look(40 * MS, false, false, 4, "at the first look at a P in a system call");
	look(43 * MS, false, false, 4, "3 ms into a slice spent in a system call (forcePreemptNS = 2 ms): lab 4's "
	     "rules decide when to take a P in a system call");
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause(); /* a signal ends pause, not the loop */
	return NULL;
}

/* sysmon is an M: what preemptone sees from one.  Here, a goroutine's. */
static void asks_from_m(void *arg)
{
	(void)arg;
	struct p *own = getm()->p;
	CHECK_MSG(!preemptone(own), "preemptone on the caller's own P returned true: nobody stops itself so");
	CHECK_MSG(!atomic_load(&getg()->preempt), "preemptone on the caller's own P set its preempt flag");
	P.m = NULL;
	P.status = _Prunning;
	CHECK_MSG(!preemptone(&P), "preemptone, called on an M, on a P with no M (as entersyscall leaves one for an "
		  "instant) returned true");
}

TEST(preemptone_asks, 4, 20,
     "preemptone on a P with no M, on an M in its scheduler (no goroutine), on a running goroutine, with "
     "GRT_DEBUG=asyncpreemptoff=1, and called from an M: what does it set, and whom does it signal?")
{
	setup();
	pthread_t t;
	CHECK(pthread_create(&t, NULL, sleeper, NULL) == 0);
	M.thread = t;

	P.m = NULL;
	CHECK_MSG(!preemptone(&P), "preemptone on a P with no M returned true: there is nobody to ask");
	P.m = &M;
	M.curg = NULL;
	CHECK_MSG(!preemptone(&P), "preemptone on an M with no goroutine (in its scheduler, on g0) returned true");
	CHECK_MSG(atomic_load(&nsig) == 0, "preemptone sent a signal when there was no goroutine to stop");
	M.curg = &G;

	CHECK_MSG(preemptone(&P), "preemptone on a P running a goroutine returned false");
	CHECK_MSG(atomic_load(&G.preempt), "preemptone did not set the goroutine's preempt flag: the API calls "
		  "check it (preemptcheck), and doSigPreempt wants it");
	for (int i = 0; i < 2000 && atomic_load(&nsig) == 0; i++)
		usleep(1000);
	CHECK_MSG(atomic_load(&nsig) == 1, "preemptone sent %d signals, not 1 (signalM(mp, sigPreempt))",
		  atomic_load(&nsig));
	CHECK_MSG(pthread_equal(atomic_load(&sigthread), t), "the signal went to another thread than the M's: "
		  "signals are per thread; send it to mp's (signalM)");

	atomic_store(&G.preempt, false);
	debug.asyncpreemptoff = 1;
	CHECK_MSG(preemptone(&P), "with asyncpreemptoff=1, preemptone returned false: the request still stands");
	CHECK_MSG(atomic_load(&G.preempt), "with asyncpreemptoff=1, preemptone did not set the preempt flag: the "
		  "cooperative request is not turned off, only the signal");
	usleep(20000);
	CHECK_MSG(atomic_load(&nsig) == 1, "with GRT_DEBUG=asyncpreemptoff=1, preemptone sent a signal");
	debug.asyncpreemptoff = 0;
	pthread_cancel(t);
	pthread_join(t, NULL);
	grt_main(asks_from_m, NULL);
}

/* A function of the program's own, whose address is a safe pc. */
__attribute__((noinline)) static long programcode(long x)
{
	__asm__ volatile("" : "+r"(x));
	return x * 3;
}

static uintptr_t libcpc(void)
{
	void *f = dlsym(RTLD_NEXT, "malloc");
	if (!f)
		FAIL("dlsym(RTLD_NEXT, \"malloc\") found nothing");
	return (uintptr_t)f;
}

static void safe(bool want, uintptr_t pc, uintptr_t sp, const char *what)
{
	bool r = isAsyncSafePoint(&M, &G, pc, sp);
	CHECK_MSG(r == want, "isAsyncSafePoint said %s %s: %s", r ? "yes" : "no", what,
		  want ? "it is a safe point" : "stopping the goroutine there is not safe");
}

TEST(safe_points, 6, 20,
     "isAsyncSafePoint and wantAsyncPreempt, asked about a goroutine the test made up: at a pc in the "
     "program, in libc, in the runtime, in a lab's code; holding a lock; in a system call; with its sp off "
     "its stack or too near its end. Which are safe?")
{
	siginit(); /* finds programtext and runtimetext */
	setup();
	uintptr_t pc = (uintptr_t)programcode, sp = G.stack.hi - 1024;
	CHECK_MSG(programtext.lo <= pc && pc < programtext.hi, "the test's own code is not in programtext");
	safe(true, pc, sp, "for a running goroutine in the program's code, on its stack, holding nothing");
	safe(false, libcpc(), sp, "at a pc in libc's malloc (which may hold malloc's lock)");
	safe(false, (uintptr_t)grt_yield, sp, "at a pc in the runtime (grt_yield)");
	safe(false, (uintptr_t)runqput + 4, sp, "at a pc in a lab's code (runqput)");
	safe(false, (uintptr_t)asyncPreempt + 1, sp, "at a pc in asyncPreempt");
	M.locks = 1;
	safe(false, pc, sp, "for a goroutine whose M holds a runtime lock (m->locks = 1)");
	M.locks = 0;
	G.atomicstatus = _Gsyscall;
	safe(false, pc, sp, "for a goroutine in a system call (_Gsyscall)");
	G.atomicstatus = _Grunning;
	M.curg = &other;
	safe(false, pc, sp, "for a goroutine that is not its M's curg");
	M.curg = &G;
	int local;
	safe(false, pc, (uintptr_t)&local, "with sp on another stack (the M's own, g0's)");
	safe(false, pc, G.stack.hi + 256, "with sp above the goroutine's stack");
	safe(false, pc, G.stack.lo + 512, "with sp 512 bytes above the end of its stack (no room for asyncPreempt's "
	     "frame: ASYNCPREEMPT_STACK)");
	safe(true, pc, G.stack.lo + ASYNCPREEMPT_STACK + 64, "with sp ASYNCPREEMPT_STACK + 64 bytes above the end of "
	     "its stack");

	atomic_store(&G.preempt, false);
	CHECK_MSG(!wantAsyncPreempt(&G), "wantAsyncPreempt said yes for a goroutine nobody asked to stop");
	atomic_store(&G.preempt, true);
	CHECK_MSG(wantAsyncPreempt(&G), "wantAsyncPreempt said no for a running goroutine asked to stop");
	G.atomicstatus = _Gwaiting;
	CHECK_MSG(!wantAsyncPreempt(&G), "wantAsyncPreempt said yes for a goroutine asked to stop that is no longer "
		  "running (_Gwaiting): the signal came too late");
}

/* A signal context that interrupted G at pc with stack pointer sp (8 mod
 * 16, as anywhere in a function), every other register a known value, and
 * the stack below sp filled with a pattern. */
static void makecontext_at(ucontext_t *uc, uintptr_t pc, uintptr_t sp)
{
	memset(uc, 0, sizeof *uc);
	for (int i = 0; i < NGREG; i++)
		uc->uc_mcontext.gregs[i] = (greg_t)(0x1111111111111111ULL * (i % 15 + 1));
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pc;
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
	memset((void *)(sp - 512), 0xab, 512);
}

TEST(injection, 6, 20,
     "doSigPreempt on a signal context the test made up: where must the return address go, what must rsp and "
     "rip become, and what must stay untouched? And when the goroutine must not be stopped?")
{
	siginit();
	setup();
	uintptr_t pc = (uintptr_t)programcode, sp = G.stack.hi - 2048 - 8;
	ucontext_t uc, before;
	unsigned char below[512];

	makecontext_at(&uc, pc, sp);
	before = uc;
	atomic_store(&G.preempt, false);
	doSigPreempt(&M, &uc);
	CHECK_MSG(memcmp(&uc, &before, sizeof uc) == 0, "doSigPreempt changed the context of a goroutine nobody "
		  "asked to stop");

	atomic_store(&G.preempt, true);
	makecontext_at(&uc, libcpc(), sp);
	before = uc;
	doSigPreempt(&M, &uc);
	CHECK_MSG(memcmp(&uc, &before, sizeof uc) == 0, "doSigPreempt changed the context of a goroutine "
		  "interrupted in libc");

	makecontext_at(&uc, pc, sp);
	before = uc;
	memcpy(below, (void *)(sp - 512), sizeof below);
	doSigPreempt(&M, &uc);
	greg_t *r = uc.uc_mcontext.gregs;
	CHECK_MSG((uintptr_t)r[REG_RIP] == (uintptr_t)asyncPreempt, "after doSigPreempt, rip is %#lx, not "
		  "asyncPreempt (%p): the thread must go on there", (unsigned long)r[REG_RIP], (void *)asyncPreempt);
	CHECK_MSG((uintptr_t)r[REG_RSP] == sp - 136, "after doSigPreempt, rsp is sp - %ld, not sp - 136: one "
		  "return address, below the 128-byte red zone", (long)(sp - (uintptr_t)r[REG_RSP]));
	CHECK_MSG(*(uintptr_t *)(sp - 136) == pc, "the word at the new rsp is %#lx, not the interrupted pc (%#lx): "
		  "asyncPreempt returns there", *(unsigned long *)(sp - 136), (unsigned long)pc);
	CHECK_MSG(memcmp((void *)(sp - 128), below + 512 - 128, 128) == 0, "doSigPreempt wrote into the 128 bytes "
		  "below sp: the red zone, where the interrupted function may keep its locals");
	CHECK_MSG(memcmp((void *)(sp - 512), below, 512 - 136) == 0, "doSigPreempt wrote below the return address");
	for (int i = 0; i < NGREG; i++)
		if (i != REG_RIP && i != REG_RSP)
			CHECK_MSG(r[i] == before.uc_mcontext.gregs[i], "doSigPreempt changed register %d of the "
				  "context: only rip and rsp change, asyncPreempt saves the rest", i);
}
