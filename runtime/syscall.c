/*
 * syscall.c - goroutines in blocking system calls.
 *
 * Here a goroutine in a system call simply keeps its M and its P: while
 * the thread is blocked in the kernel, that P runs nothing else.  The
 * state change is all there is, so that dumps and gdb show it.
 */
#include "runtime.h"

void entersyscall(void)
{
	struct g *gp = getg();
	if (gp)
		casgstatus(gp, _Grunning, _Gsyscall);
}

void exitsyscall(void)
{
	struct g *gp = getg();
	if (gp)
		casgstatus(gp, _Gsyscall, _Grunning);
}

void grt_entersyscall(void)
{
	entersyscall();
}

void grt_exitsyscall(void)
{
	exitsyscall();
}
