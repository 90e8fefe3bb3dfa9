/*
 * Lab 1's contract tests: gogo, goentry and gostartcall called directly,
 * on state the test builds, outside the scheduler.  A failure names the
 * field or register that is wrong.  Do not edit: the grader uses a
 * pristine copy of this folder.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "contract.h"
#include "harness.h"

#define PAGE 4096

struct regs {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, pc;
	uint32_t mxcsr;
	uint16_t fpucw, pad;
};
_Static_assert(offsetof(struct regs, mxcsr) == 64, "probes.S uses these offsets");

int gogo_probe(struct gobuf *save, struct gobuf *load, struct regs *in, struct regs *out);
void gogo_landing(void);
void gogo_ret_trap(void);
void first_instruction_probe(void *arg);

struct first_record *first_record; /* read by first_instruction_probe */

/* Rounding-mode bits: a value other than the default that is still valid. */
#define MXCSR_RC(rc) ((MXCSR_DEFAULT & ~0x6000u) | (rc) << 13)
#define FPUCW_RC(rc) ((uint16_t)((FPUCW_DEFAULT & ~0x0c00u) | (rc) << 10))
#define MXCSR_STATUS 0x3fu /* sticky exception flags, not part of the contract */

static const char *const regname[6] = { "rbx", "rbp", "r12", "r13", "r14", "r15" };

/* Which of the six registers of r held v, as "r12's value", or a phrase
 * for a value none of them held. */
static const char *whose(const uint64_t *r, uint64_t v)
{
	static const char *const value[6] = { "rbx's value", "rbp's value", "r12's value",
					      "r13's value", "r14's value", "r15's value" };
	for (int i = 0; i < 6; i++)
		if (r[i] == v)
			return value[i];
	return "no register's value";
}

/* The state gogo_probe starts from: the caller's registers (in), and a
 * gobuf to load whose values differ from them in every field. */
static uint64_t landing_stack[64] __attribute__((aligned(16)));

static void gogo_setup(struct gobuf *save, struct gobuf *load, struct regs *in, struct regs *out)
{
	memset(save, 0xa5, sizeof *save);
	memset(out, 0, sizeof *out);
	*in = (struct regs){ 0x5a00000000000b01, 0x5a00000000000b02, 0x5a00000000000b03,
			     0x5a00000000000b04, 0x5a00000000000b05, 0x5a00000000000b06,
			     .mxcsr = MXCSR_RC(1), .fpucw = FPUCW_RC(1) };
	landing_stack[32] = (uint64_t)gogo_ret_trap; /* for a gogo that ends with ret */
	*load = (struct gobuf){ .sp = (uint64_t)&landing_stack[32], .pc = (uint64_t)gogo_landing,
				.bx = 0x3c00000000000c01, .bp = 0x3c00000000000c02,
				.r12 = 0x3c00000000000c03, .r13 = 0x3c00000000000c04,
				.r14 = 0x3c00000000000c05, .r15 = 0x3c00000000000c06,
				.mxcsr = MXCSR_RC(2), .fpucw = FPUCW_RC(2) };
}

/* Append a line to a report. */
static void note(char *rep, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(char *rep, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(rep);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep + n, cap - n, fmt, ap);
	va_end(ap);
}

/* ---- what does gogo store in *save? ---- */

TEST(gogo_saves_the_contract, 3, 10,
     "What must gogo store in *save, at which offset: the rsp its caller sees after ret, its "
     "return address, rbx, rbp, r12-r15 and the two control words?")
{
	siginit(); /* the runtime's crash report, should gogo fault */
	struct gobuf save, load;
	struct regs in, out;
	gogo_setup(&save, &load, &in, &out);
	gogo_probe(&save, &load, &in, &out);

	char rep[2048] = "";
	if (save.sp != in.rsp)
		note(rep, sizeof rep,
		     "\n  sp = %#" PRIx64 ", but rsp is %#" PRIx64 " once gogo returns to its caller "
		     "(off by %+" PRId64 ")",
		     save.sp, in.rsp, (int64_t)(save.sp - in.rsp));
	if (save.pc != in.pc)
		note(rep, sizeof rep, "\n  pc = %#" PRIx64 ", but gogo's return address is %#" PRIx64, save.pc,
		     in.pc);
	const uint64_t got[6] = { save.bx, save.bp, save.r12, save.r13, save.r14, save.r15 };
	for (int i = 0; i < 6; i++)
		if (got[i] != (&in.rbx)[i])
			note(rep, sizeof rep, "\n  %s's field holds %#" PRIx64 " (%s): was %s stored there?",
			     regname[i], got[i], whose(&in.rbx, got[i]), regname[i]);
	if ((save.mxcsr & ~MXCSR_STATUS) != in.mxcsr)
		note(rep, sizeof rep, "\n  mxcsr = %#x, but MXCSR was %#x (stmxcsr)", save.mxcsr, in.mxcsr);
	if (save.fpucw != in.fpucw)
		note(rep, sizeof rep, "\n  fpucw = %#x, but the x87 control word was %#x (fnstcw)", save.fpucw,
		     in.fpucw);
	CHECK_MSG(rep[0] == '\0', "gogo(save, load) stored in *save:%s", rep);
}

/* ---- what does the code at load->pc find? ---- */

TEST(gogo_loads_and_jumps, 3, 10,
     "What does the code at load->pc find in rsp, rbx, rbp, r12-r15 and the control words? "
     "How does gogo get there: a ret, or a jump?")
{
	siginit();
	struct gobuf save, load, load0;
	struct regs in, out;
	gogo_setup(&save, &load, &in, &out);
	load0 = load;
	int how = gogo_probe(&save, &load, &in, &out);
	CHECK_MSG(how != 1, "gogo returned to its caller: it must continue at load->pc instead");
	CHECK_MSG(how != 2,
		  "gogo ended with ret, which took the word at load->sp as the address to go to; "
		  "load->pc is where to continue, with rsp = load->sp");

	char rep[2048] = "";
	if (memcmp(&load, &load0, offsetof(struct gobuf, pad)) != 0)
		note(rep, sizeof rep, "\n  gogo wrote into *load (only *save is gogo's to write)");
	if (out.rsp != load0.sp)
		note(rep, sizeof rep, "\n  rsp = %#" PRIx64 ", but load->sp = %#" PRIx64 " (off by %+" PRId64 ")",
		     out.rsp, load0.sp, (int64_t)(out.rsp - load0.sp));
	const uint64_t want[6] = { load0.bx, load0.bp, load0.r12, load0.r13, load0.r14, load0.r15 };
	for (int i = 0; i < 6; i++)
		if ((&out.rbx)[i] != want[i])
			note(rep, sizeof rep, "\n  %s = %#" PRIx64 ", but load's %s field holds %#" PRIx64, regname[i],
			     (&out.rbx)[i], regname[i], want[i]);
	if ((out.mxcsr & ~MXCSR_STATUS) != load0.mxcsr)
		note(rep, sizeof rep, "\n  MXCSR = %#x, but load->mxcsr = %#x (ldmxcsr)", out.mxcsr, load0.mxcsr);
	if (out.fpucw != load0.fpucw)
		note(rep, sizeof rep, "\n  the x87 control word = %#x, but load->fpucw = %#x (fldcw)", out.fpucw,
		     load0.fpucw);
	CHECK_MSG(rep[0] == '\0', "at load->pc, after gogo(save, load):%s", rep);
}

/* ---- where does gostartcall put the first frame? ---- */

/* A stack of one page [lo, hi) inside three pages filled with 0xa5; hi is
 * hioff bytes below the end of the middle page. */
static unsigned char *three_pages(void)
{
	unsigned char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	memset(m, 0xa5, 3 * PAGE);
	return m;
}

static void check_layout(int hioff)
{
	unsigned char *m = three_pages();
	unsigned char *lo = m + PAGE, *hi = m + 2 * PAGE - hioff;
	void *arg = (void *)0xfeedf00d;
	struct gobuf buf;
	memset(&buf, 0xa5, sizeof buf);
	gostartcall(&buf, lo, hi, first_instruction_probe, arg);

	char rep[2048] = "";
	if (buf.pc != (uint64_t)goentry)
		note(rep, sizeof rep, "\n  pc = %#" PRIx64 ", not goentry (%p)", buf.pc, (void *)goentry);
	if (buf.bx != (uint64_t)first_instruction_probe || buf.r12 != (uint64_t)arg)
		note(rep, sizeof rep, "\n  rbx = %#" PRIx64 " and r12 = %#" PRIx64 ", but fn = %p, arg = %p", buf.bx,
		     buf.r12, (void *)first_instruction_probe, arg);
	if (buf.bp != 0)
		note(rep, sizeof rep,
		     "\n  bp = %#" PRIx64 ": rbp must be 0, whatever *buf held before (it ends gdb's "
		     "frame chain)",
		     buf.bp);
	if (buf.mxcsr != MXCSR_DEFAULT || buf.fpucw != FPUCW_DEFAULT)
		note(rep, sizeof rep, "\n  mxcsr = %#x and fpucw = %#x, not MXCSR_DEFAULT and FPUCW_DEFAULT",
		     buf.mxcsr, buf.fpucw);
	uint64_t sp = buf.sp;
	if (sp % 16 != 0)
		note(rep, sizeof rep, "\n  sp = hi - %" PRId64 ", and sp %% 16 = %d: sp must be a multiple of 16 (is hi rounded down?)",
		     (int64_t)((uint64_t)hi - sp), (int)(sp % 16));
	if (sp < (uint64_t)lo || sp + 8 > (uint64_t)hi)
		note(rep, sizeof rep, "\n  sp = hi %+" PRId64 ": the word at sp is outside [lo, hi)",
		     (int64_t)(sp - (uint64_t)hi));
	else if ((uint64_t)hi - sp > 64)
		note(rep, sizeof rep,
		     "\n  sp = hi - %" PRId64 ": the first frame should start at the top of the stack "
		     "(within 64 bytes of hi)",
		     (int64_t)((uint64_t)hi - sp));
	else if (*(uint64_t *)sp != (uint64_t)goexit_badreturn)
		note(rep, sizeof rep, "\n  the word at sp is %#" PRIx64 ", not goexit_badreturn's address (%p)",
		     *(uint64_t *)sp, (void *)goexit_badreturn);
	for (unsigned char *p = m; p < m + 3 * PAGE; p++)
		if ((p < lo || p >= hi) && *p != 0xa5) {
			note(rep, sizeof rep, "\n  gostartcall wrote outside [lo, hi), at hi %+td", p - hi);
			break;
		}
	CHECK_MSG(rep[0] == '\0', "gostartcall(buf, lo, hi, fn, arg) with hi %% 16 = %d made:%s",
		  (int)((uintptr_t)hi % 16), rep);
	munmap(m, 3 * PAGE);
}

TEST(first_frame_layout, 3, 10,
     "For any hi, even one that is not a multiple of 16, where do sp and goexit_badreturn's "
     "address go, and does gostartcall write only inside [lo, hi)?")
{
	siginit();
	for (int hioff = 0; hioff < 16; hioff++)
		check_layout(hioff);
}

/* ---- what does fn find at its first instruction? ---- */

void run_first_frame(struct first_record *rec, int hioff, void *arg)
{
	unsigned char *m = three_pages();
	struct gobuf here, buf;
	memset(&buf, 0xa5, sizeof buf);
	/* Valid control words gostartcall must replace by the defaults. */
	buf.mxcsr = MXCSR_RC(3);
	buf.fpucw = FPUCW_RC(3);
	gostartcall(&buf, m + PAGE, m + 2 * PAGE - hioff, first_instruction_probe, arg);
	memset(rec, 0, sizeof *rec);
	rec->back = &here;
	first_record = rec;
	gogo(&here, &buf); /* returns when the probe loads here */
	munmap(m, 3 * PAGE);
}

TEST(first_instruction_state, 2, 10,
     "What does fn find at its first instruction: arg in which register, rbp = ?, and which "
     "control words?")
{
	siginit();
	struct first_record rec;
	void *arg = (void *)0xfeedf00d;
	run_first_frame(&rec, 0, arg);
	char rep[1024] = "";
	if (rec.rdi != (uint64_t)arg)
		note(rep, sizeof rep, "\n  rdi = %#" PRIx64 ", but arg = %p (the first argument goes in rdi)",
		     rec.rdi, arg);
	if (rec.rbp != 0)
		note(rep, sizeof rep, "\n  rbp = %#" PRIx64 ", not 0", rec.rbp);
	if ((rec.mxcsr & ~MXCSR_STATUS) != MXCSR_DEFAULT)
		note(rep, sizeof rep, "\n  MXCSR = %#x, not MXCSR_DEFAULT", rec.mxcsr);
	if (rec.fpucw != FPUCW_DEFAULT)
		note(rep, sizeof rep, "\n  the x87 control word = %#x, not FPUCW_DEFAULT", rec.fpucw);
	CHECK_MSG(rep[0] == '\0', "a goroutine's fn, at its first instruction, found:%s", rep);
}

/* ---- what if the stack cannot hold the first frame? ---- */

static void tiny_stack(void)
{
	unsigned char *m = three_pages();
	unsigned char *lo = m + PAGE + 4, *hi = lo + 12; /* no 16-byte aligned word fits */
	struct gobuf buf;
	gostartcall(&buf, lo, hi, first_instruction_probe, NULL);
	fprintf(stderr, "gostartcall returned a gobuf for the 12-byte stack [%p, %p): sp = %#" PRIx64 "\n",
		(void *)lo, (void *)hi, buf.sp);
	_exit(3);
}

TEST(tiny_stack_refused, 1, 10,
     "What must gostartcall do when [lo, hi) cannot hold the first frame?")
{
	char err[4096];
	int status = harness_child(tiny_stack, err, sizeof err);
	CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(err, "fatal error: "),
		  "expected gostartcall to stop the program with fatal(), got: %.300s", err);
}
