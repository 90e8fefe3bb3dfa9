/*
 * symtab.c - the names of functions, for dumps and messages.
 *
 * A goroutine is best known by the function it was started with.  dladdr
 * only sees exported symbols; the executable's own symbol table (.symtab)
 * also names static functions, as gdb does.  It is read once, by mapping
 * /proc/self/exe; a stripped program has none, and its goroutines are
 * named by address.
 */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

static struct {
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strs;
	uintptr_t base; /* where the executable is loaded (PIE) */
} tab;

static int mainbase(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uintptr_t *)data = info->dlpi_addr; /* the first object is the executable */
	return 1;
}

static void symtabload(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	const unsigned char *f = NULL;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(Elf64_Ehdr))
		f = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (!f || f == MAP_FAILED)
		return;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff == 0 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > (size_t)st.st_size)
		return;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		tab.syms = (const Elf64_Sym *)(f + sh[i].sh_offset);
		tab.nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		tab.strs = (const char *)(f + sh[sh[i].sh_link].sh_offset);
	}
	dl_iterate_phdr(mainbase, &tab.base);
}

/* The name of the function that starts exactly at pc, or NULL. */
const char *funcname(uintptr_t pc)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, symtabload);
	for (size_t i = 0; i < tab.nsyms; i++) {
		const Elf64_Sym *s = &tab.syms[i];
		if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_value && tab.base + s->st_value == pc)
			return tab.strs + s->st_name;
	}
	return NULL;
}
