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

	.section .note.GNU-stack,"",@progbits
