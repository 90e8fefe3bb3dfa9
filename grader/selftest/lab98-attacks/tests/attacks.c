/*
 * attacks.c - tests that attack the grader from inside the test process.
 *
 * grader/selftest/run grades them as lab 98 when the grader runs as root,
 * the case for which the grader promises that no test can reach it: each
 * attack must fail as the failure it is, and leave the grader, its output,
 * its files and the machine as they were.  GRT_SELFTEST_TARGETS names files of
 * the grader's (its results, the copy's tests) that the attacks try to
 * write.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <unistd.h>

#include "harness.h"

TEST(signals_the_grader, 1, 5, "Stops, then kills its parent, the grader.")
{
	pid_t grader = getppid();
	int stop = kill(grader, SIGSTOP), e1 = errno;
	int dead = kill(grader, SIGKILL), e2 = errno;
	FAIL("SIGSTOP: %s; SIGKILL: %s", stop ? strerror(e1) : "sent", dead ? strerror(e2) : "sent");
}

TEST(writes_the_graders_files, 1, 5, "Writes the grader's stdout and the files it keeps.")
{
	char path[64], said[600] = "";
	snprintf(path, sizeof path, "/proc/%d/fd/1", (int)getppid());
	const char *targets[8] = { path, "../../lab98-attacks/tests/attacks.c", "../../Makefile" };
	char *list = getenv("GRT_SELFTEST_TARGETS");
	for (int n = 3; list && n < 8; n++) {
		targets[n] = strtok(n == 3 ? list : NULL, ":");
		if (!targets[n])
			break;
	}
	for (int i = 0; i < 8 && targets[i]; i++) {
		int fd = open(targets[i], O_WRONLY | O_APPEND);
		int e = errno;
		if (fd >= 0 && write(fd, "forged: 36/36\n", 14) == 14)
			strcat(said, "wrote ");
		else
			strcat(said, fd < 0 ? strerror(e) : "write failed");
		strcat(said, "; ");
	}
	FAIL("%s", said);
}

TEST(fills_shared_memory, 1, 10, "Fills /dev/shm and a memfd, which resident memory does not show.")
{
	int fd = open("/dev/shm/planted-shm", O_RDWR | O_CREAT, 0600);
	int mfd = memfd_create("planted", 0);
	CHECK(fd >= 0 && mfd >= 0);
	char block[1 << 16];
	memset(block, 7, sizeof block);
	for (int i = 0; i < 4096; i++) /* 256 MiB each, written: no holes */
		if (write(fd, block, sizeof block) < 0 || write(mfd, block, sizeof block) < 0)
			break;
	for (;;)
		pause();
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

TEST(starts_many_threads, 1, 10, "Starts threads until it cannot.")
{
	int n = 0;
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 1 << 16);
	while (n < 20000 && pthread_create(&t, &a, sleeper, NULL) == 0)
		n++;
	FAIL("started %d threads", n);
}

TEST(leaves_files, 1, 5, "Leaves files in /tmp, /dev/shm and /run/lock, and System V IPC objects.")
{
	int a = open("/tmp/planted-left", O_WRONLY | O_CREAT, 0600);
	int b = open("/dev/shm/planted-left", O_WRONLY | O_CREAT, 0600);
	int c = open("/run/lock/planted-left", O_WRONLY | O_CREAT, 0600);
	int shm = shmget(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0600);
	int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	FAIL("left: /tmp %d, /dev/shm %d, /run/lock %d, shm %d, msg %d", a, b, c, shm, msg);
}

TEST(reads_the_environment, 1, 5, "Looks for the grader's secrets in its environment.")
{
	const char *s = getenv("INSTRUCTOR_API_TOKEN");
	FAIL("INSTRUCTOR_API_TOKEN: %s", s ? s : "not set");
}
