/*
 * Lab 5's direct tests of timer.c: a goroutine adds timers far in the
 * future, so that nothing runs them behind its back, looks at its P's
 * heap, and runs them itself with checkTimers at a clock reading it
 * chooses.  Do not edit: the grader uses a pristine copy of this folder.
 */
#include "nettest.h"

#define NT 1000
#define HOUR (3600 * 1000 * MS)

static struct timer ts[NT];
static int order[NT], norder;
static uintptr_t seqs[NT];

static void record(void *arg, uintptr_t seq)
{
	struct timer *t = arg;
	seqs[t - ts] = seq;
	order[norder++] = (int)(t - ts);
}

/* Is pp's heap a heap, with every timer knowing its slot and its P? */
static const char *heapbad(struct p *pp, int32_t *at)
{
	for (int32_t i = 0; i < pp->ntimers; i++) {
		struct timer *t = pp->timers[i];
		*at = i;
		if (t->index != i)
			return "t->index is not the timer's slot in pp->timers";
		if (atomic_load(&t->pp) != pp)
			return "t->pp does not name the P whose heap holds it";
		if (i > 0 && pp->timers[(i - 1) / 2]->when > t->when)
			return "a timer's when is earlier than its parent's (slot (i - 1) / 2): not a min-heap";
	}
	return NULL;
}

static void checkheap(struct p *pp, const char *when)
{
	int32_t at = 0;
	const char *bad = heapbad(pp, &at);
	CHECK_MSG(!bad, "%s: slot %d of the heap: %s", when, at, bad);
	int64_t w0 = pp->ntimers ? pp->timers[0]->when : 0;
	CHECK_MSG(atomic_load(&pp->timer0When) == w0, "%s: timer0When is %lld, the heap's first when is %lld (0 if "
		  "empty)", when, (long long)atomic_load(&pp->timer0When), (long long)w0);
}

static void heap_main(void *arg)
{
	(void)arg;
	struct p *pp = getm()->p;
	int64_t base = grt_nanotime() + HOUR;
	int32_t n0 = atomic_load(&sched.ntimers);
	srand(5);
	for (int i = 0; i < NT; i++) {
		ts[i] = (struct timer){ .when = base + (rand() % 100000) * 1000LL, .f = record, .arg = &ts[i],
					.seq = 7000 + i };
		addtimer(&ts[i]);
		CHECK_MSG(getm()->p == pp, "addtimer switched goroutines");
	}
	CHECK_MSG(pp->ntimers == NT, "after %d addtimer calls, the P's heap holds %d timers", NT, pp->ntimers);
	checkheap(pp, "after 1000 addtimer calls");
	CHECK_MSG(atomic_load(&sched.ntimers) - n0 == NT, "after %d addtimer calls, sched.ntimers went up by %d: "
		  "each pending timer counts (checkdead reads it)", NT, atomic_load(&sched.ntimers) - n0);
	/* Take out every third, from anywhere in the heap. */
	int ndel = 0;
	for (int i = 0; i < NT; i += 3) {
		CHECK_MSG(deltimer(&ts[i]), "deltimer of a pending timer (number %d) returned false", i);
		CHECK_MSG(atomic_load(&ts[i].pp) == NULL, "deltimer left t->pp set: the timer is no longer pending");
		ndel++;
	}
	CHECK_MSG(!deltimer(&ts[0]), "deltimer of a timer already deleted returned true");
	CHECK_MSG(pp->ntimers == NT - ndel, "after %d deltimer calls, the heap holds %d timers, not %d", ndel,
		  pp->ntimers, NT - ndel);
	checkheap(pp, "after deltimer of every third timer");
	CHECK_MSG(atomic_load(&sched.ntimers) - n0 == NT - ndel, "after deltimer, sched.ntimers counts %d timers "
		  "of ours, not %d", atomic_load(&sched.ntimers) - n0, NT - ndel);
	/* Nothing is due an hour early. */
	CHECK_MSG(checkTimers(pp, base - 1) == atomic_load(&pp->timer0When) && norder == 0,
		  "checkTimers before any when ran %d timers, or did not return the next when", norder);
	/* Half the range: the earlier half runs, in order. */
	int64_t mid = base + 50000 * 1000LL;
	int64_t next = checkTimers(pp, mid);
	checkheap(pp, "after checkTimers ran the due timers");
	for (int k = 0; k < norder; k++) {
		int i = order[k];
		CHECK_MSG(i % 3 != 0, "checkTimers ran timer %d, which deltimer had taken out", i);
		CHECK_MSG(ts[i].when <= mid, "checkTimers(now) ran a timer whose when is after now");
		CHECK_MSG(k == 0 || ts[order[k - 1]].when <= ts[i].when, "checkTimers ran timers out of order: "
			  "when %lld before when %lld", (long long)ts[order[k - 1]].when, (long long)ts[i].when);
		CHECK_MSG(seqs[i] == (uintptr_t)(7000 + i), "a timer's f got seq %lu, not the timer's own (%d)",
			  (unsigned long)seqs[i], 7000 + i);
		CHECK_MSG(atomic_load(&ts[i].pp) == NULL, "a timer that ran still has t->pp set");
	}
	int due = 0;
	for (int i = 0; i < NT; i++)
		due += i % 3 != 0 && ts[i].when <= mid;
	CHECK_MSG(norder == due, "checkTimers ran %d timers; %d were due", norder, due);
	CHECK_MSG(next == atomic_load(&pp->timer0When) && next > mid, "checkTimers returned %lld, not the next when "
		  "in the heap (%lld)", (long long)next, (long long)atomic_load(&pp->timer0When));
	CHECK_MSG(atomic_load(&sched.ntimers) - n0 == NT - ndel - due, "a timer that ran still counts in "
		  "sched.ntimers");
	/* The rest. */
	checkTimers(pp, base + HOUR);
	CHECK_MSG(norder == NT - ndel && pp->ntimers == 0 && atomic_load(&pp->timer0When) == 0,
		  "after checkTimers past every when: %d of %d timers ran, %d left in the heap, timer0When %lld",
		  norder, NT - ndel, pp->ntimers, (long long)atomic_load(&pp->timer0When));
}

TEST(timer_heap, 5, 20,
     "1,000 timers added to one P, a third deleted: is the P's heap a min-heap with timer0When at its root, "
     "and does checkTimers run the due ones, in order, once?")
{
	maxprocs("1");
	grt_main(heap_main, NULL);
}

/* ---- the other Ps' timers ---- */

static int ran_other;
static void count(void *arg, uintptr_t seq)
{
	(void)arg;
	(void)seq;
	ran_other++;
}

static void steal_main(void *arg)
{
	(void)arg;
	struct p *pp = getm()->p;
	struct p *other = allp[0] == pp ? allp[1] : allp[0];
	int64_t now = grt_nanotime();
	static struct timer a, b;
	a = (struct timer){ .when = now + HOUR, .f = count };
	b = (struct timer){ .when = now + 2 * HOUR, .f = count };
	addtimer(&b);
	addtimer(&a);
	CHECK_MSG(timeSleepUntil() == now + HOUR, "timeSleepUntil() is %lld ns from now with timers at 1 h and 2 h: "
		  "it is the earliest when of every P", (long long)(timeSleepUntil() - now));
	/* The other P's heap, as timeSleepUntil sees it: its root's when. */
	atomic_store(&other->timer0When, now + 3 * HOUR);
	int64_t w3 = timeSleepUntil();
	atomic_store(&other->timer0When, now + HOUR / 2);
	int64_t w05 = timeSleepUntil();
	atomic_store(&other->timer0When, 0);
	CHECK_MSG(w3 == now + HOUR && w05 == now + HOUR / 2, "with P%d's first timer at 1 h and P%d's at 3 h, then "
		  "30 min, timeSleepUntil() said %lld s, then %lld s: the earliest of all Ps", pp->id, other->id,
		  (long long)((w3 - now) / 1000000000), (long long)((w05 - now) / 1000000000));
	CHECK_MSG(!stealTimers(pp, now + 3 * HOUR) && ran_other == 0,
		  "stealTimers(pp) ran pp's own timers: it runs the other Ps' (pp's are checkTimers')");
	CHECK_MSG(stealTimers(other, now + HOUR) && ran_other == 1, "stealTimers(P%d) at the first when ran %d of "
		  "P%d's timers, not 1 (and must return true)", other->id, ran_other, pp->id);
	CHECK_MSG(!stealTimers(other, now + HOUR + 1) && ran_other == 1,
		  "stealTimers returned true, or ran a timer, with none due");
	deltimer(&b);
	CHECK_MSG(timeSleepUntil() == 0, "timeSleepUntil() is %lld with no timer anywhere: 0 says none",
		  (long long)timeSleepUntil());
}

TEST(timer_other_ps, 3, 20,
     "2 Ps; a goroutine's P holds timers at 1 h and 2 h. What are the earliest when of all (timeSleepUntil), "
     "and which timers does stealTimers run, for which P?")
{
	maxprocs("2");
	grt_main(steal_main, NULL);
}
