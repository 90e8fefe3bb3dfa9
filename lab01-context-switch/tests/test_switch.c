/*
 * Lab 1's tests: the context switch and a goroutine's first frame.
 * Each test opens with the question it answers.  Do not edit: the grader
 * uses a pristine copy of this folder.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "contract.h"
#include "harness.h"
#include "runtime.h"

uint64_t regs_survive(void (*fn)(void), uint64_t seed);
void entry_rsp_probe(void *out);
void return_past_frame(void *arg);

static void maxprocs(const char *n)
{
	setenv("GRT_MAXPROCS", n, 1);
}

/* ---- does the argument arrive? ---- */

#define NARGS 100
static void *seen_arg[NARGS];

static void record_arg(void *arg)
{
	intptr_t i = (intptr_t)arg - 1000;
	if (i < 0 || i >= NARGS)
		FAIL("goroutine got argument %p, which no goroutine was given", arg);
	seen_arg[i] = arg;
}

static void args_main(void *arg)
{
	CHECK_EQ(0xfeed, (intptr_t)arg);
	for (intptr_t i = 0; i < NARGS; i++)
		grt_go(record_arg, (void *)(1000 + i));
	for (int spins = 0; spins < 100000; spins++) {
		int missing = 0;
		for (int i = 0; i < NARGS; i++)
			missing += seen_arg[i] == NULL;
		if (!missing)
			return;
		grt_yield();
	}
	FAIL("not every goroutine ran with its argument");
}

TEST(argument_arrives, 3, 10,
     "Which register does goentry find arg in, and where must it be when fn starts?")
{
	maxprocs("1");
	grt_main(args_main, (void *)0xfeed);
	for (intptr_t i = 0; i < NARGS; i++)
		CHECK_EQ(1000 + i, (intptr_t)seen_arg[i]);
}

/* ---- do callee-saved registers survive a switch? ---- */

static void yield_once(void)
{
	grt_yield();
}

static void clobber_regs(void *arg)
{
	grt_wg *wg = arg;
	uint64_t seed = (uint64_t)grt_goid() << 32;
	for (int i = 0; i < 200; i++) {
		uint64_t bad = regs_survive(yield_once, seed + (uint64_t)i * 16);
		CHECK_MSG(bad == 0,
			  "callee-saved registers changed across a switch (mask %#" PRIx64
			  ": bit 0 rbx, 1 rbp, 2 r12, 3 r13, 4 r14, 5 r15)",
			  bad);
	}
	grt_wg_done(wg);
}

static void regs_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 8);
	for (int i = 0; i < 8; i++)
		grt_go(clobber_regs, &wg);
	grt_wg_wait(&wg);
}

TEST(callee_saved_registers_survive, 4, 10,
     "Which registers may a caller of gogo rely on after it returns? Does gogo save and load all six?")
{
	maxprocs("1");
	grt_main(regs_main, NULL);
}

TEST(callee_saved_registers_survive_two_ps, 2, 10,
     "Does a goroutine get its own registers back when it resumes on another thread?")
{
	maxprocs("2");
	grt_main(regs_main, NULL);
}

/* ---- do the floating-point control words survive a switch? ---- */

static uint32_t getmxcsr(void)
{
	uint32_t v;
	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void setmxcsr(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static uint16_t getfpucw(void)
{
	uint16_t v;
	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

static void setfpucw(uint16_t v)
{
	__asm__ volatile("fldcw %0" : : "m"(v));
}

static void control_words(void *arg)
{
	grt_wg *wg = arg;
	/* Each goroutine picks its own rounding mode (bits 13-14 of MXCSR,
	 * bits 10-11 of the x87 control word). */
	uint32_t rc = (uint32_t)grt_goid() % 4;
	uint32_t mx = (MXCSR_DEFAULT & ~0x6000u) | rc << 13;
	uint16_t cw = (uint16_t)((FPUCW_DEFAULT & ~0x0c00u) | rc << 10);
	setmxcsr(mx);
	setfpucw(cw);
	for (int i = 0; i < 100; i++) {
		grt_yield();
		CHECK_EQ(mx, getmxcsr() & ~0x3fu); /* the low 6 bits are sticky status flags */
		CHECK_EQ(cw, getfpucw());
	}
	grt_wg_done(wg);
}

static void control_main(void *arg)
{
	(void)arg;
	CHECK_EQ(MXCSR_DEFAULT, getmxcsr() & ~0x3fu);
	CHECK_EQ(FPUCW_DEFAULT, getfpucw());
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 8);
	for (int i = 0; i < 8; i++)
		grt_go(control_words, &wg);
	grt_wg_wait(&wg);
}

TEST(fp_control_words_survive, 2, 10,
     "Which two control words does the ABI make callee-saved? Which instructions store and load them?")
{
	maxprocs("1");
	grt_main(control_main, NULL);
}

/* ---- is the stack aligned at goroutine entry? ---- */

static uint64_t entry_rsp[16];

static void aligned_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 16; i++)
		grt_go(entry_rsp_probe, &entry_rsp[i]);
	for (int i = 0; i < 16; i++)
		while (entry_rsp[i] == 0)
			grt_yield();
	/* printf of a double uses aligned SSE stores in glibc. */
	char buf[64];
	snprintf(buf, sizeof buf, "%.2f %.1Lf", 3.25, (long double)0.5);
	CHECK_MSG(strcmp(buf, "3.25 0.5") == 0, "snprintf printed \"%s\"", buf);
}

TEST(stack_aligned_at_entry, 3, 10,
     "At a function's first instruction, what must (rsp + 8) % 16 be? Who pushed those 8 bytes?")
{
	/* First a first frame entered by hand, outside the runtime: its fn
	 * writes nothing on the stack, so it reports even when every
	 * goroutine (the main one too) would crash at its first aligned SSE
	 * access. */
	siginit();
	for (int hioff = 0; hioff < 16; hioff += 4) {
		struct first_record rec;
		run_first_frame(&rec, hioff, NULL);
		CHECK_MSG((rec.rsp + 8) % 16 == 0,
			  "fn started with rsp = %#" PRIx64 " (the stack's top: hi %% 16 = %d): rsp + 8 is "
			  "not a multiple of 16, as the ABI wants at every function's first instruction. "
			  "goentry's call pushes 8 bytes: what must rsp %% 16 be before it?",
			  rec.rsp, (16 - hioff) % 16);
	}
	maxprocs("1");
	grt_main(aligned_main, NULL);
	for (int i = 0; i < 16; i++)
		CHECK_MSG((entry_rsp[i] + 8) % 16 == 0,
			  "goroutine %d started with rsp = %#" PRIx64 ": rsp + 8 is not a multiple of 16", i,
			  entry_rsp[i]);
}

/* ---- is a goroutine that returns cleaned up, and its stack reused? ---- */

static void just_return(void *arg)
{
	grt_wg_done(arg);
}

static long recycle_rss0, recycle_rss1;
static int64_t recycle_stacks0, recycle_stacks1;

static int64_t stacks_made(void)
{
	return atomic_load(&stackstats.nguarded) + atomic_load(&stackstats.nslab);
}

static void recycle_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
		if (i == 1000) {
			recycle_rss0 = harness_rss_kib();
			recycle_stacks0 = stacks_made();
		}
		grt_wg wg = { 0 };
		grt_wg_add(&wg, 1);
		grt_go(just_return, &wg);
		grt_wg_wait(&wg);
	}
	recycle_rss1 = harness_rss_kib();
	recycle_stacks1 = stacks_made();
}

TEST(exited_goroutines_are_recycled, 3, 30,
     "When fn returns, what must goentry call? What happens to the goroutine's stack then?")
{
	grt_main(recycle_main, NULL);
	/* Without reuse, 99,000 more goroutines would need 99,000 more stacks. */
	CHECK_LE(recycle_stacks1 - recycle_stacks0, 200);
	CHECK_LE(recycle_rss1 - recycle_rss0, 16 * 1024);
}

/* ---- when fn returns, is goexit1 entered as a function? ---- */

static struct g *_Atomic exiting_g;

static void record_g(void *arg)
{
	(void)arg;
	atomic_store(&exiting_g, getg());
}

static void goexit_main(void *arg)
{
	(void)arg;
	grt_go(record_g, NULL);
	for (int spins = 0; spins < 100000; spins++) {
		struct g *gp = atomic_load(&exiting_g);
		if (gp && readgstatus(gp) == _Gdead)
			return;
		grt_yield();
	}
	FAIL("the goroutine never exited: does goentry call goexit1 when fn returns?");
}

TEST(goexit1_entered_aligned, 2, 10,
     "When fn returns, how does goentry enter goexit1, so that rsp + 8 is a multiple of 16 at "
     "goexit1's first instruction, as at any function's?")
{
	maxprocs("1");
	grt_main(goexit_main, NULL);
	/* goexit1 leaves through mcall, whose gogo saves the rsp its caller
	 * would see after ret: a multiple of 16 in code that keeps the ABI's
	 * alignment from its first instruction on. */
	uint64_t sp = atomic_load(&exiting_g)->sched.sp;
	CHECK_MSG(sp % 16 == 0,
		  "the goroutine's last switch, in goexit1, saved sp = %#" PRIx64 ": goexit1 began with "
		  "rsp + 8 not a multiple of 16. Was it entered by a call?",
		  sp);
}

/* ---- on one P, do yielding goroutines take turns in a fixed order? ---- */

/* 5 x 10 turns stay under 61 schedule ticks: from lab 2 on, every 61st
 * tick looks at the global queue first, which may let the goroutine that
 * just yielded run again at once (Go does the same). */
#define RR_G 5
#define RR_ROUNDS 10
static _Atomic int rr_len;
static int64_t rr_trace[RR_G * RR_ROUNDS];

static void rr_worker(void *arg)
{
	for (int i = 0; i < RR_ROUNDS; i++) {
		rr_trace[atomic_fetch_add(&rr_len, 1)] = grt_goid();
		grt_yield();
	}
	grt_wg_done(arg);
}

static void rr_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, RR_G);
	for (int i = 0; i < RR_G; i++)
		grt_go(rr_worker, &wg);
	grt_wg_wait(&wg);
}

TEST(yield_round_robin_one_p, 3, 10,
     "After grt_yield, where does the goroutine wait, and who runs before it runs again?")
{
	maxprocs("1");
	grt_main(rr_main, NULL);
	CHECK_EQ(RR_G * RR_ROUNDS, rr_len);
	for (int i = 0; i < RR_G; i++)
		for (int j = 0; j < i; j++)
			CHECK_MSG(rr_trace[i] != rr_trace[j], "goroutine %" PRId64 " ran twice in round 1",
				  rr_trace[i]);
	for (int i = RR_G; i < RR_G * RR_ROUNDS; i++)
		CHECK_MSG(rr_trace[i] == rr_trace[i % RR_G],
			  "turn %d went to goroutine %" PRId64 ", but round 1's order gives it to %" PRId64, i,
			  rr_trace[i], rr_trace[i % RR_G]);
}

/* ---- can 10,000 goroutines be alive at once? ---- */

struct crowd {
	int n;
	grt_chan *gate;
	grt_wg done;
	_Atomic int started, ran;
};

static void crowd_member(void *arg)
{
	struct crowd *c = arg;
	atomic_fetch_add(&c->started, 1);
	char x;
	CHECK(!grt_chan_recv(c->gate, &x)); /* parks until the gate closes */
	atomic_fetch_add(&c->ran, 1);
	grt_wg_done(&c->done);
}

static void crowd_main(void *arg)
{
	struct crowd *c = arg;
	int n = c->n;
	c->gate = grt_chan_make(1, 0);
	grt_wg_add(&c->done, n);
	for (int i = 0; i < n; i++)
		grt_go(crowd_member, c);
	while (atomic_load(&c->started) < n)
		grt_yield();
	CHECK_EQ(0, atomic_load(&c->ran));
	grt_chan_close(c->gate);
	grt_wg_wait(&c->done);
	CHECK_EQ(n, atomic_load(&c->ran));
	grt_chan_free(c->gate);
}

TEST(ten_thousand_alive, 3, 20, "Is each goroutine's stack its own, and is its frame inside it?")
{
	struct crowd c = { .n = 10000 };
	grt_main(crowd_main, &c);
}

/* ---- can a million goroutines be parked at once, in 8 KiB each? ---- */

#define MILLION 1000000
static long million_kib;
static int crowd; /* how many: a million, or what the grader's memory cap allows */

/* Three quarters of the grader's memory cap (GRADER_MEMORY_MIB, which an
 * autograder on a small machine lowers), at 6 KiB a goroutine, up to a
 * million: 8 GiB gives the million. */
static int crowd_size(void)
{
	const char *s = getenv("GRADER_MEMORY_MIB");
	long n = (s ? atol(s) : 8192) * 1024 * 3 / 4 / 6;
	return n > MILLION ? MILLION : n < 10000 ? 10000 : (int)n;
}

static void million_main(void *arg)
{
	struct crowd *c = arg;
	long rss0 = harness_rss_kib();
	c->gate = grt_chan_make(1, 0);
	grt_wg_add(&c->done, crowd);
	for (int i = 0; i < crowd; i++)
		grt_go(crowd_member, c);
	while (atomic_load(&c->started) < crowd)
		grt_yield();
	million_kib = harness_rss_kib() - rss0;
	grt_chan_close(c->gate);
	grt_wg_wait(&c->done);
	CHECK_EQ(crowd, atomic_load(&c->ran));
}

TEST(million_parked, 3, 300,
     "How many pages of its stack does a parked goroutine touch? Does gostartcall write below the top page?")
{
	/* One P: a page fault per new stack dominates, and a second P would
	 * only add wake-ups. */
	maxprocs("1");
	crowd = crowd_size();
	struct crowd c = { 0 };
	grt_main(million_main, &c);
	/* 8 KiB each: a page of stack, the struct g, page tables. */
	CHECK_MSG(million_kib <= 8L * crowd, "%d parked goroutines took %ld KiB: more than 8 KiB each",
		  crowd, million_kib);
}

/* ---- does deep recursion within the stack size work? ---- */

static long deep(int n)
{
	volatile char frame[1024];
	frame[0] = (char)n;
	frame[sizeof frame - 1] = 1;
	if (n == 0)
		return frame[0] + frame[sizeof frame - 1];
	return deep(n - 1) + frame[0] + frame[sizeof frame - 1];
}

static long deep_result;

static void deep_goroutine(void *arg)
{
	deep_result = deep(44); /* about 47 KiB of the 64 KiB stack */
	grt_wg_done(arg);
}

static void deep_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 1);
	grt_go(deep_goroutine, &wg);
	grt_wg_wait(&wg);
}

TEST(deep_recursion_fits, 2, 10, "Does the first frame start at the top of the stack, or somewhere lower?")
{
	grt_main(deep_main, NULL);
	CHECK_EQ(45 + 44 * 45 / 2, deep_result);
}

/* ---- does a stack overflow stop the program with a message? ---- */

static int64_t *shared_goid;

static volatile long depth_limit = 1L << 40; /* never reached; the compiler cannot know */

static long bottomless(long n)
{
	volatile char frame[512];
	frame[0] = (char)n;
	if (n == depth_limit)
		return 0;
	return bottomless(n + 1) + frame[0];
}

static void overflow_goroutine(void *arg)
{
	(void)arg;
	*shared_goid = grt_goid();
	bottomless(0);
}

static void overflow_main(void *arg)
{
	(void)arg;
	grt_go(overflow_goroutine, NULL);
	for (;;)
		grt_yield();
}

static void overflow_child(void)
{
	grt_main(overflow_main, NULL);
}

TEST(stack_overflow_reported, 2, 20, "Is the first frame inside [lo, hi), above the guard page?")
{
	shared_goid = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared_goid != MAP_FAILED);
	char err[4096];
	int status = harness_child(overflow_child, err, sizeof err);
	CHECK_MSG(WIFSIGNALED(status), "the program did not die of a signal (stderr: %.300s)", err);
	char want[64];
	snprintf(want, sizeof want, "goroutine %" PRId64 ": stack overflow", *shared_goid);
	CHECK_MSG(*shared_goid > 0 && strstr(err, want), "expected \"%s\" on stderr, got: %.300s", want, err);
}

/* ---- does returning past the first frame stop the program? ---- */

static void badreturn_main(void *arg)
{
	(void)arg;
	grt_go(return_past_frame, NULL);
	for (;;)
		grt_yield();
}

static void badreturn_child(void)
{
	grt_main(badreturn_main, NULL);
}

TEST(return_past_first_frame_aborts, 2, 20,
     "What return address sits at 0(%rsp) when goentry starts, and what happens if someone uses it?")
{
	char err[4096];
	int status = harness_child(badreturn_child, err, sizeof err);
	CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		  "expected the program to abort (stderr: %.300s)", err);
	CHECK_MSG(strstr(err, "returned past its first stack frame"),
		  "expected \"returned past its first stack frame\" on stderr, got: %.300s", err);
}

/* ---- does "the current M" always name the thread we are on? ---- */

static _Atomic int migrations;

static void where_am_i(void *arg)
{
	int last = -1;
	for (int i = 0; i < 3000; i++) {
		/* Read the M on both sides of the thread id: once preemption
		 * exists (lab 6), the goroutine may move between any two lines
		 * of its own, and then the two readings differ. */
		struct m *mp = getm();
		int tid = (int)syscall(SYS_gettid);
		if (getm() != mp) {
			grt_yield();
			continue;
		}
		CHECK_MSG(mp && mp->tid == tid, "getm() says thread %d, but we run on thread %d",
			  mp ? mp->tid : -1, tid);
		struct g *gp = getg();
		CHECK(gp && (gp->m == mp || getm() != mp));
		if (last != -1 && last != tid)
			atomic_fetch_add(&migrations, 1);
		last = tid;
		grt_yield();
	}
	grt_wg_done(arg);
}

static void where_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 8);
	for (int i = 0; i < 8; i++)
		grt_go(where_am_i, &wg);
	grt_wg_wait(&wg);
}

TEST(current_m_follows_migration, 2, 20,
     "A goroutine can resume on another thread: does anything cache a thread-local across gogo?")
{
	maxprocs("3");
	grt_main(where_main, NULL);
	CHECK_MSG(migrations > 0, "no goroutine ever moved between threads: the test proved nothing");
}

/* ---- do channels carry values between goroutines on two Ps? ---- */

static void pong(void *arg)
{
	grt_chan **c = arg;
	int v;
	while (grt_chan_recv(c[0], &v)) {
		v++;
		grt_chan_send(c[1], &v);
	}
	grt_chan_close(c[1]);
}

static void pingpong_main(void *arg)
{
	(void)arg;
	grt_chan *c[2] = { grt_chan_make(sizeof(int), 0), grt_chan_make(sizeof(int), 3) };
	grt_go(pong, c);
	int v = 0;
	for (int i = 0; i < 20000; i++) {
		grt_chan_send(c[0], &v);
		CHECK(grt_chan_recv(c[1], &v));
	}
	CHECK_EQ(20000, v);
	grt_chan_close(c[0]);
	CHECK(!grt_chan_recv(c[1], &v));
	CHECK_EQ(0, v);
	grt_chan_free(c[0]);
	grt_chan_free(c[1]);
}

TEST(channel_ping_pong_two_ps, 2, 20, "Does a parked goroutine resume with its registers on any thread?")
{
	maxprocs("2");
	grt_main(pingpong_main, NULL);
}
