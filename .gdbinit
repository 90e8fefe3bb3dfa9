# gdb's commands for the runtime (tools/gdb/README.md): info goroutines,
# goroutine N bt, info ps, info ms, grt dot FILE.
#
# gdb reads this file when started in this folder, once allowed to: put
#     add-auto-load-safe-path /path/to/this/folder/.gdbinit
# in ~/.config/gdb/gdbinit (or ~/.gdbinit).  Or, in any gdb session:
#     source tools/gdb/grt.py
source tools/gdb/grt.py
