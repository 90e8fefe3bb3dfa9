/*
 * harness.c - runs one test and reports its outcome to the grader.
 *
 *     prog --list                      one line per test: name TAB points TAB timeout TAB hint
 *     prog --run NAME [--report-fd N]  run one test
 *
 * With --report-fd (the grader's way), fd N is one end of a socket pair:
 * the grader writes a token on it and shuts its side for writing; the
 * harness reads the token to the end, then writes the outcome back as
 * "PASS token" or "FAIL token file:line: what".  The token never appears in
 * the environment or the arguments.  Without --report-fd (a run by hand),
 * the outcome is printed on stderr.  With GRT_FAILDUMP=file, a failing
 * check first draws the scheduler's state there (grt_dump_dot).
 *
 * Do not edit: the grader uses a pristine copy of this file.
 */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Weak: a harness linked without the runtime (the grader's self-test)
 * has no pictures to draw. */
#pragma weak grt_dump_dot

#define MAXTESTS 256

static struct harness_test *tests[MAXTESTS];
static int ntests;
static int resultfd = -1;
static char token[128];
static struct harness_test *current;

void harness_register(struct harness_test *t)
{
	if (ntests == MAXTESTS) {
		fprintf(stderr, "harness: more than %d tests\n", MAXTESTS);
		exit(2);
	}
	tests[ntests++] = t;
}

/* Tests in the order they are written: by file, then line. */
static int bypos(const void *a, const void *b)
{
	const struct harness_test *x = *(struct harness_test *const *)a;
	const struct harness_test *y = *(struct harness_test *const *)b;
	int c = strcmp(x->file, y->file);
	return c ? c : x->line - y->line;
}

static void report(const char *line)
{
	char buf[1024];
	int n;
	if (resultfd >= 0) {
		n = snprintf(buf, sizeof buf, "%s\n", line);
		if (n >= (int)sizeof buf)
			n = sizeof buf - 1;
		if (write(resultfd, buf, n) != n)
			_exit(3);
	} else {
		fprintf(stderr, "%s\n", line);
	}
}

noreturn void harness_fail(const char *file, int line, const char *fmt, ...)
{
	/* The first failure wins; any other thread failing meanwhile waits
	 * for the _exit below to end it. */
	static atomic_flag once = ATOMIC_FLAG_INIT;
	if (atomic_flag_test_and_set(&once))
		for (;;)
			pause();
	char what[700], msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	const char *base = strrchr(file, '/');
	snprintf(msg, sizeof msg, "FAIL %s %s:%d: %s", token, base ? base + 1 : file, line, what);
	/* The scheduler's state at the failure, for the grader to show. */
	const char *dump = getenv("GRT_FAILDUMP");
	FILE *f = dump && grt_dump_dot ? fopen(dump, "w") : NULL;
	if (f) {
		grt_dump_dot(f);
		fclose(f);
	}
	report(msg);
	_exit(1);
}

/* How long a child of a test may take: half of the test's own time, so
 * that a child that hangs is reported by a check, not by the grader's
 * timeout. */
static int child_deadline_ms(void)
{
	const char *s = getenv("GRADER_TIMEOUT_SCALE");
	double scale = s ? atof(s) : 1;
	if (!(scale > 0))
		scale = 1;
	return current ? (int)(current->timeout * scale * 500) : 60000;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int harness_child(void (*fn)(void), char *err, int errcap)
{
	int p[2];
	if (pipe(p) != 0)
		FAIL("pipe: out of file descriptors");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		FAIL("fork failed");
	if (pid == 0) {
		if (resultfd >= 0)
			close(resultfd); /* the child reports nothing to the grader, */
		resultfd = -1;
		unsetenv("GRT_FAILDUMP"); /* nor draws the picture */
		close(p[0]);
		dup2(p[1], 2);
		fn();
		_exit(0);
	}
	close(p[1]);
	int n = 0, left = child_deadline_ms();
	ssize_t r = 1;
	char sink[4096];
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	while (r > 0 && left > 0) {
		long t0 = now_ms();
		if (poll(&pfd, 1, left) == 0)
			break;
		left -= (int)(now_ms() - t0);
		r = read(p[0], n < errcap - 1 ? err + n : sink,
			 n < errcap - 1 ? (size_t)(errcap - 1 - n) : sizeof sink);
		if (r > 0 && n < errcap - 1)
			n += r;
	}
	err[n] = '\0';
	close(p[0]);
	if (r > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		FAIL("the test's child process did not finish within %d ms; its stderr: %s",
		     child_deadline_ms(), err);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
	}
	return status;
}

long harness_rss_kib(void)
{
	long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%ld %ld", &size, &rss) != 2)
		FAIL("cannot read /proc/self/statm");
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s --list | --run TEST [--report-fd N]\n", prog);
	return 2;
}

/* The grader's token: everything on fd until the grader's side shuts. */
static bool read_token(int fd)
{
	size_t n = 0;
	ssize_t r;
	while (n < sizeof token - 1 && (r = read(fd, token + n, sizeof token - 1 - n)) > 0)
		n += r;
	token[n] = '\0';
	if (n == 0 || n == sizeof token - 1) {
		fprintf(stderr, "harness: no token on fd %d\n", fd);
		return false;
	}
	resultfd = fd;
	return true;
}

int main(int argc, char **argv)
{
	qsort(tests, ntests, sizeof tests[0], bypos);
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (int i = 0; i < ntests; i++)
			printf("%s\t%d\t%d\t%s\n", tests[i]->name, tests[i]->points, tests[i]->timeout,
			       tests[i]->hint);
		return 0;
	}
	if ((argc != 3 && !(argc == 5 && strcmp(argv[3], "--report-fd") == 0)) ||
	    strcmp(argv[1], "--run") != 0)
		return usage(argv[0]);
	struct harness_test *t = NULL;
	for (int i = 0; i < ntests; i++)
		if (strcmp(tests[i]->name, argv[2]) == 0)
			t = tests[i];
	if (!t) {
		fprintf(stderr, "%s: no test named %s (--list lists them)\n", argv[0], argv[2]);
		return 2;
	}
	if (argc == 5 && !read_token(atoi(argv[4])))
		return 2;
	current = t;
	t->fn();
	char msg[200];
	snprintf(msg, sizeof msg, "PASS %s", token);
	report(msg);
	_exit(0);
}
