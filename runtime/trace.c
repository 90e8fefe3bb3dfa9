/*
 * trace.c - GRT_DEBUG=schedtrace=MS[,scheddetail=1]: the scheduler's state
 * on stderr every MS milliseconds, in the format of Go's GODEBUG=schedtrace:
 *
 *   SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=3 spinningthreads=0 needspinning=0
 *     idlethreads=1 netwait=1 timers=2 runqueue=0 [3 0]
 *
 * (one line).  The numbers in brackets are the lengths of the Ps' local
 * run queues; threads counts the Ms.  Two fields are ours, not Go's, in
 * the same key=value form: netwait, the goroutines parked on the
 * netpoller (sched.nnetwait), and timers, the pending timers of every P
 * (sched.ntimers).  With scheddetail=1, one line per P (timerslen: the
 * timers in its heap, as Go prints it), M and G follows.  Fields whose
 * mechanism a later lab adds stay 0 until then.  A thread of its own
 * prints them (Go's sysmon does).
 */
#include <stdio.h>
#include <time.h>

#include "runtime.h"

static const char *const gstatusnames[] = { "idle", "runnable", "running", "syscall", "waiting", "dead" };

static int64_t gid(const struct g *gp)
{
	return gp ? gp->goid : -1;
}

/* The P lines read each P's fields as they are, without the P's own
 * locks, as Go does: a number may be a moment off.  (timerslen without
 * timerslock: a trace must not wait for a lock whose holder may be
 * waiting for sched.lock, which we hold.) */
static void detail(FILE *out)
{
	for (int32_t i = 0; i < gomaxprocs; i++) {
		struct p *pp = allp[i];
		fprintf(out,
			"  P%d: status=%u schedtick=%u syscalltick=%u m=%lld runqsize=%u runnext=%lld gfreecnt=%d "
			"timerslen=%d\n",
			pp->id, pp->status, pp->schedtick, pp->syscalltick, pp->m ? (long long)pp->m->id : -1LL,
			atomic_load(&pp->runqtail) - atomic_load(&pp->runqhead),
			(long long)gid(atomic_load(&pp->runnext)), pp->gfreecnt, pp->ntimers);
	}
	for (struct m *mp = sched.allm; mp; mp = mp->alllink)
		fprintf(out,
			"  M%lld: p=%d curg=%lld mallocing=0 throwing=0 preemptoff= locks=%d dying=0 "
			"spinning=%s blocked=%s lockedg=-1\n",
			(long long)mp->id, mp->p ? mp->p->id : -1, (long long)gid(mp->curg), mp->locks,
			mp->spinning ? "true" : "false", mp->idle ? "true" : "false");
	lock(&sched.allglock);
	for (int64_t i = 0; i < sched.allglen; i++) {
		struct g *gp = sched.allgs[i];
		uint32_t s = readgstatus(gp);
		if (s == _Gdead)
			continue;
		fprintf(out, "  G%lld: status=%u(%s) m=%lld lockedm=-1\n", (long long)gp->goid, s,
			s == _Gwaiting ? waitReasonStrings[gp->waitreason] : gstatusnames[s],
			gp->m ? (long long)gp->m->id : -1LL);
	}
	unlock(&sched.allglock);
}

static void schedtrace(int64_t start)
{
	FILE *out = stderr;
	lock(&sched.lock);
	fprintf(out,
		"SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d needspinning=%d "
		"idlethreads=%d netwait=%d timers=%d runqueue=%d [",
		(long long)((grt_nanotime() - start) / 1000000), gomaxprocs, atomic_load(&sched.npidle),
		atomic_load(&sched.mcount), atomic_load(&sched.nmspinning), atomic_load(&sched.needspinning),
		sched.nmidle, atomic_load(&sched.nnetwait), atomic_load(&sched.ntimers), atomic_load(&sched.runqsize));
	for (int32_t i = 0; i < gomaxprocs; i++)
		fprintf(out, "%s%u", i ? " " : "", atomic_load(&allp[i]->runqtail) - atomic_load(&allp[i]->runqhead));
	fprintf(out, "]\n");
	if (debug.scheddetail)
		detail(out);
	unlock(&sched.lock);
	fflush(out);
}

static void *tracer(void *arg)
{
	(void)arg;
	int64_t start = grt_nanotime();
	struct timespec ts = { debug.schedtrace / 1000, (debug.schedtrace % 1000) * 1000000 };
	for (;;) {
		nanosleep(&ts, NULL);
		schedtrace(start);
	}
	return NULL;
}

void schedtraceinit(void)
{
	pthread_t t;
	if (debug.schedtrace > 0 && pthread_create(&t, NULL, tracer, NULL) == 0) {
		pthread_detach(t);
		sched.nsysthreads++; /* ours, and it wakes no goroutine: checkdead */
	}
}
