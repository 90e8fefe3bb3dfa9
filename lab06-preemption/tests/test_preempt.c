/*
 * Lab 6's tests on the running runtime: goroutines that never call the
 * runtime, on one P, must still take turns; and a goroutine stopped
 * anywhere in its own code must go on as if nothing had happened.  Time
 * slices are short (forcePreemptNS, set before grt_main), so that a test
 * sees hundreds or thousands of preemptions in a second.  Every loop that
 * makes no call ends by a flag a plain thread sets (struct alarm) if
 * preemption fails.  Do not edit: the grader uses a pristine copy of this
 * folder.
 */
#include <stdio.h>
#include <string.h>

#include "preempttest.h"

/* ---- one P: a loop with no calls does not keep it ---- */

static _Atomic int stop, done, who; /* who stopped the spinner: 1 the main goroutine, 2 the alarm */
static _Atomic long spun;
static struct g *spinner_g;

static void spinner(void *arg)
{
	grt_wg *wg = arg;
	spinner_g = getg();
	spin(&stop, &spun);
	int zero = 0; /* stopped, and the main goroutine did not say it did it */
	atomic_compare_exchange_strong(&who, &zero, 2);
	grt_mutex mu = { 0 }; /* an API call that checks the preempt flag */
	grt_mutex_lock(&mu);
	grt_mutex_unlock(&mu);
	grt_wg_done(wg);
}

static void stopper_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 1);
	grt_go(spinner, &wg);
	grt_yield(); /* the spinner runs; we run again only if it is stopped */
	int zero = 0;
	if (atomic_compare_exchange_strong(&who, &zero, 1))
		atomic_store(&stop, 1);
	grt_wg_wait(&wg);
}

/* Run stopper_main on one P with an alarm at ms; who stopped the spinner? */
static int stopper(int ms)
{
	atomic_store(&stop, 0);
	atomic_store(&done, 0);
	atomic_store(&who, 0);
	struct alarm a = { .flag = &stop, .done = &done, .ms = ms };
	alarm_start(&a);
	grt_main(stopper_main, NULL);
	alarm_stop(&a);
	return atomic_load(&who);
}

TEST(spinner_shares_p, 6, 30,
     "On one P, the main goroutine starts a goroutine that spins in a loop with no calls, and yields to it. "
     "Does the main goroutine ever run again before a plain thread stops the spinner, 2 s later?")
{
	maxprocs("1");
	int w = stopper((int)(2000 * timescale()));
	CHECK_MSG(w == 1, "the spinner kept the only P until the alarm stopped it %d s later: sysmon must preempt "
		  "it after forcePreemptNS (10 ms), and the main goroutine run", (int)(2 * timescale()));
	CHECK_MSG(atomic_load(&spinner_g->npreempt) >= 1, "the main goroutine ran, but the spinner was never stopped "
		  "by asyncPreempt");
}

TEST(asyncpreemptoff, 4, 30,
     "GRT_DEBUG=asyncpreemptoff=1 and a spinner on one P: is it left alone, while still asked to stop at its "
     "next API call? Then the same with the signal on again.")
{
	maxprocs("1");
	setenv("GRT_DEBUG", "asyncpreemptoff=1", 1);
	int w = stopper(300);
	CHECK_MSG(w == 2, "with GRT_DEBUG=asyncpreemptoff=1, the spinner was stopped before the alarm: no signal "
		  "must be sent");
	CHECK_EQ(0, atomic_load(&sched.npreempt));
	CHECK_MSG(atomic_load(&sched.npreemptcoop) >= 1, "with GRT_DEBUG=asyncpreemptoff=1, the spinner ran 300 ms, "
		  "then called grt_mutex_lock, and was not stopped there: preemptone must still set "
		  "its preempt flag, which the API calls check");

	debug.asyncpreemptoff = 0; /* as if GRT_DEBUG had not said so */
	w = stopper((int)(2000 * timescale()));
	CHECK_MSG(w == 1, "with the signal on again (asyncpreemptoff=0), the spinner kept the only P until the "
		  "alarm");
	CHECK_MSG(atomic_load(&sched.npreempt) >= 1, "with the signal on again, no goroutine was stopped by "
		  "asyncPreempt");
}

/* ---- registers: one injected call, every value checked ---- */

void regcheck(const uint64_t in[], uint64_t out[]);

#define NREGCHECK 200
static _Atomic int regs_done;

static _Atomic long df_set; /* times the scrambler came back with the direction flag set */

static void scrambler(void *arg)
{
	(void)arg;
	double x = 1.5, y = -2.25, z = 3.125;
	while (!atomic_load(&regs_done)) {
		uint64_t flags;
		__asm__ volatile("pushfq; popq %0" : "=r"(flags));
		if (flags & 0x400)
			atomic_fetch_add(&df_set, 1);
		for (int i = 0; i < 1000; i++) {
			x = x * 1.0001 + y;
			y = y * 0.9999 - z;
			z = z + x * 1e-9;
		}
		__asm__ volatile("" : "+x"(x), "+x"(y), "+x"(z));
		grt_yield();
	}
}

static const char *const regname[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
					"r11", "r12", "r13", "r14", "r15", "the flags" };

static void regs_main(void *arg)
{
	(void)arg;
	grt_go(scrambler, NULL);
	uint64_t in[48], out[65];
	uint64_t seed = 0x243f6a8885a308d3ULL;
	for (int round = 0; round < NREGCHECK; round++) {
		for (int i = 0; i < 48; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			in[i] = seed;
		}
		/* CF PF AF ZF SF DF OF, in a pattern that changes each round. */
		in[15] = 0x2 | ((0x1ULL | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800) & (seed >> 7 | 0x401));
		memset(out, 0, sizeof out);
		int64_t before = atomic_load(&getg()->npreempt);
		regcheck(in, out);
		CHECK_MSG(atomic_load(&getg()->npreempt) > before, "asyncPreempt did not go through asyncPreempt2 "
			  "(the goroutine was not stopped)");
		for (int i = 0; i < 16; i++) {
			uint64_t mask = i == 15 ? 0xcd5 : ~0ULL;
			CHECK_MSG((out[i] & mask) == (in[i] & mask), "%s was %#llx before asyncPreempt, %#llx after",
				  regname[i], (unsigned long long)(in[i] & mask), (unsigned long long)(out[i] & mask));
		}
		for (int i = 16; i < 48; i++)
			CHECK_MSG(out[i] == in[i], "xmm%d was %#llx:%#llx before asyncPreempt, %#llx:%#llx after",
				  (i - 16) / 2, (unsigned long long)in[i | 1], (unsigned long long)in[i & ~1],
				  (unsigned long long)out[i | 1], (unsigned long long)out[i & ~1]);
		CHECK_MSG(out[48] == 0, "asyncPreempt returned with rsp %+lld bytes from where the goroutine was "
			  "interrupted (ret $128 pops the pc and steps over the red zone)", (long long)out[48]);
		for (int i = 0; i < 16; i++)
			CHECK_MSG(out[49 + i] == (0x5a5a5a5a00000000ULL | (uint32_t)(i - 16)),
				  "asyncPreempt wrote into the red zone, %d bytes below the interrupted rsp", 128 - 8 * i);
	}
	atomic_store(&regs_done, 1);
	CHECK_MSG(atomic_load(&df_set) == 0, "%ld times a goroutine came back from a call with the direction flag "
		  "set: regcheck set it, and asyncPreempt called C without clearing it (cld), so the scheduler ran "
		  "with it", atomic_load(&df_set));
}

TEST(asyncpreempt_registers, 6, 30,
     "A goroutine enters asyncPreempt as doSigPreempt makes it (the return address 136 bytes below rsp), with "
     "every general register, the flags and xmm0-15 holding chosen values, while another goroutine does "
     "floating-point work. Is everything as it was when asyncPreempt returns?")
{
	maxprocs("1");
	grt_main(regs_main, NULL);
}

/* ---- the same, from real signals at any instruction ---- */

#define NSEEDS 8

/* Register-heavy: twelve doubles and eight integers live across the loop,
 * with branches that depend on the flags. */
__attribute__((noinline)) static double fpwork(long n, double seed)
{
	double a0 = seed, a1 = seed + 0.5, a2 = seed * 1.5, a3 = 1.25, a4 = -0.75, a5 = 2.0;
	double a6 = 0.1, a7 = 0.2, a8 = 0.3, a9 = 0.4, a10 = 0.5, a11 = 0.6;
	long i0 = 1, i1 = 2, i2 = 3, i3 = 5, i4 = 7, i5 = 11, i6 = 13, i7 = 17;
	for (long i = 0; i < n; i++) {
		a0 = a0 * 1.0000001 + a11 * 1e-7;
		a1 = a1 * 0.9999999 + a0 * 1e-7;
		a2 = a2 + a1 * a3 * 1e-9;
		a3 = a3 * 0.99999 + a2 * 1e-9 + 1e-6;
		a4 = a4 - a3 * 1e-8;
		a5 = a5 + a4 * a6 * 1e-8;
		a6 = a6 * 1.000001 - a5 * 1e-9;
		a7 = a7 + a6 * 1e-8;
		a8 = a8 * 0.999999 + a7 * 1e-8;
		a9 = a9 + a8 * a10 * 1e-9;
		a10 = a10 * 1.0000002 - a9 * 1e-9;
		a11 = a11 + a10 * 1e-8;
		i0 = i0 * 3 + i7;
		i1 ^= i0 >> 3;
		i2 += i1 & 0xff;
		i3 = (i3 << 1) ^ (i2 >> 60);
		i4 += i3 % 7;
		i5 ^= i4 * 5;
		i6 += i5 >> 11;
		i7 = i7 * 7 + i6;
		if (a0 > 1e3) {
			a0 *= 1e-3;
			i0 ^= 1;
		}
		if ((i7 & 0x1f) == 3)
			a11 += 1e-6;
		else if (i5 < 0)
			a10 -= 1e-7;
	}
	return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 +
	       (double)(i0 ^ i1 ^ i2 ^ i3 ^ i4 ^ i5 ^ i6 ^ i7) * 1e-30;
}

static double fpwant[NSEEDS];
static long fpn;
static _Atomic long fpbad, fpcalls;
static _Atomic int fpstop;

static void fpworker(void *arg)
{
	grt_wg *wg = arg;
	__builtin_ia32_ldmxcsr(0x1f80 | 0x4000); /* round up: a control word of the goroutine's own, too */
	for (int k = 0; !atomic_load(&fpstop); k++) {
		double got = fpwork(fpn, k % NSEEDS);
		if (memcmp(&got, &fpwant[k % NSEEDS], sizeof got) != 0)
			atomic_fetch_add(&fpbad, 1);
		atomic_fetch_add(&fpcalls, 1);
		if (atomic_load(&sched.npreempt) >= 200)
			atomic_store(&fpstop, 1);
	}
	grt_wg_done(wg);
}

/* The main goroutine of a test: two workers (arg), which share one P. */
static void two_workers(void *arg)
{
	void (*worker)(void *) = (void (*)(void *))arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 2);
	grt_go(worker, &wg);
	grt_go(worker, &wg);
	grt_wg_wait(&wg);
}

static void *fpreference(void *arg)
{
	(void)arg;
	__builtin_ia32_ldmxcsr(0x1f80 | 0x4000);
	for (int k = 0; k < NSEEDS; k++)
		fpwant[k] = fpwork(fpn, k);
	return NULL;
}

TEST(fp_registers_intact, 6, 60,
     "Two goroutines on one P run a floating-point loop that keeps twenty values in registers, preempted "
     "every millisecond or so. Do they get the same results, to the bit, as a thread that is never "
     "preempted?")
{
	maxprocs("1");
	forcePreemptNS = 1 * MS;
	fpn = 300000;
	pthread_t t; /* a plain thread: never preempted */
	CHECK(pthread_create(&t, NULL, fpreference, NULL) == 0);
	pthread_join(t, NULL);
	_Atomic int dn = 0;
	struct alarm a = { .flag = &fpstop, .done = &dn, .ms = (int)(5000 * timescale()) };
	alarm_start(&a);
	grt_main(two_workers, (void *)fpworker);
	alarm_stop(&a);
	CHECK_MSG(atomic_load(&fpbad) == 0, "%ld of %ld results differed from the unpreempted thread's: a register, "
		  "the flags or the SSE state was not the same after asyncPreempt", atomic_load(&fpbad),
		  atomic_load(&fpcalls));
	CHECK_MSG(atomic_load(&sched.npreempt) >= 200, "in %d s the goroutines were stopped by asyncPreempt only %lld "
		  "times (forcePreemptNS = 1 ms): want 200", (int)(5 * timescale()),
		  (long long)atomic_load(&sched.npreempt));
}

/* ---- the red zone ---- */

uint64_t leafsum(uint64_t n, uint64_t seed); /* leaf_O0.c */

#define LEAFN 200000
#define LEAFWANT 2000
static uint64_t leafwant[NSEEDS];
static _Atomic long leafbad, leafcalls;
static _Atomic int leafstop;

static void leafworker(void *arg)
{
	grt_wg *wg = arg;
	for (int k = 0; !atomic_load(&leafstop); k++) {
		if (leafsum(LEAFN, k % NSEEDS) != leafwant[k % NSEEDS])
			atomic_fetch_add(&leafbad, 1);
		atomic_fetch_add(&leafcalls, 1);
		if (atomic_load(&sched.npreempt) >= LEAFWANT)
			atomic_store(&leafstop, 1);
	}
	grt_wg_done(wg);
}

TEST(redzone_leaf, 6, 60,
     "Two goroutines on one P call a leaf function compiled at -O0, which keeps its locals in the 128 bytes "
     "below rsp, and are preempted thousands of times. Are its results right?")
{
	maxprocs("1");
	forcePreemptNS = 100 * US;
	for (int k = 0; k < NSEEDS; k++)
		leafwant[k] = leafsum(LEAFN, k); /* before grt_main: never preempted */
	_Atomic int dn = 0;
	struct alarm a = { .flag = &leafstop, .done = &dn, .ms = (int)(8000 * timescale()) };
	alarm_start(&a);
	grt_main(two_workers, (void *)leafworker);
	alarm_stop(&a);
	CHECK_MSG(atomic_load(&leafbad) == 0, "%ld of %ld calls of the -O0 leaf function returned a wrong sum: "
		  "something wrote below its rsp (its red zone) while it was stopped", atomic_load(&leafbad),
		  atomic_load(&leafcalls));
	CHECK_MSG(atomic_load(&sched.npreempt) >= LEAFWANT, "in %d s the goroutines were stopped by asyncPreempt only "
		  "%lld times (forcePreemptNS = 100 us): want %d", (int)(8 * timescale()),
		  (long long)atomic_load(&sched.npreempt), LEAFWANT);
}

/* ---- libc and runtime locks: never stopped there ---- */

static FILE *devnull;
static _Atomic int libcstop;

static grt_wg libcwg;

static void libcworker(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL;
	for (int i = 0; !atomic_load(&libcstop); i++) {
		size_t n = 1024 + (size_t)(x >> 40) % (96 * 1024); /* past malloc's per-thread cache */
		char *p = malloc(n);
		if (!p)
			FAIL("malloc failed");
		memset(p, i, n);
		for (int j = 0; j < 2000; j++) { /* a little of the program's own code */
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			__asm__ volatile("" : "+r"(x));
		}
		char *q = malloc(n / 2 + 1);
		free(p);
		fprintf(devnull, "%d %.6f %s\n", i, (double)x / 3.0, q ? "ok" : "no");
		free(q);
	}
	grt_wg_done(&libcwg);
}

static void libc_main(void *arg)
{
	(void)arg;
	grt_wg_add(&libcwg, 3);
	for (uintptr_t i = 1; i <= 3; i++)
		grt_go(libcworker, (void *)i);
	grt_wg_wait(&libcwg);
}

static void *libcwatch(void *arg)
{
	_Atomic int *fin = arg;
	int64_t t0 = grt_nanotime();
	while (atomic_load(&sched.npreempt) < 300 && grt_nanotime() - t0 < 1000 * MS * timescale())
		usleep(1000);
	atomic_store(&libcstop, 1);
	for (int i = 0; i < 10000 * timescale() && !atomic_load(fin); i++)
		usleep(1000);
	if (!atomic_load(fin))
		FAIL("three goroutines calling malloc, free and fprintf on one P never finished: one was stopped inside "
		     "libc holding malloc's or stdio's lock, and the next one to call it waits for ever (the M blocks, "
		     "and with it the only P)");
	return NULL;
}

TEST(libc_never_preempted, 4, 60,
     "Three goroutines on one P call malloc, free and fprintf in a loop, with a 200 us time slice. Do they "
     "finish, and were they preempted (in their own code, between the calls)?")
{
	maxprocs("1");
	forcePreemptNS = 200 * US;
	devnull = fopen("/dev/null", "w");
	CHECK(devnull != NULL);
	_Atomic int fin = 0;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, libcwatch, &fin) == 0);
	grt_main(libc_main, NULL);
	atomic_store(&fin, 1);
	pthread_join(t, NULL);
	CHECK_MSG(atomic_load(&sched.npreempt) >= 10, "in %d s the goroutines were stopped by asyncPreempt only %lld "
		  "times: they spend time in their own code too, where it is safe", (int)timescale(),
		  (long long)atomic_load(&sched.npreempt));
}

static struct mutex heldlock;

static void lockspin(int64_t ns)
{
	int64_t end = grt_nanotime() + ns;
	uint64_t x = 1;
	while (grt_nanotime() < end)
		for (int j = 0; j < 5000; j++) {
			x = x * 6364136223846793005ULL + 1;
			__asm__ volatile("" : "+r"(x));
		}
}

static void lock_main(void *arg)
{
	(void)arg;
	struct g *gp = getg();
	lock(&heldlock);
	lockspin(100 * MS);
	int64_t held = atomic_load(&gp->npreempt);
	unlock(&heldlock);
	CHECK_MSG(held == 0, "a goroutine was stopped %lld times while its M held a runtime lock (m->locks = 1): "
		  "every M that wants the lock would wait for a goroutine that is not running", (long long)held);
	lockspin(100 * MS * (int64_t)timescale());
	CHECK_MSG(atomic_load(&gp->npreempt) >= 1, "after the lock was let go, 100 ms of the goroutine's own code "
		  "with a 1 ms time slice, and it was never stopped by asyncPreempt");
}

TEST(lock_count, 2, 30,
     "A goroutine takes a runtime lock (lock()) and runs its own code for 100 ms, with a 1 ms time slice; then "
     "lets go and runs 100 ms more. When may it be stopped?")
{
	maxprocs("1");
	forcePreemptNS = 1 * MS;
	grt_main(lock_main, NULL);
}

/* ---- fairness ---- */

#define NFAIR 4
static _Atomic long fairspun[NFAIR];
static _Atomic int fairstop;

static grt_wg fairwg;

static void fairspinner(void *arg)
{
	spin(&fairstop, &fairspun[(intptr_t)arg]);
	grt_wg_done(&fairwg);
}

static void fair_main(void *arg)
{
	(void)arg;
	grt_wg_add(&fairwg, NFAIR);
	for (intptr_t i = 0; i < NFAIR; i++)
		grt_go(fairspinner, (void *)i);
	grt_wg_wait(&fairwg);
}

TEST(fair_share, 4, 30,
     "Four goroutines spin on one P for 400 ms, with a 2 ms time slice. Does each get a fair share of it?")
{
	maxprocs("1");
	forcePreemptNS = 2 * MS;
	_Atomic int dn = 0;
	struct alarm a = { .flag = &fairstop, .done = &dn, .ms = 400 };
	alarm_start(&a);
	grt_main(fair_main, NULL);
	alarm_stop(&a);
	long total = 0;
	for (int i = 0; i < NFAIR; i++)
		total += atomic_load(&fairspun[i]);
	for (int i = 0; i < NFAIR; i++)
		CHECK_MSG(atomic_load(&fairspun[i]) * NFAIR * 3 >= total, "spinner %d got %.1f%% of the loops, "
			  "the four %.1f%% %.1f%% %.1f%% %.1f%%: each should get about a quarter", i,
			  100.0 * fairspun[i] / total, 100.0 * fairspun[0] / total, 100.0 * fairspun[1] / total,
			  100.0 * fairspun[2] / total, 100.0 * fairspun[3] / total);
}
