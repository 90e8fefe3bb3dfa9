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
 *  - guarded: one mmap per stack, with GUARDSIZE bytes of PROT_NONE below
 *    it.  An overflow faults at once and signal.c reports it.  Detection is
 *    certain for any frame smaller than the guard (64 KiB, as big as the
 *    stack itself); a larger frame (a huge array or alloca) could jump over
 *    it, unless its code was compiled with -fstack-clash-protection, which
 *    touches every page of a big frame in order.  A guard costs address
 *    space only, but it splits the mapping in two, and the kernel allows
 *    vm.max_map_count mappings per process (65,530 by default), so only the
 *    first guardbudget stacks (max_map_count / 4) get one.
 *
 *  - slab: beyond the budget, stacks are carved SLABSTACKS at a time from
 *    one large mapping.  The CANARYZONE bytes just below each stack (the
 *    top of its lower neighbour, which that neighbour never uses) hold a
 *    canary pattern, which the scheduler checks at every switch, with the
 *    saved stack pointer.  Detection is best effort: an overflow is seen
 *    at the goroutine's next switch, after it may have damaged its
 *    neighbour, and only if it wrote into the zone or is still below its
 *    stack then; a frame that jumps over the zone and writes only below it
 *    goes unseen.  A canary detects, a guard prevents; stack-clash probing
 *    does not help here (a probe writes back what it read).
 *
 *    slab:  [page][ stack 0   zone1][ stack 1   zone2][ stack 2 ...
 *                ^lo0                ^lo1 (zone1 is [lo1 - CANARYZONE, lo1))
 *
 *    Keeping the zone in the neighbour's top page (which that neighbour's
 *    first frame touches anyway) keeps a parked goroutine at one page.
 *    A bigger zone would catch more of the frames that skip it, but costs
 *    more at every switch: one cache line adds about 1.5 ns, 256 bytes
 *    about 8 ns, as much as the rest of a switch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime.h"

#define PAGESIZE 4096
#define GUARDSIZE STACKSIZE /* PROT_NONE below a guarded stack */
#define SLABSTACKS 256
#define CANARYZONE 64 /* bytes of canary below each slab stack: one cache line */
#define ZONEWORDS (CANARYZONE / 8)
_Static_assert(CANARYZONE % 16 == 0 && STACKSIZE % 16 == 0, "the zone is read 16 bytes at a time");

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
	uintptr_t v = (uintptr_t)sysmap(GUARDSIZE + STACKSIZE);
	if (mprotect((void *)v, GUARDSIZE, PROT_NONE) != 0)
		fatal("mprotect of a stack guard failed: %s%s", strerror(errno),
		      errno == ENOMEM ? " (the process has as many memory mappings as vm.max_map_count allows: "
					"more than the runtime's budget assumes, as under ThreadSanitizer)" : "");
	atomic_fetch_add(&stackstats.nguarded, 1);
	return (struct stack){ .lo = v + GUARDSIZE, .hi = v + GUARDSIZE + STACKSIZE, .guarded = true };
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
	uint64_t *zone = (uint64_t *)(lo - CANARYZONE);
	for (int i = 0; i < ZONEWORDS; i++)
		zone[i] = STACK_CANARY;
	return (struct stack){ .lo = lo, .hi = lo + STACKSIZE - CANARYZONE, .guarded = false };
}

struct stack stackalloc(void)
{
	/* Racy by a few stacks at most, which the budget's margin absorbs. */
	if (atomic_load(&stackstats.nguarded) < stackstats.guardbudget)
		return guardedalloc();
	return slaballoc();
}

/* This runs at every switch: a word at a time it would cost more than the
 * switch itself, so it compares 16 bytes at a time (SSE2 on x86-64), with
 * no branch until the end. */
typedef uint64_t zonevec __attribute__((vector_size(16), aligned(16)));

static bool zoneintact(uintptr_t lo)
{
	const zonevec *zone = (const zonevec *)(lo - CANARYZONE);
	const zonevec canary = { STACK_CANARY, STACK_CANARY };
	zonevec diff = { 0, 0 };
	for (int i = 0; i < CANARYZONE / 16; i++)
		diff |= zone[i] ^ canary;
	return (diff[0] | diff[1]) == 0;
}

static noreturn __attribute__((noinline, cold)) void stackbad(const struct g *gp, bool zone)
{
	uintptr_t sp = gp->sched.sp, lo = gp->stack.lo, hi = gp->stack.hi;
	long long id = (long long)gp->goid;
	if (zone)
		fatal("goroutine %lld: stack overflow (it wrote into the canary zone below its stack [%#lx, %#lx); "
		      "seen at its next switch, the goroutine below it may be damaged too)",
		      id, (unsigned long)lo, (unsigned long)hi);
	if (sp < lo && lo - sp <= STACKSIZE)
		fatal("goroutine %lld: stack overflow (its stack pointer %#lx was below its stack [%#lx, %#lx) at a switch)",
		      id, (unsigned long)sp, (unsigned long)lo, (unsigned long)hi);
	fatal("goroutine %lld: its saved stack pointer %#lx is outside its stack [%#lx, %#lx) "
	      "(does gogo save rsp at GOBUF_SP?)", id, (unsigned long)sp, (unsigned long)lo, (unsigned long)hi);
}

void stackcheck(const struct g *gp)
{
	uintptr_t lo = gp->stack.lo;
	if (__builtin_expect(gp->sched.sp - lo >= gp->stack.hi - lo, 0)) /* unsigned: below lo too */
		stackbad(gp, false);
	if (!gp->stack.guarded && __builtin_expect(!zoneintact(lo), 0))
		stackbad(gp, true);
}
