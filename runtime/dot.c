/*
 * dot.c - the scheduler's state as a Graphviz graph (grt_dump_dot).
 *
 *   - one cluster per P: its status and schedtick, runnext, and its local
 *     run queue in order, head on the left;
 *   - the global run queue, in order;
 *   - one box per M: thread id, what it is doing, an edge to its P; an M
 *     in a system call, a dashed edge to the P it left in _Psyscall;
 *   - the goroutines that wait, one cluster per reason;
 *   - lab 5: in a P's cluster, its timers (how many, when the first is
 *     due); the netpoller, with an edge from each goroutine waiting on an
 *     fd (labelled "fd 5 read") and from the M blocked in it; each
 *     sleeper labelled with when it wakes, and an edge to the P whose
 *     heap holds its timer.
 *
 * A goroutine is labelled "G<id> <function it was started with>".  The
 * dump takes sched.lock and allglock, so the picture is one moment; the
 * local run queues are read without their owners' consent (as a thief
 * would read them), so they may be a moment off.  A P's timer count is
 * read under its timerslock, a leaf lock (nobody takes another lock of
 * the runtime while holding it), so taking it last is safe.  Times are
 * drawn relative to the moment of the dump: "in 12 ms".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

static const char *pstatusname(uint32_t s)
{
	static const char *const names[] = { "idle", "running", "syscall", "dead" };
	return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* "G7 worker": the id and the function the goroutine was started with. */
static void gname(FILE *out, const struct g *gp)
{
	fprintf(out, "G%lld", (long long)gp->goid);
	if (!gp->startfn)
		return;
	const char *name = funcname((uintptr_t)gp->startfn);
	if (name)
		fprintf(out, " %s", name);
	else
		fprintf(out, " %p", (void *)gp->startfn);
}

#define DUMPWAIT 1000000000 /* ns: how long a dump waits for a lock before reading anyway */
#define MAXSHOWN 24 /* waiting goroutines drawn per reason; the rest are counted */
#define MAXSLEEPERS 6 /* sleepers drawn: those that wake first */
#define NPBITS 1024 /* Ps a dump keeps a bit for: GRT_MAXPROCS's limit (env.c) */

/* One dump: where it writes, the moment it draws (times are drawn from
 * it), and what it has drawn that an edge may point to. */
struct dump {
	FILE *out;
	int64_t now;
	bool polling;     /* sched.lastpoll was 0: an M blocks in netpoll */
	struct m *pollm;  /* that M, if it can be told (netpollm) */
	uint64_t timersdrawn[NPBITS / 64]; /* the Ps drawn with a timers node */
};

/* ---- lab 5: timers and the netpoller ---- */

/* A span of d >= 0 ns, for a label: "<1 ms", "12 ms", "42 s". */
static void duration(FILE *out, int64_t d)
{
	if (d < 1000000)
		fprintf(out, "<1 ms");
	else if (d < 10000000000LL)
		fprintf(out, "%lld ms", (long long)(d / 1000000));
	else
		fprintf(out, "%lld s", (long long)(d / 1000000000));
}

/* when, seen at now: "in 12 ms", or "due 3 ms ago" once it has passed
 * (a due timer waits for an M to look at its heap). */
static void relative(FILE *out, int64_t when, int64_t now)
{
	if (when >= now) {
		fprintf(out, "in ");
		duration(out, when - now);
	} else {
		fprintf(out, "due ");
		duration(out, now - when);
		fprintf(out, " ago");
	}
}

/* Inside pp's cluster: how many timers its heap holds, and when the
 * first is due; nothing for an empty heap (so labs 1 to 4 draw none). */
static void dumptimers(struct dump *d, struct p *pp)
{
	bool locked = lockfor(&pp->timerslock, DUMPWAIT);
	int32_t n = pp->ntimers;
	struct timer *first = n > 0 && pp->timers ? pp->timers[0] : NULL;
	int64_t when = first ? first->when : 0;
	if (locked)
		unlock(&pp->timerslock);
	if (n <= 0)
		return;
	fprintf(d->out, "    p%d_timers [label=\"timers: %d", pp->id, n);
	if (first) {
		fprintf(d->out, "|next ");
		relative(d->out, when, d->now);
	}
	fprintf(d->out, "\"];\n");
	if (pp->id < NPBITS)
		d->timersdrawn[pp->id / 64] |= 1ULL << (pp->id % 64);
}

/* The M blocked in netpoll, while sched.lastpoll is 0: the one M that
 * holds no P, runs nothing, and neither spins nor sleeps in the M cache
 * (findrunnable's step 6).  Another M may pass through that same state
 * for a moment (between giving back its P and stopm); the two cannot be
 * told apart then, and this says NULL. */
static struct m *netpollm(void)
{
	struct m *found = NULL;
	for (struct m *mp = sched.allm; mp; mp = mp->alllink) {
		if (mp->p || mp->curg || mp->idle || mp->spinning || mp->mstartfn)
			continue;
		if (found)
			return NULL;
		found = mp;
	}
	return found;
}

/* The netpoller, drawn when nio goroutines wait on fds or an M blocks in
 * it.  It stands for the kernel's epoll instance: its waiters hold no
 * thread, and no P. */
static void dumpnetpoller(struct dump *d, int nio)
{
	FILE *out = d->out;
	if (nio == 0 && !d->polling)
		return;
	fprintf(out, "  netpoll [shape=box, style=rounded, label=\"netpoller (epoll)\\n");
	if (nio == 1)
		fprintf(out, "1 goroutine waits on an fd\\n");
	else
		fprintf(out, "%d goroutines wait on fds\\n", nio);
	if (!d->polling) {
		fprintf(out, "no thread blocks in it");
	} else {
		if (d->pollm)
			fprintf(out, "M%lld blocks in epoll_wait", (long long)d->pollm->id);
		else
			fprintf(out, "an M blocks in epoll_wait");
		int64_t until = atomic_load(&sched.pollUntil);
		if (until) {
			fprintf(out, "\\nuntil a timer ");
			relative(out, until, d->now);
		}
	}
	fprintf(out, "\"];\n");
}

/* A waiting goroutine's second line: the fd it waits for and in which
 * direction (which of its pollDesc's semaphores holds it), or when its
 * sleep ends. */
static void waitdetail(struct dump *d, const struct g *gp)
{
	if (gp->waitreason == waitReasonIOWait && gp->waitobj) {
		struct pollDesc *pd = gp->waitobj;
		uintptr_t me = (uintptr_t)gp;
		fprintf(d->out, "\\nfd %d%s", atomic_load(&pd->fd),
			atomic_load(&pd->rg) == me   ? " read"
			: atomic_load(&pd->wg) == me ? " write"
						     : "");
	} else if (gp->waitreason == waitReasonSleep && gp->timer) {
		int64_t when = gp->timer->when;
		fprintf(d->out, "\\n%s", when >= d->now ? "wakes " : "");
		relative(d->out, when, d->now);
	}
}

/* A sleeper's edge to the P whose heap holds its timer (none while the
 * timer is in no heap: being added, or running). */
static void sleepedge(struct dump *d, const struct g *gp)
{
	struct p *pp = gp->timer ? atomic_load(&gp->timer->pp) : NULL;
	if (pp && pp->id < NPBITS && d->timersdrawn[pp->id / 64] & 1ULL << (pp->id % 64))
		fprintf(d->out, "  g%lld -> p%d_timers [style=dotted];\n", (long long)gp->goid, pp->id);
}

#define SHOWNENDS 6 /* a long queue shows this many at each end */

/* A queue drawn as one record, left to right: label | G.. | G.. .  The
 * caller announces n, then passes every goroutine in order to qitem; a
 * long queue keeps its two ends and counts the middle. */
struct qrecord {
	FILE *out;
	int i, n;
};

static void qbegin(struct qrecord *q, FILE *out, const char *id, const char *label, int n)
{
	*q = (struct qrecord){ out, 0, n };
	fprintf(out, "    %s [label=\"%s%s", id, label, n == 0 ? "|(empty)" : "");
}

static void qitem(struct qrecord *q, const struct g *gp)
{
	int i = q->i++;
	if (q->n > 2 * SHOWNENDS + 1 && i >= SHOWNENDS && i < q->n - SHOWNENDS) {
		if (i == SHOWNENDS)
			fprintf(q->out, "|%d more", q->n - 2 * SHOWNENDS);
		return;
	}
	fprintf(q->out, "|");
	gname(q->out, gp);
}

static void qend(struct qrecord *q)
{
	fprintf(q->out, "\"];\n");
}

static void dumpp(struct dump *d, struct p *pp)
{
	FILE *out = d->out;
	struct qrecord q;
	char id[32];
	fprintf(out, "  subgraph cluster_p%d {\n    label=\"P%d %s  schedtick %u", pp->id, pp->id,
		pstatusname(pp->status), pp->schedtick);
	if (pp->syscalltick) /* from lab 4 on */
		fprintf(out, "  syscalltick %u", pp->syscalltick);
	fprintf(out, "\";\n");
	struct g *next = atomic_load(&pp->runnext);
	snprintf(id, sizeof id, "p%d_next", pp->id);
	qbegin(&q, out, id, "runnext", next ? 1 : 0);
	if (next)
		qitem(&q, next);
	qend(&q);
	uint32_t head = atomic_load(&pp->runqhead), tail = atomic_load(&pp->runqtail);
	if (tail - head > RUNQSIZE) /* read in the middle of a change */
		tail = head;
	snprintf(id, sizeof id, "p%d_runq", pp->id);
	qbegin(&q, out, id, "local run queue", (int)(tail - head));
	for (uint32_t i = head; i != tail; i++)
		qitem(&q, atomic_load(&pp->runq[i % RUNQSIZE]));
	qend(&q);
	dumptimers(d, pp);
	fprintf(out, "  }\n");
}

static void dumpm(struct dump *d, struct m *mp)
{
	FILE *out = d->out;
	fprintf(out, "  m%lld [shape=box, label=\"M%lld  thread %d\\n", (long long)mp->id, (long long)mp->id,
		mp->tid);
	struct g *gp = mp->curg;
	struct p *oldp = mp->oldp;
	/* Still waiting for it: nobody took it since the call began. */
	bool left = oldp && oldp->status == _Psyscall && oldp->syscalltick == mp->syscalltick;
	if (mp->mstartfn) {
		fprintf(out, "sysmon (no P)");
	} else if (gp && readgstatus(gp) == _Gsyscall) {
		fprintf(out, "in a system call: ");
		gname(out, gp);
		if (oldp && !left)
			fprintf(out, "\\nits P was retaken");
	} else if (gp) {
		fprintf(out, "running ");
		gname(out, gp);
	} else if (mp == d->pollm) {
		fprintf(out, "blocked in netpoll (no P)");
	} else {
		fprintf(out, "%s", mp->idle ? "idle, in the M cache" : mp->spinning ? "spinning" : "scheduling");
	}
	fprintf(out, "\"];\n");
	if (mp == d->pollm)
		fprintf(out, "  m%lld -> netpoll;\n", (long long)mp->id);
	if (left)
		fprintf(out,
			"  m%lld -> p%d_runq [lhead=cluster_p%d, style=dashed, fontname=\"Helvetica\", "
			"fontsize=10, label=\"left in _Psyscall\"];\n",
			(long long)mp->id, oldp->id, oldp->id);
	if (mp->p)
		fprintf(out, "  m%lld -> p%d_runq [lhead=cluster_p%d];\n", (long long)mp->id, mp->p->id,
			mp->p->id);
}

static bool iswaiting(struct g *gp, int reason)
{
	return readgstatus(gp) == _Gwaiting && (int)gp->waitreason == reason;
}

/* The first max goroutines waiting for r, in allgs order, into shown[];
 * returns how many wait. */
static int firstwaiting(int r, struct g **shown, int max)
{
	int n = 0;
	for (int64_t i = 0; i < sched.allglen; i++) {
		if (iswaiting(sched.allgs[i], r) && n++ < max)
			shown[n - 1] = sched.allgs[i];
	}
	return n;
}

static int64_t wakeup(const struct g *gp)
{
	return gp->timer ? gp->timer->when : INT64_MAX;
}

/* The max sleepers that wake first, soonest first (ties, and sleepers
 * whose timer the picture cannot see, in allgs order), into shown[];
 * returns how many sleep.  A kept insertion sort: max is small. */
static int firstsleepers(struct g **shown, int max)
{
	int n = 0;
	for (int64_t i = 0; i < sched.allglen; i++) {
		struct g *gp = sched.allgs[i];
		if (!iswaiting(gp, waitReasonSleep))
			continue;
		int j = n++ < max ? n - 1 : max;
		for (; j > 0 && wakeup(shown[j - 1]) > wakeup(gp); j--) {
			if (j < max)
				shown[j] = shown[j - 1];
		}
		if (j < max)
			shown[j] = gp;
	}
	return n;
}

/* The goroutines waiting for reason r, as one cluster: the first
 * MAXSHOWN of allgs, or for sleepers the MAXSLEEPERS that wake first;
 * those go to shown[].  Returns how many wait. */
static int dumpreason(struct dump *d, int r, struct g **shown)
{
	FILE *out = d->out;
	int max = r == waitReasonSleep ? MAXSLEEPERS : MAXSHOWN;
	int n = r == waitReasonSleep ? firstsleepers(shown, max) : firstwaiting(r, shown, max);
	if (n == 0)
		return 0;
	fprintf(out, "  subgraph cluster_wait%d {\n    label=\"waiting: %s\";\n", r, waitReasonStrings[r]);
	for (int i = 0; i < n && i < max; i++) {
		fprintf(out, "    g%lld [shape=ellipse, label=\"", (long long)shown[i]->goid);
		gname(out, shown[i]);
		waitdetail(d, shown[i]);
		fprintf(out, "\"];\n");
	}
	if (n > max)
		fprintf(out, "    wait%d_more [shape=plaintext, label=\"and %d more%s\"];\n", r, n - max,
			r == waitReasonSleep ? ", waking later" : "");
	fprintf(out, "  }\n");
	return n;
}

/* Every waiting goroutine, by reason; then, outside the clusters (an
 * edge inside one would pull its other end in), the edges to what will
 * wake them: the netpoller, a P's timers. */
static void dumpwaiting(struct dump *d)
{
	struct g *io[MAXSHOWN], *sleeping[MAXSLEEPERS], *others[MAXSHOWN];
	int nio = 0, nsleeping = 0;
	for (int r = 1; r < waitReasonMax; r++) {
		if (r == waitReasonIOWait)
			nio = dumpreason(d, r, io);
		else if (r == waitReasonSleep)
			nsleeping = dumpreason(d, r, sleeping);
		else
			dumpreason(d, r, others);
	}
	dumpnetpoller(d, nio);
	for (int i = 0; i < nio && i < MAXSHOWN; i++)
		fprintf(d->out, "  g%lld -> netpoll;\n", (long long)io[i]->goid);
	if (nio > MAXSHOWN)
		fprintf(d->out, "  wait%d_more -> netpoll;\n", waitReasonIOWait);
	for (int i = 0; i < nsleeping && i < MAXSLEEPERS; i++)
		sleepedge(d, sleeping[i]);
}

/* The picture, titled; the locks are taken if they can be within
 * DUMPWAIT, so that a runtime stuck with a lock held can still be drawn.
 * held: the caller holds both already. */
static void dumpdot(FILE *out, const char *title, bool held)
{
	bool locked = held || lockfor(&sched.lock, DUMPWAIT);
	bool glocked = held || lockfor(&sched.allglock, DUMPWAIT);
	fprintf(out, "digraph grt {\n  compound=true;\n  node [shape=record, fontname=\"Helvetica\", "
		     "fontsize=10];\n");
	if (title || !locked || !glocked) {
		fprintf(out, "  labelloc=t;\n  label=\"");
		for (const char *c = title ? title : ""; *c; c++)
			fprintf(out, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c == '\n' ? ' ' : *c);
		fprintf(out, "%s\";\n", locked && glocked ? "" : " (read without the scheduler's locks)");
	}
	struct dump d = { .out = out, .now = grt_nanotime(), .polling = atomic_load(&sched.lastpoll) == 0 };
	d.pollm = d.polling ? netpollm() : NULL;
	for (int32_t i = 0; i < gomaxprocs; i++)
		dumpp(&d, allp[i]);
	struct qrecord q;
	fprintf(out, "  subgraph cluster_global {\n    label=\"global run queue: %d\";\n",
		atomic_load(&sched.runqsize));
	qbegin(&q, out, "global", "head", atomic_load(&sched.runqsize));
	for (struct g *gp = sched.runq.head; gp; gp = gp->schedlink)
		qitem(&q, gp);
	qend(&q);
	fprintf(out, "  }\n");
	for (struct m *mp = sched.allm; mp; mp = mp->alllink)
		dumpm(&d, mp);
	dumpwaiting(&d);
	fprintf(out, "}\n");
	if (glocked && !held)
		unlock(&sched.allglock);
	if (locked && !held)
		unlock(&sched.lock);
	fflush(out);
}

void grt_dump_dot(FILE *out)
{
	dumpdot(out, NULL, false);
}

/*
 * Snapshots being written, and whether the process is exiting.  exit()
 * flushes every stdio stream without taking its lock: a snapshot written
 * by another M at that moment would be written twice into its file, or
 * cut.  So exit waits for the writers (dotatexit), and none starts after.
 */
static _Atomic int dotwriters;
static _Atomic bool dotexiting;

static void dotatexit(void)
{
	atomic_store(&dotexiting, true);
	for (int i = 0; i < 1000 && atomic_load(&dotwriters) > 0; i++)
		usleep(1000);
}

static void snapshot(const char *event, const struct g *gp);

/* GRT_DOT=dir: one numbered picture per scheduling event. */
void dotsnapshot(const char *event, const struct g *gp)
{
	atomic_fetch_add(&dotwriters, 1);
	if (!atomic_load(&dotexiting))
		snapshot(event, gp);
	atomic_fetch_sub(&dotwriters, 1);
}

static void snapshot(const char *event, const struct g *gp)
{
	static _Atomic int n;
	if (!debug.dotdir)
		return;
	int i = atomic_fetch_add(&n, 1) + 1;
	if (i > debug.dotmax) {
		if (i == debug.dotmax + 1)
			fprintf(stderr, "grt: GRT_DOT: stopped after %d snapshots (raise GRT_DOT_MAX to see more)\n",
				debug.dotmax);
		return;
	}
	char path[4096], title[200];
	snprintf(path, sizeof path, "%s/%06d.dot", debug.dotdir, i);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "grt: GRT_DOT: cannot write %s: %s\n", path, strerror(errno));
		debug.dotdir = NULL;
		return;
	}
	const char *name = gp->startfn ? funcname((uintptr_t)gp->startfn) : NULL;
	snprintf(title, sizeof title, "#%d: %s G%lld%s%s", i, event, (long long)gp->goid, name ? " " : "",
		 name ? name : "");
	dumpdot(f, title, false);
	fclose(f);
}

static void faildumpto(const char *why, bool held)
{
	if (!debug.faildump)
		return;
	FILE *f = fopen(debug.faildump, "w");
	if (f) {
		dumpdot(f, why, held);
		fclose(f);
	}
}

/* GRT_FAILDUMP=file: the picture at a failure, for the grader to keep. */
void faildump(const char *why)
{
	faildumpto(why, false);
}

/* The same, from one who holds sched.lock and sched.allglock (checkdead). */
void faildumpheld(const char *why)
{
	faildumpto(why, true);
}

/* GRT_DOT=dir: make dir and its parents, as mkdir -p; without it, say so
 * once and take no snapshots. */
void dotinit(void)
{
	char path[4096];
	if (!debug.dotdir)
		return;
	atexit(dotatexit);
	if (snprintf(path, sizeof path, "%s", debug.dotdir) >= (int)sizeof path) {
		fprintf(stderr, "grt: GRT_DOT: the folder name is too long\n");
		debug.dotdir = NULL;
		return;
	}
	for (char *c = path + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		char was = *c;
		*c = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "grt: GRT_DOT: cannot create %s: %s\n", path, strerror(errno));
			debug.dotdir = NULL;
			return;
		}
		*c = was;
		if (was == '\0')
			return;
	}
}
