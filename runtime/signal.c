/*
 * signal.c - turning a fatal signal into a message that says where and why.
 *
 * A fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL) on a goroutine would kill the
 * process with one word.  The handler says instead: which goroutine (and
 * the function it was started with), the signal and its si_code by name,
 * the faulting pc as function+offset, and, when the kind of fault tells,
 * the likely cause:
 *
 *  - a fault just below the goroutine's stack: a stack overflow;
 *  - a general-protection fault (SIGSEGV with si_code SI_KERNEL: the
 *    kernel gives no address): most often an SSE instruction that needs a
 *    16-byte aligned operand on a misaligned stack, or a pointer that is
 *    not a canonical address (garbage);
 *  - a jump to an address that is not code: a bad saved pc or return
 *    address;
 *  - a floating-point exception: an unmasked exception in MXCSR or the
 *    x87 control word.
 *
 * The handler cannot run on the goroutine's stack (after an overflow it is
 * full), so every M gets an alternate signal stack; signal stacks, like
 * masks, are per thread.  Then the process dies of the same signal, so
 * that its exit status says what happened: a fatal signal never ends in
 * exit status 0.
 *
 * The preemption signal (lab 6).  sysmon asks a goroutine that has run
 * too long to stop by sending its M sigPreempt; the handler calls lab 6's
 * doSigPreempt, which may edit the interrupted context so that the thread
 * goes on in asyncPreempt.  Why SIGURG, as Go chose: a program and its
 * libraries rarely use it (it means out-of-band TCP data, which almost
 * nobody asks for), a debugger passes it through by default, and its
 * default action is to be ignored, so a stray one harms nobody.  The
 * handler restarts interrupted system calls (SA_RESTART); those the kernel
 * never restarts (epoll_wait, nanosleep, ...) return EINTR, and the
 * runtime's own callers retry.
 *
 * doSigPreempt must know where the goroutine was: in its own code, or in
 * the runtime's or libc's, where it may hold locks or half-updated state.
 * programtext is the executable's code, found from its program headers;
 * runtimetext is a section of its own, grt_text, into which the build
 * moves the code of every runtime and lab object (the Makefile's objcopy),
 * so that the linker gives its bounds as __start_grt_text and
 * __stop_grt_text.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "race.h"
#include "runtime.h"

#define ALTSTACKSIZE (64 * 1024)
#define GUARDREACH (64 * 1024) /* a fault this far below a stack is an overflow */

static const int fatalsigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };

static const char *signame(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	}
	return "a signal";
}

/* si_code by name, with what it means. */
static const char *codename(int sig, int code)
{
	if (code == SI_USER)
		return "SI_USER: sent by kill";
	if (code == SI_TKILL)
		return "SI_TKILL: sent by tkill or raise";
	if (code == SI_KERNEL)
		return "SI_KERNEL: a general-protection fault, no address given";
	switch (sig * 100 + code) {
	case SIGSEGV * 100 + SEGV_MAPERR: return "SEGV_MAPERR: address not mapped";
	case SIGSEGV * 100 + SEGV_ACCERR: return "SEGV_ACCERR: no permission for that access";
	case SIGBUS * 100 + BUS_ADRALN: return "BUS_ADRALN: misaligned address";
	case SIGBUS * 100 + BUS_ADRERR: return "BUS_ADRERR: no such physical address";
	case SIGBUS * 100 + BUS_OBJERR: return "BUS_OBJERR: hardware error";
	case SIGFPE * 100 + FPE_INTDIV: return "FPE_INTDIV: integer divide by zero";
	case SIGFPE * 100 + FPE_INTOVF: return "FPE_INTOVF: integer overflow";
	case SIGFPE * 100 + FPE_FLTDIV: return "FPE_FLTDIV: floating-point divide by zero";
	case SIGFPE * 100 + FPE_FLTOVF: return "FPE_FLTOVF: floating-point overflow";
	case SIGFPE * 100 + FPE_FLTUND: return "FPE_FLTUND: floating-point underflow";
	case SIGFPE * 100 + FPE_FLTRES: return "FPE_FLTRES: floating-point inexact result";
	case SIGFPE * 100 + FPE_FLTINV: return "FPE_FLTINV: invalid floating-point operation";
	case SIGFPE * 100 + FPE_FLTSUB: return "FPE_FLTSUB: subscript out of range";
	case SIGILL * 100 + ILL_ILLOPC: return "ILL_ILLOPC: illegal opcode";
	case SIGILL * 100 + ILL_ILLOPN: return "ILL_ILLOPN: illegal operand";
	case SIGILL * 100 + ILL_ILLADR: return "ILL_ILLADR: illegal addressing mode";
	case SIGILL * 100 + ILL_PRVOPC: return "ILL_PRVOPC: privileged opcode";
	case SIGILL * 100 + ILL_BADSTK: return "ILL_BADSTK: internal stack error";
	}
	return "an si_code this runtime does not name";
}

/*
 * The aligned-access instruction at pc, if it is one of the few whose
 * alignment fault a C compiler's code or glibc's commonly hits, else NULL.
 * Skips the 0x66/0xf2/0xf3 and REX prefixes, then reads 0f xx.
 */
static const char *alignedop(const unsigned char *pc)
{
	int op66 = 0, rep = 0;
	for (int i = 0; i < 4 && (*pc == 0x66 || *pc == 0xf2 || *pc == 0xf3 || (*pc & 0xf0) == 0x40);
	     i++, pc++) {
		op66 |= *pc == 0x66;
		rep |= *pc == 0xf2 || *pc == 0xf3;
	}
	if (pc[0] != 0x0f || rep)
		return NULL;
	if (pc[1] == 0x28 || pc[1] == 0x29)
		return op66 ? "movapd" : "movaps";
	if (op66 && (pc[1] == 0x6f || pc[1] == 0x7f))
		return "movdqa";
	return NULL;
}

/* ldmxcsr at pc (0f ae /2): it faults when the value sets reserved bits. */
static bool isldmxcsr(const unsigned char *pc)
{
	if ((*pc & 0xf0) == 0x40)
		pc++;
	return pc[0] == 0x0f && pc[1] == 0xae && (pc[2] >> 3 & 7) == 2 && (pc[2] >> 6) != 3;
}

/* "name+0xoff" for pc: the executable's own symbols first (they include
 * static functions), then the shared object's exported ones. */
static void pcname(char *buf, size_t cap, uintptr_t pc)
{
	uintptr_t off;
	const char *name = funcfor(pc, &off);
	if (name) {
		snprintf(buf, cap, "%s+%#lx", name, (unsigned long)off);
		return;
	}
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	if (!dladdr1((void *)pc, &info, (void **)&sym, RTLD_DL_SYMENT) || !info.dli_fname) {
		snprintf(buf, cap, "an address outside any loaded object");
		return;
	}
	const char *obj = strrchr(info.dli_fname, '/') ? strrchr(info.dli_fname, '/') + 1 : info.dli_fname;
	uintptr_t start = (uintptr_t)info.dli_saddr;
	if (info.dli_sname && sym && pc - start < sym->st_size)
		snprintf(buf, cap, "%s+%#lx (%s)", info.dli_sname, (unsigned long)(pc - start), obj);
	else
		snprintf(buf, cap, "%s+%#lx", obj, (unsigned long)(pc - (uintptr_t)info.dli_fbase));
}

/* Why it probably happened, or NULL when the signal does not say. */
static const char *likelycause(int sig, const siginfo_t *info, uintptr_t pc, char *buf, size_t cap)
{
	uintptr_t addr = (uintptr_t)info->si_addr;
	if (sig == SIGSEGV && info->si_code == SI_KERNEL) {
		/* The kernel reports the instruction it could not run: its
		 * bytes are code, so we may read them. */
		if (isldmxcsr((const unsigned char *)pc))
			return "ldmxcsr loaded a value with reserved bits set: was that word stored by "
			       "stmxcsr (a gobuf's mxcsr, at GOBUF_MXCSR)?";
		const char *op = alignedop((const unsigned char *)pc);
		snprintf(buf, cap,
			 "a general-protection fault%s%s%s.\n"
			 "  Most often an SSE access on a misaligned stack: is rsp + 8 a multiple of 16 at\n"
			 "  function entry, in every goroutine from its first frame on?  Otherwise, a\n"
			 "  pointer that is not a canonical address (garbage).",
			 op ? " (at " : "", op ? op : "", op ? ", which needs a 16-byte aligned address)" : "");
		return buf;
	}
	if ((sig == SIGSEGV || sig == SIGILL) && info->si_code > 0 && addr == pc)
		return "the pc itself is not code: a jump or ret went to a bad address (a saved pc, "
		       "or the return address at 0(%rsp)?)";
	if (sig == SIGFPE && info->si_code >= FPE_FLTDIV && info->si_code <= FPE_FLTSUB)
		return "a floating-point exception is unmasked: does every goroutine start with MXCSR "
		       "and the x87 control word at their defaults, and keep its own across switches?";
	return NULL;
}

static void sigfault(int sig, siginfo_t *info, void *ctx)
{
	const ucontext_t *uc = ctx;
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	uintptr_t addr = (uintptr_t)info->si_addr;
	struct m *mp = getm();
	struct g *gp = mp ? mp->curg : NULL;
	char who[128], where[160], why[512], buf[1024];
	const char *cause = info->si_code > 0 || info->si_code == SI_KERNEL
				    ? likelycause(sig, info, pc, why, sizeof why)
				    : NULL;
	int n;

	if (gp) {
		const char *fn = gp->startfn ? funcname((uintptr_t)gp->startfn) : NULL;
		snprintf(who, sizeof who, "goroutine %lld (%s)", (long long)gp->goid, fn ? fn : "?");
	} else if (mp) {
		snprintf(who, sizeof who, "M%lld's scheduler, on g0", (long long)mp->id);
	} else {
		snprintf(who, sizeof who, "a thread outside the runtime");
	}
	pcname(where, sizeof where, pc);
	/* Below the stack, but not a jump there: a jump to a bad address
	 * faults at the address it jumped to. */
	if (sig == SIGSEGV && gp && addr != pc && addr < gp->stack.lo && addr + GUARDREACH >= gp->stack.lo)
		n = snprintf(buf, sizeof buf,
			     "goroutine %lld: stack overflow (fault at %#lx, below its stack [%#lx, %#lx))\n"
			     "%s: pc %#lx in %s, rsp %#lx\n",
			     (long long)gp->goid, (unsigned long)addr, (unsigned long)gp->stack.lo,
			     (unsigned long)gp->stack.hi, who, (unsigned long)pc, where, (unsigned long)sp);
	else
		n = snprintf(buf, sizeof buf,
			     "fatal error: unexpected signal %s (%s), fault address %#lx\n"
			     "%s: pc %#lx in %s, rsp %#lx\n%s%s%s",
			     signame(sig), codename(sig, info->si_code), (unsigned long)addr, who,
			     (unsigned long)pc, where, (unsigned long)sp, cause ? "likely cause: " : "",
			     cause ? cause : "", cause ? "\n" : "");
	if (n > (int)sizeof buf)
		n = sizeof buf;
	if (write(2, buf, n) < 0) {
		/* nowhere to report */
	}
	/* Die of the same signal.  It stays blocked until we return; then it
	 * kills, whether a fault (which would recur) or a kill raised it. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- preemption (lab 6) ---- */

struct textrange programtext, runtimetext;
extern char __start_grt_text[], __stop_grt_text[];

/* The executable is the first object dl_iterate_phdr reports; its code is
 * its executable PT_LOAD segments (one, with the usual linkers). */
static int findprogramtext(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (!programtext.hi || lo < programtext.lo)
			programtext.lo = lo;
		if (hi > programtext.hi)
			programtext.hi = hi;
	}
	return 1; /* the first object only */
}

/* Under ThreadSanitizer no call is injected: TSan runs a handler late, at
 * a point of its own, and its runtime is linked into the executable,
 * where its code cannot be told from the program's.  Goroutines are then
 * stopped only at API calls (preemptcheck). */
/* Was the interrupted code running with the M's usual signal mask?  Not
 * if it was a signal handler of the program's (its signal is blocked
 * while it runs), which runs on the goroutine's stack and in the
 * program's code, and so looks like a safe point, whatever it
 * interrupted: the runtime, half-way through a state change. */
static bool usualmask(const struct m *mp, const ucontext_t *uc)
{
	for (int s = 1; s < 65; s++)
		if (sigismember(&mp->sigmask, s) != sigismember(&uc->uc_sigmask, s))
			return false;
	return true;
}

static void sigpreempt(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)info;
	int saved = errno; /* the interrupted code's */
	struct m *mp = getm();
#ifdef GRT_RACE
	mp = NULL;
#endif
	/* Else a thread of the program's, or a stray SIGURG. */
	if (mp && usualmask(mp, ctx)) {
		doSigPreempt(mp, ctx);
		atomic_fetch_add_explicit(&mp->preemptGen, 1, memory_order_relaxed);
	}
	errno = saved;
}

void signalM(struct m *mp, int sig)
{
	pthread_kill(mp->thread, sig);
}

/* The grader sends SIGQUIT to a test that ran out of time: leave the
 * picture of where everyone was, then go. */
static void sigquit(int sig)
{
	(void)sig;
	faildump("stopped by SIGQUIT (the test ran out of time?)");
	_exit(2);
}

void siginit(void)
{
	symtabinit(); /* the handler reads the symbol table, and must not be first */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = sigfault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fatalsigs / sizeof fatalsigs[0]; i++)
		sigaction(fatalsigs[i], &sa, NULL);
	if (debug.faildump)
		signal(SIGQUIT, sigquit);

	runtimetext = (struct textrange){ (uintptr_t)__start_grt_text, (uintptr_t)__stop_grt_text };
	if (!programtext.hi)
		dl_iterate_phdr(findprogramtext, NULL);
	sa.sa_sigaction = sigpreempt;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigaction(sigPreempt, &sa, NULL);
}

void minitsignals(struct m *mp)
{
	void *v = mmap(NULL, ALTSTACKSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v == MAP_FAILED)
		fatal("out of memory allocating a signal stack");
	stack_t ss = { .ss_sp = v, .ss_size = ALTSTACKSIZE, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) != 0)
		fatal("sigaltstack failed");
	mp->altstack = v;
	pthread_sigmask(SIG_SETMASK, NULL, &mp->sigmask);
}
