/*
 * check.h - what the programs of tools/runtime-checks share.
 *
 * Each program in this folder is one case.  Its opening comment asks the
 * question it answers, then says what the runner expects, one line each:
 *
 *     want: exit 0 | fatal        the exit status (fatal: non-zero or a signal)
 *     stderr: TEXT                TEXT appears on stderr (any number of lines)
 *     not-stderr: TEXT            TEXT does not
 *     stdout: TEXT                TEXT appears on stdout
 *     within: SECONDS             the process ends this soon after deadlock_begins()
 *     faildump: TEXT              GRT_FAILDUMP is written, a graph titled TEXT
 *     env: NAME=VALUE             set for the run
 */
#ifndef RUNTIME_CHECK_H
#define RUNTIME_CHECK_H

#include <stdio.h>

#include "grt.h"

/* Tell the runner when the program stops being able to make progress. */
static inline void deadlock_begins(void)
{
	printf("deadlock-at %lld\n", (long long)grt_nanotime());
	fflush(stdout);
}

#endif
