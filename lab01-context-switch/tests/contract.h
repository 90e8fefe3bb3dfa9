/*
 * contract.h - what lab 1's tests share: a first frame entered outside the
 * runtime (test_contract.c), whose alignment test_switch.c checks too.
 */
#ifndef LAB01_CONTRACT_H
#define LAB01_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

/* What first_instruction_probe (probes.S) finds at its first instruction. */
struct first_record {
	uint64_t rsp, rbp, rdi;
	uint32_t mxcsr;
	uint16_t fpucw, pad;
	struct gobuf *back; /* where the probe goes next */
	struct gobuf self;  /* where it saves itself */
};
_Static_assert(offsetof(struct first_record, mxcsr) == 24, "probes.S reads mxcsr at 24");
_Static_assert(offsetof(struct first_record, back) == 32, "probes.S reads back at 32");
_Static_assert(offsetof(struct first_record, self) == 40, "probes.S saves at 40");

/* Build a first frame with gostartcall on a fresh stack whose top is
 * hioff bytes below a page boundary, enter it with gogo from this thread
 * (no scheduler, no goroutine), and fill *rec with what fn found. */
void run_first_frame(struct first_record *rec, int hioff, void *arg);

#endif
