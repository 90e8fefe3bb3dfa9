/*
 * deadlock.c - "all goroutines are asleep - deadlock!" (Go's checkdead).
 *
 * When the last M goes idle (stopm, under sched.lock), no goroutine runs.
 * If, moreover, a grt_main waits for its main goroutine, no goroutine is
 * runnable and nothing else can make one runnable, then no goroutine will
 * ever run again and the program can only hang.  Say so as Go does, with
 * every goroutine's wait reason and the picture (GRT_FAILDUMP), and stop.
 *
 * What may still wake a goroutine while every M is idle:
 *  - a goroutine in a system call: its M is busy, so we never get here;
 *  - a pending timer or a network wait (lab 5 keeps sched.ntimers and
 *    sched.nnetwait);
 *  - a thread the runtime did not start: grt_wg_done, grt_chan_send,
 *    grt_mutex_unlock ... work from any thread, and we cannot know what
 *    such a thread will do.  So while one is alive we never report; Go
 *    does the same for a thread that may call in through cgo (it counts as
 *    running).  We count the process's threads and subtract ours: the Ms,
 *    the runtime's other threads, and the threads waiting in grt_main.
 * The cheap tests come first; the thread count and the scan of allgs run
 * only when every other sign already says "deadlock".
 *
 * A goroutine that is runnable while every M is idle and the global run
 * queue is empty can only have been lost from a run queue: that is a bug
 * in the scheduler, reported as such.
 *
 * Rejected: asking programs to declare their other threads (a call they
 * would forget, turning a working program into a false "deadlock"); a
 * watchdog thread that polls (a thread and a delay, for a check the last
 * idle M can make at once under the lock it already holds).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

#define MAXLISTED 100 /* goroutines listed in a report; the rest are counted */

/* The process's threads, from /proc/self/status; -1 if unknown. */
static int osthreads(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *s = strstr(buf, "\nThreads:");
	return s ? atoi(s + 9) : -1;
}

/* Threads alive that the runtime did not start and that do not wait in
 * grt_main: any of them may still wake a goroutine. */
static int foreignthreads(void)
{
	int n = osthreads();
	if (n < 0)
		return 0; /* cannot tell: assume none, as Go would */
	n -= atomic_load(&sched.mcount) + sched.nsysthreads + sched.nmainwait;
	return n > 0 ? n : 0;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	if (write(2, buf, n) < 0) {
		/* nowhere to report */
	}
}

static const char *objname(enum waitreason r)
{
	switch (r) {
	case waitReasonChanSend:
	case waitReasonChanRecv:
		return "grt_chan";
	case waitReasonSyncMutexLock:
		return "grt_mutex";
	case waitReasonSyncWaitGroupWait:
		return "grt_wg";
	default:
		return "object";
	}
}

/* "goroutine 1 [chan receive]:", as Go's traceback header, then what we
 * know instead of a stack: the function it started with, what it waits on. */
static void listg(const struct g *gp)
{
	say("goroutine %lld [%s]:\n", (long long)gp->goid, waitReasonStrings[gp->waitreason]);
	const char *name = gp->startfn ? funcname((uintptr_t)gp->startfn) : NULL;
	if (name)
		say("\tstarted as %s", name);
	else
		say("\tstarted as %p", (void *)gp->startfn);
	if (gp->waitobj)
		say(", waits on %s %p", objname(gp->waitreason), gp->waitobj);
	say("\n\n");
}

static noreturn void deadlock(const char *what, int64_t nwaiting)
{
	say("fatal error: %s\n\n", what);
	int64_t listed = 0;
	for (int64_t i = 0; i < sched.allglen && listed < MAXLISTED; i++) {
		struct g *gp = sched.allgs[i];
		if (readgstatus(gp) == _Gwaiting) {
			listg(gp);
			listed++;
		}
	}
	if (nwaiting > listed)
		say("...and %lld more goroutines, all waiting\n", (long long)(nwaiting - listed));
	faildumpheld(what);
	/* Every M sleeps and no other thread exists: no stdio lock is held, so
	 * what the program printed can be flushed before we go. */
	fflush(NULL);
	abort();
}

void checkdead(void)
{
	if (sched.nmainwait == 0) /* nobody waits: goroutines may sleep forever */
		return;
	int32_t run = atomic_load(&sched.mcount) - sched.nmidle - sched.nmsys;
	if (run > 0)
		return;
	if (run < 0)
		fatal("checkdead: inconsistent counts: mcount=%d nmidle=%d nmsys=%d", atomic_load(&sched.mcount),
		      sched.nmidle, sched.nmsys);
	if (atomic_load(&sched.runqsize) > 0 || atomic_load(&sched.ntimers) > 0 ||
	    atomic_load(&sched.nnetwait) > 0 || foreignthreads() > 0)
		return;

	lock(&sched.allglock);
	int64_t nwaiting = 0;
	for (int64_t i = 0; i < sched.allglen; i++) {
		struct g *gp = sched.allgs[i];
		uint32_t s = readgstatus(gp);
		if (s == _Gwaiting)
			nwaiting++;
		else if (s == _Grunnable || s == _Grunning || s == _Gsyscall)
			fatal("checkdead: goroutine %lld is %s, yet every M is idle and the global run queue is "
			      "empty (was it lost from a run queue?)",
			      (long long)gp->goid, s == _Grunnable ? "runnable" : s == _Grunning ? "running" : "in a system call");
	}
	/* The report keeps both locks: nothing may change under it. */
	if (nwaiting == 0)
		deadlock("no goroutines (main called grt_exit) - deadlock!", 0);
	deadlock("all goroutines are asleep - deadlock!", nwaiting);
}
