/*
 * dot.c - the scheduler's state as a Graphviz graph (grt_dump_dot).
 *
 *   - one cluster per P: its status and schedtick, runnext, and its local
 *     run queue in order, head on the left;
 *   - the global run queue, in order;
 *   - one box per M: thread id, what it is doing, an edge to its P;
 *   - the goroutines that wait, one cluster per reason.
 *
 * A goroutine is labelled "G<id> <function it was started with>".  The
 * dump takes sched.lock and allglock, so the picture is one moment; the
 * local run queues are read without their owners' consent (as a thief
 * would read them), so they may be a moment off.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "runtime.h"

static const char *pstatusname(uint32_t s)
{
	static const char *const names[] = { "idle", "running", "syscall", "dead" };
	return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* "G7 worker": the id and the function the goroutine was started with. */
static void gname(FILE *out, const struct g *gp)
{
	Dl_info info;
	fprintf(out, "G%lld", (long long)gp->goid);
	if (!gp->startfn)
		return;
	if (dladdr((void *)gp->startfn, &info) && info.dli_sname && info.dli_saddr == (void *)gp->startfn)
		fprintf(out, " %s", info.dli_sname);
	else
		fprintf(out, " %p", (void *)gp->startfn);
}

/* A record node listing gs left to right: label | G.. | G.. */
static void grecord(FILE *out, const char *id, const char *label, struct g *const *gs, int n)
{
	fprintf(out, "    %s [label=\"%s", id, label);
	if (n == 0)
		fprintf(out, "|(empty)");
	for (int i = 0; i < n; i++) {
		fprintf(out, "|");
		gname(out, gs[i]);
	}
	fprintf(out, "\"];\n");
}

static void dumpp(FILE *out, struct p *pp)
{
	struct g *gs[RUNQSIZE];
	uint32_t head = atomic_load(&pp->runqhead), tail = atomic_load(&pp->runqtail);
	int n = 0;
	for (uint32_t i = head; i != tail && n < RUNQSIZE; i++)
		gs[n++] = atomic_load(&pp->runq[i % RUNQSIZE]);
	fprintf(out, "  subgraph cluster_p%d {\n    label=\"P%d %s  schedtick %u\";\n", pp->id, pp->id,
		pstatusname(pp->status), pp->schedtick);
	struct g *next = atomic_load(&pp->runnext);
	char id[32];
	snprintf(id, sizeof id, "p%d_next", pp->id);
	grecord(out, id, "runnext", &next, next ? 1 : 0);
	snprintf(id, sizeof id, "p%d_runq", pp->id);
	grecord(out, id, "local run queue", gs, n);
	fprintf(out, "  }\n");
}

static void dumpm(FILE *out, struct m *mp)
{
	fprintf(out, "  m%lld [shape=box, label=\"M%lld  thread %d\\n", (long long)mp->id, (long long)mp->id,
		mp->tid);
	struct g *gp = mp->curg;
	if (gp && readgstatus(gp) == _Gsyscall) {
		fprintf(out, "in a system call: ");
		gname(out, gp);
	} else if (gp) {
		fprintf(out, "running ");
		gname(out, gp);
	} else {
		fprintf(out, "%s", mp->idle ? "idle" : mp->spinning ? "spinning" : "scheduling");
	}
	fprintf(out, "\"];\n");
	if (mp->p)
		fprintf(out, "  m%lld -> p%d_runq [lhead=cluster_p%d];\n", (long long)mp->id, mp->p->id,
			mp->p->id);
}

#define MAXSHOWN 24 /* waiting goroutines drawn per reason; the rest are counted */

static void dumpwaiting(FILE *out)
{
	for (int r = 1; r < waitReasonMax; r++) {
		int n = 0;
		for (int64_t i = 0; i < sched.allglen; i++) {
			struct g *gp = sched.allgs[i];
			if (readgstatus(gp) != _Gwaiting || (int)gp->waitreason != r)
				continue;
			if (n++ == 0)
				fprintf(out, "  subgraph cluster_wait%d {\n    label=\"waiting: %s\";\n", r,
					waitReasonStrings[r]);
			if (n > MAXSHOWN)
				continue;
			fprintf(out, "    g%lld [shape=ellipse, label=\"", (long long)gp->goid);
			gname(out, gp);
			fprintf(out, "\"];\n");
		}
		if (n > MAXSHOWN)
			fprintf(out, "    wait%d_more [shape=plaintext, label=\"and %d more\"];\n", r,
				n - MAXSHOWN);
		if (n)
			fprintf(out, "  }\n");
	}
}

void grt_dump_dot(FILE *out)
{
	lock(&sched.lock);
	lock(&sched.allglock);
	fprintf(out, "digraph grt {\n  compound=true;\n  node [shape=record, fontname=\"Helvetica\", "
		     "fontsize=10];\n");
	for (int32_t i = 0; i < gomaxprocs; i++)
		dumpp(out, allp[i]);
	struct g *gs[64];
	int n = 0;
	for (struct g *gp = sched.runq.head; gp && n < 64; gp = gp->schedlink)
		gs[n++] = gp;
	fprintf(out, "  subgraph cluster_global {\n    label=\"global run queue: %d\";\n",
		atomic_load(&sched.runqsize));
	grecord(out, "global", "head", gs, n);
	fprintf(out, "  }\n");
	for (struct m *mp = sched.allm; mp; mp = mp->alllink)
		dumpm(out, mp);
	dumpwaiting(out);
	fprintf(out, "}\n");
	unlock(&sched.allglock);
	unlock(&sched.lock);
	fflush(out);
}
