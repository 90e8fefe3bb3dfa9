/*
 * env.c - settings from the environment, Go-style.
 *
 * GRT_MAXPROCS: the number of Ps (default: the CPUs this process may use).
 */
#include <sched.h>
#include <stdlib.h>

#include "runtime.h"

#define MAXPROCS_LIMIT 1024

int32_t getmaxprocs(void)
{
	const char *s = getenv("GRT_MAXPROCS");
	if (s && *s) {
		char *end;
		long n = strtol(s, &end, 10);
		if (*end != '\0' || n < 1 || n > MAXPROCS_LIMIT)
			fatal("GRT_MAXPROCS=%s: want a whole number from 1 to %d", s, MAXPROCS_LIMIT);
		return (int32_t)n;
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
}
