/*
 * env.c - settings from the environment, Go-style.
 *
 *   GRT_MAXPROCS=N        the number of Ps (default: the CPUs this process may use)
 *   GRT_MAXTHREADS=N      the most Ms (threads) the runtime may start; one more
 *                         is fatal (default 10000, as Go's SetMaxThreads)
 *   GRT_DEBUG=k=v,...     schedtrace=MS, scheddetail=1 (as Go's GODEBUG);
 *                         unknown keys are ignored, as Go does
 *   GRT_DOT=dir           a Graphviz snapshot at every scheduling event (dir is created)
 *   GRT_DOT_MAX=N         at most N snapshots (default 500)
 *   GRT_FAILDUMP=file     where a failing test or SIGQUIT leaves the picture
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define MAXPROCS_LIMIT 1024

struct debugvars debug = { .dotmax = 500 };

/* A whole number from lo to hi, or a fatal error naming the setting. */
static int64_t number(const char *name, const char *s, int64_t lo, int64_t hi)
{
	char *end;
	long long n = strtoll(s, &end, 10);
	if (end == s || (*end != '\0' && *end != ',') || n < lo || n > hi)
		fatal("%s=%s: want a whole number from %lld to %lld", name, s, (long long)lo, (long long)hi);
	return n;
}

int32_t getmaxprocs(void)
{
	const char *s = getenv("GRT_MAXPROCS");
	if (s && *s)
		return (int32_t)number("GRT_MAXPROCS", s, 1, MAXPROCS_LIMIT);
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
}

int32_t getmaxthreads(void)
{
	const char *s = getenv("GRT_MAXTHREADS");
	return s && *s ? (int32_t)number("GRT_MAXTHREADS", s, 2, 1000000) : 10000;
}

void parsedebugvars(void)
{
	const char *s = getenv("GRT_DEBUG");
	for (; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : "") {
		if (strncmp(s, "schedtrace=", 11) == 0)
			debug.schedtrace = number("GRT_DEBUG schedtrace", s + 11, 0, 3600000);
		else if (strncmp(s, "scheddetail=", 12) == 0)
			debug.scheddetail = (int)number("GRT_DEBUG scheddetail", s + 12, 0, 1);
		else if (strncmp(s, "asyncpreemptoff=", 16) == 0)
			debug.asyncpreemptoff = (int)number("GRT_DEBUG asyncpreemptoff", s + 16, 0, 1);
	}
	if ((s = getenv("GRT_DOT")) && *s)
		debug.dotdir = s;
	dotinit();
	if ((s = getenv("GRT_DOT_MAX")) && *s)
		debug.dotmax = (int)number("GRT_DOT_MAX", s, 1, 1000000);
	if ((s = getenv("GRT_FAILDUMP")) && *s)
		debug.faildump = s;
}
