/*
 * asm.h - constants shared by C and assembly (.S files include only this).
 * runtime.h checks each offset against struct gobuf with _Static_assert.
 */
#ifndef GRT_ASM_H
#define GRT_ASM_H

/* struct gobuf, byte by byte */
#define GOBUF_SP 0x00
#define GOBUF_PC 0x08
#define GOBUF_BX 0x10
#define GOBUF_BP 0x18
#define GOBUF_R12 0x20
#define GOBUF_R13 0x28
#define GOBUF_R14 0x30
#define GOBUF_R15 0x38
#define GOBUF_MXCSR 0x40
#define GOBUF_FPUCW 0x44

#endif
