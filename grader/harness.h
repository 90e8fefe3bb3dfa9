/*
 * harness.h - the test harness every lab's tests are written against.
 *
 * A test is a function with a name, points, a timeout and a hint:
 *
 *     TEST(args_arrive, 2, 10, "Where does goentry find arg?") {
 *             ...
 *             CHECK_EQ(42, got);
 *     }
 *
 * The test program lists its tests (--list) and runs one (--run NAME).
 * The grader runs each in a fresh process and learns the outcome only
 * through a private pipe (GRT_RESULT_FD, with a token it chose), never
 * from what the program prints: printing "PASS" counts for nothing.
 * A test passes if its function returns; a CHECK that fails, a crash, an
 * exit() or a hang are failures.
 *
 * Do not edit: the grader uses a pristine copy of this file.
 */
#ifndef GRT_HARNESS_H
#define GRT_HARNESS_H

#include <stdnoreturn.h>

#include "grt.h"

struct harness_test {
	const char *name;
	int points;
	int timeout; /* seconds, before GRADER_TIMEOUT_SCALE */
	const char *hint;
	void (*fn)(void);
	const char *file;
	int line;
};

void harness_register(struct harness_test *t);
noreturn void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST(name_, points_, timeout_, hint_)                                         \
	static void test_##name_(void);                                               \
	static struct harness_test harness_##name_ = { #name_,       points_,         \
						       timeout_,     hint_,           \
						       test_##name_, __FILE__,        \
						       __LINE__ };                    \
	__attribute__((constructor)) static void harness_reg_##name_(void)            \
	{                                                                             \
		harness_register(&harness_##name_);                                   \
	}                                                                             \
	static void test_##name_(void)

#define FAIL(...) harness_fail(__FILE__, __LINE__, __VA_ARGS__)

/* Checks, usable from any goroutine or thread. */
#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond))                                                          \
			FAIL("check failed: %s", #cond);                              \
	} while (0)

#define CHECK_MSG(cond, ...)                                                          \
	do {                                                                          \
		if (!(cond))                                                          \
			FAIL(__VA_ARGS__);                                            \
	} while (0)

#define CHECK_EQ(want, got)                                                           \
	do {                                                                          \
		long long w_ = (long long)(want), g_ = (long long)(got);              \
		if (w_ != g_)                                                         \
			FAIL("%s: expected %lld, got %lld", #got, w_, g_);            \
	} while (0)

#define CHECK_LE(got, bound)                                                          \
	do {                                                                          \
		long long g_ = (long long)(got), b_ = (long long)(bound);             \
		if (g_ > b_)                                                          \
			FAIL("%s: expected at most %lld, got %lld", #got, b_, g_);    \
	} while (0)

/* Run fn in a child process (fork, before any runtime start), capturing
 * its stderr.  Returns the wait status; *err gets up to errcap-1 bytes. */
int harness_child(void (*fn)(void), char *err, int errcap);

/* Resident memory of this process, in KiB (from /proc/self/statm). */
long harness_rss_kib(void);

#endif
