/*
 * signal.c - turning a fault on a goroutine stack into a clear message.
 *
 * A goroutine that overflows a guarded stack touches the PROT_NONE page
 * below it and the kernel sends SIGSEGV to its thread.  The handler cannot
 * run on the goroutine's stack (it is the stack that is full), so every M
 * gets an alternate signal stack; signal stacks, like masks, are per
 * thread.  The handler names the goroutine, then lets the signal kill the
 * process as it would have anyway.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime.h"

#define ALTSTACKSIZE (64 * 1024)
#define GUARDREACH (64 * 1024) /* a fault this far below a stack is an overflow */

static const char *signame(int sig)
{
	return sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : "a signal";
}

static void sigfault(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	struct m *mp = getm();
	struct g *gp = mp ? mp->curg : NULL;
	uintptr_t addr = (uintptr_t)info->si_addr;
	char buf[256];
	int n;
	if (gp && addr < gp->stack.lo && addr + GUARDREACH >= gp->stack.lo)
		n = snprintf(buf, sizeof buf,
			     "goroutine %lld: stack overflow (fault at %#lx, below its stack [%#lx, %#lx))\n",
			     (long long)gp->goid, (unsigned long)addr, (unsigned long)gp->stack.lo,
			     (unsigned long)gp->stack.hi);
	else if (gp)
		n = snprintf(buf, sizeof buf, "goroutine %lld: unexpected signal %s (fault at %#lx)\n",
			     (long long)gp->goid, signame(sig), (unsigned long)addr);
	else
		n = snprintf(buf, sizeof buf, "unexpected signal %s (fault at %#lx)\n", signame(sig),
			     (unsigned long)addr);
	if (n > (int)sizeof buf)
		n = sizeof buf;
	if (write(2, buf, n) < 0) {
		/* nowhere to report */
	}
	/* Die of the same signal: returning re-runs the faulting instruction. */
	signal(sig, SIG_DFL);
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
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = sigfault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (debug.faildump)
		signal(SIGQUIT, sigquit);
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
}
