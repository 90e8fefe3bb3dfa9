/*
 * slab.h - for the stack cases: make every stack from now on a slab stack
 * (no guard page, a canary zone below it), as it is past the first
 * max_map_count / 4 goroutines.  The runtime's internals, for tests only.
 */
#ifndef RUNTIME_CHECK_SLAB_H
#define RUNTIME_CHECK_SLAB_H

#include "runtime.h"

static inline void slabstacks_from_now(void)
{
	stackstats.guardbudget = atomic_load(&stackstats.nguarded);
}

#endif
