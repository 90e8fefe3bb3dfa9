# The workbook's build.  The two commands that matter:
#
#   make grade [LAB=NN] [REF=1] [SOLUTIONS=1]   grade your labs
#   make test                                   check the whole workbook
#
# Also: make lib (build/libgrt.a), make bench [TREE=1], make clean.
#   make mutants [LAB=NN]   plant each listed bug in the solutions; do the tests catch it? (slow)
#
# Which file of a lab is compiled:
#   default       the working tree (your files) for every lab
#   SOLUTIONS=1   solutions/ for every lab
#   REF=1 LAB=NN  solutions/ for the labs before NN, your files from NN on

# Labs in order, their folders, and the student files of each.
LABS := 01 02
LAB01_DIR := lab01-context-switch
LAB01_FILES := gogo.S gostartcall.c
LAB02_DIR := lab02-runqueues
LAB02_FILES := runq.c

CC ?= cc
CFLAGS ?= -O2 -g
PYTHON ?= python3
ALLCFLAGS := -std=gnu11 -D_GNU_SOURCE -pthread -Iruntime -Wall -Wextra -Werror $(CFLAGS)
LDLIBS := -pthread

# srcdir NN: the folder lab NN's student files come from.
before = $(shell [ "$(1)" -lt "$(2)" ] 2>/dev/null && echo y)
srcdir = $(if $(SOLUTIONS),solutions/$(LAB$(1)_DIR),$(if $(and $(REF),$(LAB),$(call before,$(1),$(LAB))),solutions/$(LAB$(1)_DIR),$(LAB$(1)_DIR)))

CCNAME := $(notdir $(firstword $(CC)))
CONFIG := $(if $(SOLUTIONS),solutions,$(if $(REF),ref$(LAB),tree))
BUILD ?= build/$(CCNAME)-$(CONFIG)

RUNTIME_SRC := $(wildcard runtime/*.c)
RUNTIME_HDR := $(wildcard runtime/*.h)
RUNTIME_OBJ := $(RUNTIME_SRC:runtime/%.c=$(BUILD)/runtime/%.o)

# One object per student file, compiled from the folder srcdir picks.
define labrules
LAB$(1)_OBJ := $$(foreach f,$$(LAB$(1)_FILES),$$(BUILD)/lab$(1)/$$(basename $$(f)).o)
$$(BUILD)/lab$(1)/%.o: $$(call srcdir,$(1))/%.c $$(RUNTIME_HDR) | $$(BUILD)/lab$(1)
	$$(CC) $$(ALLCFLAGS) -c -o $$@ $$<
$$(BUILD)/lab$(1)/%.o: $$(call srcdir,$(1))/%.S $$(RUNTIME_HDR) | $$(BUILD)/lab$(1)
	$$(CC) $$(ALLCFLAGS) -c -o $$@ $$<
$$(BUILD)/lab$(1):
	@mkdir -p $$@
$$(BUILD)/lab$(1)-tests: $$(wildcard $$(LAB$(1)_DIR)/tests/*.[cS]) $$(wildcard $$(LAB$(1)_DIR)/tests/*.h) grader/harness.c grader/harness.h $$(BUILD)/libgrt.a
	$$(CC) $$(ALLCFLAGS) -Igrader -o $$@ $$(filter %.c %.S,$$^) $$(BUILD)/libgrt.a $$(LDLIBS)
endef
$(foreach n,$(LABS),$(eval $(call labrules,$(n))))
LAB_OBJ := $(foreach n,$(LABS),$(LAB$(n)_OBJ))

.PHONY: all lib grade test mutants bench testbin tests clean figures
all: lib

$(BUILD)/runtime/%.o: runtime/%.c $(RUNTIME_HDR) | $(BUILD)/runtime
	$(CC) $(ALLCFLAGS) -c -o $@ $<
$(BUILD)/runtime:
	@mkdir -p $@

$(BUILD)/libgrt.a: $(RUNTIME_OBJ) $(LAB_OBJ)
	@rm -f $@
	ar rcs $@ $^

lib: $(BUILD)/libgrt.a
	cp $< build/libgrt.a

# The test program of lab LAB, or of every lab.
testbin: $(if $(LAB),$(BUILD)/lab$(LAB)-tests,$(foreach n,$(LABS),$(BUILD)/lab$(n)-tests))
	@:

grade:
	@$(PYTHON) grader/grade $(if $(LAB),--lab $(LAB)) $(if $(REF),--ref) $(if $(SOLUTIONS),--solutions)

test:
	@$(PYTHON) grader/check

mutants:
	@$(PYTHON) tools/mutants $(if $(LAB),--lab $(LAB))

bench:
	@$(PYTHON) bench/run $(if $(TREE),--tree)

# The handouts' pictures, from real runs of tools/figures.c on the solutions
# (without thread ids, which change from run to run).
FIGURES := lab01-states lab02-runnext lab02-full lab02-spill
figures:
	@$(MAKE) -s --no-print-directory build/figures/figures
	@for f in $(FIGURES); do \
		lab=$$(echo $$f | cut -c1-5); dir=$$(ls -d $$lab-*)/figures; mkdir -p $$dir; \
		build/figures/figures $$f | sed 's/  thread [0-9]*//' > build/figures/$$f.dot && \
		dot -Tsvg build/figures/$$f.dot > $$dir/$${f#*-}.svg && echo "$$dir/$${f#*-}.svg"; \
	done

build/figures/figures: tools/figures.c $(RUNTIME_SRC) $(RUNTIME_HDR) $(foreach n,$(LABS),solutions/$(LAB$(n)_DIR)/*)
	@$(MAKE) -s --no-print-directory build/figures/libgrt.a BUILD=build/figures SOLUTIONS=1
	$(CC) $(ALLCFLAGS) -o $@ tools/figures.c build/figures/libgrt.a $(LDLIBS)

clean:
	rm -rf build grade-results
