/*
 * probes.S - assembly helpers for lab 1's tests: things C cannot say.
 */
	.text

/*
 * uint64_t regs_survive(void (*fn)(void), uint64_t seed)
 * Fill rbx, rbp, r12-r15 with seed+1 .. seed+6, call fn (which switches
 * goroutines), and return a bit mask of the registers that came back
 * changed: bit 0 rbx, 1 rbp, 2 r12, 3 r13, 4 r14, 5 r15.
 */
	.globl	regs_survive
	.type	regs_survive, @function
regs_survive:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rsi			/* seed; also makes rsp 16-byte aligned */
	leaq	1(%rsi), %rbx
	leaq	2(%rsi), %rbp
	leaq	3(%rsi), %r12
	leaq	4(%rsi), %r13
	leaq	5(%rsi), %r14
	leaq	6(%rsi), %r15
	callq	*%rdi
	movq	(%rsp), %rsi
	xorl	%eax, %eax
	leaq	1(%rsi), %rcx
	cmpq	%rcx, %rbx
	je	1f
	orq	$1, %rax
1:	leaq	2(%rsi), %rcx
	cmpq	%rcx, %rbp
	je	1f
	orq	$2, %rax
1:	leaq	3(%rsi), %rcx
	cmpq	%rcx, %r12
	je	1f
	orq	$4, %rax
1:	leaq	4(%rsi), %rcx
	cmpq	%rcx, %r13
	je	1f
	orq	$8, %rax
1:	leaq	5(%rsi), %rcx
	cmpq	%rcx, %r14
	je	1f
	orq	$16, %rax
1:	leaq	6(%rsi), %rcx
	cmpq	%rcx, %r15
	je	1f
	orq	$32, %rax
1:	popq	%rsi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
	.size	regs_survive, .-regs_survive

/*
 * void entry_rsp_probe(void *out)
 * A goroutine function: store rsp as it is at our first instruction.
 */
	.globl	entry_rsp_probe
	.type	entry_rsp_probe, @function
entry_rsp_probe:
	movq	%rsp, (%rdi)
	ret
	.size	entry_rsp_probe, .-entry_rsp_probe

/*
 * void return_past_frame(void *arg)
 * A goroutine function that drops its own return address and returns
 * through the next word on the stack: past goentry's frame.
 */
	.globl	return_past_frame
	.type	return_past_frame, @function
return_past_frame:
	addq	$8, %rsp
	ret
	.size	return_past_frame, .-return_past_frame

/*
 * The contract of gogo, tested on constructed state:
 *
 * int gogo_probe(struct gobuf *save, struct gobuf *load,
 *                struct regs *in, struct regs *out)
 * Load rbx, rbp, r12-r15, MXCSR and the x87 control word from *in, and
 * call gogo(save, load).  Before the call, store in in->rsp and in->pc
 * what gogo should save as sp and pc.  load->pc should be gogo_landing,
 * which stores every register it arrives with in *out and returns 0 to
 * gogo_probe's caller.  Returns 1 if gogo returned to us (someone loaded
 * *save), 2 if gogo "returned" through load->sp to gogo_ret_trap.
 *
 * struct regs: 0 rbx, 8 rbp, 16 r12, 24 r13, 32 r14, 40 r15, 48 rsp,
 * 56 pc, 64 mxcsr (4), 68 x87 cw (2).
 */
	.bss
	.p2align 3
probe_rsp:	.quad	0		/* gogo_probe's rsp, for the way back */
probe_out:	.quad	0		/* where gogo_landing records */

	.text
	.globl	gogo_probe
	.type	gogo_probe, @function
gogo_probe:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$24, %rsp		/* rsp is now 16-byte aligned */
	stmxcsr	0(%rsp)			/* the caller's control words */
	fnstcw	4(%rsp)
	movq	%rsp, probe_rsp(%rip)
	movq	%rcx, probe_out(%rip)
	movq	%rsp, 48(%rdx)		/* rsp after gogo's ret */
	leaq	1f(%rip), %rax
	movq	%rax, 56(%rdx)		/* gogo's return address */
	ldmxcsr	64(%rdx)
	fldcw	68(%rdx)
	movq	0(%rdx), %rbx
	movq	8(%rdx), %rbp
	movq	16(%rdx), %r12
	movq	24(%rdx), %r13
	movq	32(%rdx), %r14
	movq	40(%rdx), %r15
	callq	gogo
1:	movl	$1, %eax		/* gogo came back to its caller */
	jmp	probe_return
	.size	gogo_probe, .-gogo_probe

	.globl	gogo_landing
	.type	gogo_landing, @function
gogo_landing:
	movq	probe_out(%rip), %rax
	movq	%rbx, 0(%rax)
	movq	%rbp, 8(%rax)
	movq	%r12, 16(%rax)
	movq	%r13, 24(%rax)
	movq	%r14, 32(%rax)
	movq	%r15, 40(%rax)
	movq	%rsp, 48(%rax)
	stmxcsr	64(%rax)
	fnstcw	68(%rax)
	xorl	%eax, %eax
	jmp	probe_return
	.size	gogo_landing, .-gogo_landing

	.globl	gogo_ret_trap
	.type	gogo_ret_trap, @function
gogo_ret_trap:
	movl	$2, %eax
	/* fall through */
probe_return:
	movq	probe_rsp(%rip), %rsp
	ldmxcsr	0(%rsp)
	fldcw	4(%rsp)
	addq	$24, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
	.size	gogo_ret_trap, .-gogo_ret_trap

/*
 * void first_instruction_probe(void *arg)
 * A goroutine function for a gobuf made by gostartcall and entered by a
 * plain gogo, outside the runtime: store what it finds at its first
 * instruction in *first_record (0 rsp, 8 rbp, 16 rdi, 24 mxcsr (4),
 * 28 x87 cw (2)), then gogo(&first_record->self (40), first_record->back
 * (32)): back to the test, touching no C code on the new stack.
 */
	.globl	first_instruction_probe
	.type	first_instruction_probe, @function
first_instruction_probe:
	movq	first_record(%rip), %rax
	movq	%rsp, 0(%rax)
	movq	%rbp, 8(%rax)
	movq	%rdi, 16(%rax)
	stmxcsr	24(%rax)
	fnstcw	28(%rax)
	movq	32(%rax), %rsi
	leaq	40(%rax), %rdi
	callq	gogo
	ud2				/* nobody loads that gobuf again */
	.size	first_instruction_probe, .-first_instruction_probe

	.section .note.GNU-stack,"",@progbits
