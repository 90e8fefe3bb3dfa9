/*
 * planted.c - tests that misbehave on purpose, to check the grader.
 *
 * Each test does one thing a broken or hostile lab could do: crash, hang,
 * claim a pass it did not earn, flood its output, leave processes behind,
 * eat memory, fork too much.  grader/selftest/run grades them as lab 99
 * of a copy of the workbook (with grader/grade, as any lab), and checks
 * that every outcome and its reason are what they must be, and that
 * nothing survives.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

TEST(passes, 5, 3, "Nothing to fix here.")
{
	CHECK_EQ(4, 2 + 2);
}

TEST(fails_check, 1, 3, "One is not two.")
{
	CHECK_EQ(1, 2);
}

static int *volatile nowhere; /* NULL, but the compiler cannot know */

TEST(crashes, 1, 3, "A write through a null pointer.")
{
	*nowhere = 1;
}

TEST(hangs, 1, 2, "Sleeps until the grader gives up.")
{
	for (;;)
		pause();
}

static void say_everywhere(const char *s)
{
	size_t n = strlen(s);
	for (int fd = 1; fd <= 20; fd++)
		if (write(fd, s, n) < 0) {
		}
}

TEST(prints_fake_pass, 1, 3, "Printing PASS counts for nothing.")
{
	printf("PASS\nPASS deadbeef\n");
	fflush(stdout);
	fprintf(stderr, "PASS\nPASS deadbeef\n");
	/* The result pipe is among these, but the token is not known. */
	say_everywhere("PASS x\n");
	say_everywhere("PASS \n");
	say_everywhere("PASS\n");
	_exit(0);
}

TEST(exits_zero_midway, 1, 3, "Something calls exit(0) before the test is done.")
{
	exit(0);
}

TEST(floods_stdout, 1, 3, "Prints without end.")
{
	static char line[65536];
	memset(line, 'y', sizeof line);
	for (size_t i = 63; i < sizeof line; i += 64)
		line[i] = '\n';
	for (;;)
		if (write(1, line, sizeof line) < 0)
			FAIL("write to stdout failed");
}

/* Sleeps in a session of its own, holding the test's pipes open. */
static noreturn void hide(int report)
{
	if (setsid() < 0)
		_exit(1);
	pid_t me = getpid();
	if (write(report, &me, sizeof me) != sizeof me)
		_exit(1);
	sleep(1000);
	_exit(0);
}

TEST(escapes_with_setsid, 1, 3, "Leaves two processes behind that left its session.")
{
	const char *pidfile = getenv("GRT_SELFTEST_PIDFILE");
	int p[2];
	CHECK(pipe(p) == 0);
	/* One escapes while its parent, the test, is still alive... */
	pid_t a = fork();
	CHECK(a >= 0);
	if (a == 0)
		hide(p[1]);
	/* ...the other is orphaned at once (a double fork). */
	pid_t b = fork();
	CHECK(b >= 0);
	if (b == 0) {
		if (fork() == 0)
			hide(p[1]);
		_exit(0);
	}
	CHECK(waitpid(b, NULL, 0) == b);
	pid_t hidden[2];
	for (int i = 0; i < 2; i++)
		CHECK(read(p[0], &hidden[i], sizeof hidden[i]) == sizeof hidden[i]);
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		CHECK(f != NULL);
		fprintf(f, "%d\n%d\n", (int)hidden[0], (int)hidden[1]);
		CHECK(fclose(f) == 0);
	}
	FAIL("left processes %d and %d behind on purpose", (int)hidden[0], (int)hidden[1]);
}

TEST(eats_memory, 1, 5, "Allocates until stopped (up to 1 GiB, then waits).")
{
	enum { CHUNK = 16 << 20 };
	for (int i = 0; i < 64; i++) {
		char *p = malloc(CHUNK);
		CHECK(p != NULL);
		memset(p, i + 1, CHUNK);
	}
	for (;;)
		pause();
}

TEST(forks_many, 1, 5, "Starts 200 processes that sleep.")
{
	for (int i = 0; i < 200; i++) {
		pid_t pid = fork();
		CHECK_MSG(pid >= 0, "fork number %d failed", i + 1);
		if (pid == 0)
			for (;;)
				pause();
	}
	for (;;)
		pause();
}

void planted_stub(void); /* the lab's student file, stub.c */

TEST(stub_first, 1, 3, "The stub aborts.")
{
	planted_stub();
}

TEST(stub_second, 1, 3, "The stub aborts again.")
{
	planted_stub();
}
