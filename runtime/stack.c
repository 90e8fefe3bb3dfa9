/*
 * stack.c - goroutine stacks.
 *
 * Every goroutine gets STACKSIZE bytes of address space; only the pages it
 * touches cost memory, so a parked goroutine costs about one page.  A stack
 * stays with its G when the G exits (see gfput in proc.c), so a spawn after
 * an exit does not come here at all.
 *
 * Overflow protection comes in two kinds, because guard pages are scarce:
 *
 *  - guarded: one mmap per stack, its lowest page PROT_NONE.  An overflow
 *    faults at once and signal.c reports it.  A guard splits the mapping in
 *    two, and the kernel allows vm.max_map_count mappings per process
 *    (65,530 by default), so only the first guardbudget stacks
 *    (max_map_count / 4) get one.
 *
 *  - slab: beyond the budget, stacks are carved SLABSTACKS at a time from
 *    one large mapping.  The 8 bytes just below each stack (the top of its
 *    lower neighbour, which that neighbour never uses) hold a canary that
 *    the scheduler checks at every switch.  An overflow is reported at the
 *    goroutine's next switch, after it may have damaged its neighbour: a
 *    canary detects, a guard page prevents.
 *
 *    slab:  [page][ stack 0      c][ stack 1      c][ stack 2 ...
 *                ^lo0           ^canary of stack 1 (lo1 - 8)
 *
 *    Keeping the canary in the neighbour's top page (which that neighbour's
 *    first frame touches anyway) keeps a parked goroutine at one page.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime.h"

#define PAGESIZE 4096
#define SLABSTACKS 256
#define STACKTOPRESERVE 16 /* the top of each slab stack: its upper neighbour's canary */

struct stackstats stackstats;

static struct mutex slablock; /* guards the two fields below */
static uintptr_t slabnext;    /* the next unused stack in the current slab */
static int slableft;          /* how many are left there */

void stackinit(void)
{
	long max = 65530;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 65530;
		fclose(f);
	}
	stackstats.guardbudget = max / 4;
}

static void *sysmap(size_t n)
{
	void *v = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (v == MAP_FAILED)
		fatal("out of memory: mmap of %zu bytes for goroutine stacks failed", n);
	atomic_fetch_add(&stackstats.nmmap, 1);
	return v;
}

static struct stack guardedalloc(void)
{
	uintptr_t v = (uintptr_t)sysmap(PAGESIZE + STACKSIZE);
	if (mprotect((void *)v, PAGESIZE, PROT_NONE) != 0)
		fatal("mprotect of a stack guard page failed");
	atomic_fetch_add(&stackstats.nguarded, 1);
	return (struct stack){ .lo = v + PAGESIZE, .hi = v + PAGESIZE + STACKSIZE, .guarded = true };
}

static struct stack slaballoc(void)
{
	lock(&slablock);
	if (slableft == 0) {
		size_t n = PAGESIZE + (size_t)SLABSTACKS * STACKSIZE;
		uintptr_t v = (uintptr_t)sysmap(n);
		/* Huge pages would make each touched page cost 2 MiB. */
		madvise((void *)v, n, MADV_NOHUGEPAGE);
		slabnext = v + PAGESIZE;
		slableft = SLABSTACKS;
	}
	uintptr_t lo = slabnext;
	slabnext += STACKSIZE;
	slableft--;
	unlock(&slablock);
	atomic_fetch_add(&stackstats.nslab, 1);
	*(uint64_t *)(lo - 8) = STACK_CANARY;
	return (struct stack){ .lo = lo, .hi = lo + STACKSIZE - STACKTOPRESERVE, .guarded = false };
}

struct stack stackalloc(void)
{
	/* Racy by a few stacks at most, which the budget's margin absorbs. */
	if (atomic_load(&stackstats.nguarded) < stackstats.guardbudget)
		return guardedalloc();
	return slaballoc();
}

bool stackcheck(const struct g *gp)
{
	return gp->stack.guarded || *(const uint64_t *)(gp->stack.lo - 8) == STACK_CANARY;
}
