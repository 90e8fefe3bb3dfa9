/*
 * race.h - goroutine switches, told to ThreadSanitizer (make tsan).
 *
 * TSan (clang -fsanitize=thread) reports two threads that touch the same
 * memory with nothing ordering them.  It knows threads, not goroutines: a
 * gogo swaps stacks under its feet, and a goroutine that resumes on another
 * thread would look like a third party touching its own stack.  So each
 * goroutine and each M's g0 is a TSan "fiber" (gp->racectx), and every gogo
 * is preceded by a switch of fiber.  A switch orders what ran before it on
 * this thread before what runs after it, as gogo does; a goroutine that
 * moves between threads is ordered only by what the scheduler did to hand
 * it over (the run queues' atomics, the locks): that is what TSan checks.
 *
 * In TSan's reports a goroutine is a "thread" with tid=0, created at the
 * grt_go that started it.  Go's names where Go has one (racegostart,
 * racegoend, racectx).  In any build without TSan these are empty, and
 * the compiler drops them.
 */
#ifndef GRT_RACE_H
#define GRT_RACE_H

#include "runtime.h"

#if defined(__SANITIZE_THREAD__) /* gcc */
#define GRT_RACE 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) /* clang */
#define GRT_RACE 1
#endif
#endif

#ifdef GRT_RACE
#include <sanitizer/tsan_interface.h>

/* A fiber for a goroutine about to start (a recycled G got a new one). */
static inline void racegostart(struct g *gp)
{
	if (!gp->racectx)
		gp->racectx = __tsan_create_fiber(0);
}

/* gp has exited; we run on g0, so its fiber is not the current one. */
/* gp has exited; we run on g0, so its fiber is not the current one. */
static inline void racegoend(struct g *gp)
{
	__tsan_destroy_fiber(gp->racectx);
	gp->racectx = NULL;
}

/* An M's g0 is the thread's own fiber. */
static inline void racemstart(struct m *mp)
{
	mp->g0->racectx = __tsan_get_current_fiber();
}

/* Just before gogo loads to's registers; flags 0: order the two. */
static inline void raceswitch(struct g *to)
{
	__tsan_switch_to_fiber(to->racectx, 0);
}
#else
static inline void racegostart(struct g *gp) { (void)gp; }
static inline void racegoend(struct g *gp) { (void)gp; }
static inline void racemstart(struct m *mp) { (void)mp; }
static inline void raceswitch(struct g *to) { (void)to; }
#endif

#endif
