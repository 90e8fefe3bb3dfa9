/*
 * Does GRT_DOT=dir create its folder, parents and all (mkdir -p), and
 * write its snapshots there?
 *
 * want: exit 0
 * stdout: done
 * not-stderr: cannot
 * env: GRT_DOT=@TMP@/not/yet/there
 * env: GRT_DOT_MAX=5
 * files: @TMP@/not/yet/there/000001.dot
 */
#include "check.h"

static void nothing(void *arg)
{
	(void)arg;
}

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_go(nothing, NULL);
	grt_yield();
	printf("done\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
