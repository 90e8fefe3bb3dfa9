/* stub.c - lab 99's student file, as shipped: what a lab's stub prints before it aborts. */
#include "runtime.h"

void planted_stub(void);

void planted_stub(void)
{
	stub_abort("lab99-planted", "stub.c", "planted_stub");
}
