# The workbook's build.  The two commands that matter:
#
#   make grade [LAB=NN] [TEST=name] [REF=1] [SOLUTIONS=1]   grade your labs
#   make test                                               check the whole workbook
#
# Also: make lib (build/libgrt.a), make examples ($(BUILD)/examples/), make bench [TREE=1] [LAB=NN],
# make figures, make transcripts, make release, make clean.
#   make mutants [LAB=NN]   plant each listed bug in the solutions; do the tests catch it? (slow)
#   make tsan               the labs' tests under ThreadSanitizer (clang): does anything race?
# WERROR=1 turns warnings into errors (make test does; a student's build does not,
# so that a newer compiler's new warning never stops it).
#
# Which file of a lab is compiled:
#   default       the working tree (your files) for every lab
#   SOLUTIONS=1   solutions/ for every lab
#   REF=1 LAB=NN  solutions/ for the labs before NN, your files from NN on

# The labs, their folders and student files: labs.manifest.
MANIFEST := labs.manifest
LABS := $(shell awk '$$1 == "lab" { print $$2 }' $(MANIFEST))
labdir = $(shell awk -v n=$(1) '$$1 == "lab" && $$2 == n { print $$3 }' $(MANIFEST))
labkey = $(shell awk -v n=$(1) -v k=$(2) '$$1 == "lab" { cur = $$2 } \
	cur == n && $$1 == k { $$1 = ""; print }' $(MANIFEST))
$(foreach n,$(LABS),$(eval LAB$(n)_DIR := $(call labdir,$(n)))$(eval LAB$(n)_FILES := $(call labkey,$(n),files)))

CC ?= cc
CFLAGS ?= -O2 -g
PYTHON ?= python3
ALLCFLAGS := -std=gnu11 -D_GNU_SOURCE -pthread -Iruntime -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes $(if $(WERROR),-Werror) $(CFLAGS)
LDLIBS := -pthread
# LAYOUT: a source the grader links between the harness and the runtime (random padding).
LAYOUT ?=

# Without solutions/ (a student release), say so instead of failing on a missing file.
ifneq ($(SOLUTIONS)$(REF),)
ifeq ($(wildcard solutions),)
ifeq ($(filter grade test release,$(MAKECMDGOALS)),)
$(error solutions/ is not part of this release: SOLUTIONS=1 and REF=1 build from it)
endif
endif
endif

# srcdir NN: the folder lab NN's student files come from.
before = $(shell [ "$(1)" -lt "$(2)" ] 2>/dev/null && echo y)
srcdir = $(if $(SOLUTIONS),solutions/$(LAB$(1)_DIR),$(if $(and $(REF),$(LAB),$(call before,$(1),$(LAB))),solutions/$(LAB$(1)_DIR),$(LAB$(1)_DIR)))

CCNAME := $(notdir $(firstword $(CC)))
CONFIG := $(if $(SOLUTIONS),solutions,$(if $(REF),ref$(LAB),tree))
BUILD ?= build/$(CCNAME)-$(CONFIG)

# The runtime's and the labs' code goes in a section of its own, grt_text,
# whose bounds the linker names __start_grt_text and __stop_grt_text: lab 6
# never preempts a goroutine there (runtime/signal.c).
OBJCOPY ?= objcopy
GRT_TEXT := $(foreach s,.text .text.unlikely .text.hot .text.startup .text.exit,--rename-section $(s)=grt_text,alloc,load,readonly,code,contents)
grttext = $(OBJCOPY) $(GRT_TEXT) $(1)

RUNTIME_SRC := $(wildcard runtime/*.c)
RUNTIME_HDR := $(wildcard runtime/*.h)
RUNTIME_OBJ := $(RUNTIME_SRC:runtime/%.c=$(BUILD)/runtime/%.o)

# One object per student file, compiled from the folder srcdir picks.
define labrules
LAB$(1)_OBJ := $$(foreach f,$$(LAB$(1)_FILES),$$(BUILD)/lab$(1)/$$(basename $$(f)).o)
$$(BUILD)/lab$(1)/%.o: $$(call srcdir,$(1))/%.c $$(RUNTIME_HDR) | $$(BUILD)/lab$(1)
	$$(CC) $$(ALLCFLAGS) -c -o $$@ $$<
	$$(call grttext,$$@)
$$(BUILD)/lab$(1)/%.o: $$(call srcdir,$(1))/%.S $$(RUNTIME_HDR) | $$(BUILD)/lab$(1)
	$$(CC) $$(ALLCFLAGS) -c -o $$@ $$<
	$$(call grttext,$$@)
$$(BUILD)/lab$(1):
	@mkdir -p $$@
# A test file named *_O0.c is compiled alone, without optimization (lab 6's
# leaf function that keeps its locals in the red zone).
LAB$(1)_O0 := $$(patsubst $$(LAB$(1)_DIR)/tests/%.c,$$(BUILD)/lab$(1)-tests.d/%.o,$$(wildcard $$(LAB$(1)_DIR)/tests/*_O0.c))
$$(BUILD)/lab$(1)-tests.d/%_O0.o: $$(LAB$(1)_DIR)/tests/%_O0.c $$(wildcard $$(LAB$(1)_DIR)/tests/*.h) grader/harness.h $$(RUNTIME_HDR)
	@mkdir -p $$(@D)
	$$(CC) $$(ALLCFLAGS) -O0 -Igrader -c -o $$@ $$<
$$(BUILD)/lab$(1)-tests: $$(filter-out %_O0.c,$$(wildcard $$(LAB$(1)_DIR)/tests/*.[cS])) $$(LAB$(1)_O0) $$(wildcard $$(LAB$(1)_DIR)/tests/*.h) grader/harness.c grader/harness.h $$(LAYOUT) $$(BUILD)/libgrt.a
	$$(CC) $$(ALLCFLAGS) -Igrader -o $$@ $$(filter %.c %.S %.o,$$^) $$(BUILD)/libgrt.a $$(LDLIBS)
endef
$(foreach n,$(LABS),$(eval $(call labrules,$(n))))
LAB_OBJ := $(foreach n,$(LABS),$(LAB$(n)_OBJ))

.PHONY: all lib grade test mutants bench testbin objs tests clean figures release transcripts tsan examples
all: lib

$(BUILD)/runtime/%.o: runtime/%.c $(RUNTIME_HDR) | $(BUILD)/runtime
	$(CC) $(ALLCFLAGS) -c -o $@ $<
	$(call grttext,$@)
$(BUILD)/runtime:
	@mkdir -p $@

$(BUILD)/libgrt.a: $(RUNTIME_OBJ) $(LAB_OBJ)
	@rm -f $@
	ar rcs $@ $^

lib: $(BUILD)/libgrt.a
	cp $< build/libgrt.a

# The programs in examples/ (examples/NAME.c or examples/NAME/NAME.c, with
# the headers beside it), linked with this configuration's library:
# $(BUILD)/examples/NAME.
EXAMPLE_SRC := $(wildcard examples/*.c examples/*/*.c)
define examplerule
$$(BUILD)/examples/$$(basename $$(notdir $(1))): $(1) $$(wildcard $$(dir $(1))*.h) $$(RUNTIME_HDR) $$(BUILD)/libgrt.a
	@mkdir -p $$(@D)
	$$(CC) $$(ALLCFLAGS) -o $$@ $$< $$(BUILD)/libgrt.a $$(LDLIBS)
endef
$(foreach s,$(EXAMPLE_SRC),$(eval $(call examplerule,$(s))))
examples: $(foreach s,$(EXAMPLE_SRC),$(BUILD)/examples/$(basename $(notdir $(s))))

# Every object of the library; the grader checks the student's before linking.
objs: $(RUNTIME_OBJ) $(LAB_OBJ)
	@:

# The test program of lab LAB, or of every lab.
testbin: $(if $(LAB),$(BUILD)/lab$(LAB)-tests,$(foreach n,$(LABS),$(BUILD)/lab$(n)-tests))
	@:

grade:
	@$(PYTHON) grader/grade $(if $(LAB),--lab $(LAB)) $(if $(TEST),--test $(TEST)) $(if $(REF),--ref) $(if $(SOLUTIONS),--solutions)

test:
	@$(PYTHON) grader/check

mutants:
	@$(PYTHON) tools/mutants $(if $(LAB),--lab $(LAB))

# The solutions built with clang -fsanitize=thread in build/tsan/, and every
# lab's tests run there but those tools/tsan leaves out (it says why), then
# the workouts, built by the rule below.
tsan:
	@$(PYTHON) tools/tsan $(TEST)

$(BUILD)/tsan-workout: tools/tsan-workout.c $(RUNTIME_HDR) $(BUILD)/libgrt.a
	$(CC) $(ALLCFLAGS) -o $@ $< $(BUILD)/libgrt.a $(LDLIBS)

bench:
	@$(PYTHON) bench/run $(if $(TREE),--tree) $(if $(LAB),--lab $(LAB))

# The handouts' pictures, from real runs of tools/figures.c on the solutions
# (without thread ids, which change from run to run).
FIGURES := lab01-states lab02-runnext lab02-full lab02-spill lab03-steal-before lab03-steal-after lab04-syscall-before lab04-syscall-handoff lab04-syscall-back lab05-netpoll-before lab05-netpoll-parked lab05-netpoll-ready
figures:
	@[ -d solutions ] || { echo "make figures: solutions/ is not part of this release: the handouts' figures are drawn from it (they are in each lab's figures/)"; exit 1; }
	@$(MAKE) -s --no-print-directory build/figures/figures
	@for f in $(FIGURES); do \
		lab=$$(echo $$f | cut -c1-5); dir=$$(ls -d $$lab-*)/figures; mkdir -p $$dir; \
		build/figures/figures $$f | sed 's/  thread [0-9]*//' > build/figures/$$f.dot && \
		dot -Tsvg build/figures/$$f.dot > $$dir/$${f#*-}.svg && echo "$$dir/$${f#*-}.svg"; \
	done

build/figures/figures: tools/figures.c $(RUNTIME_SRC) $(RUNTIME_HDR) $(foreach n,$(LABS),solutions/$(LAB$(n)_DIR)/*)
	@$(MAKE) -s --no-print-directory build/figures/libgrt.a BUILD=build/figures SOLUTIONS=1
	$(CC) $(ALLCFLAGS) -o $@ tools/figures.c build/figures/libgrt.a $(LDLIBS)

# The handouts' transcripts, from real runs (make test checks them).
transcripts:
	@$(PYTHON) tools/transcripts

# What a course hands out: build/release/ (tools/release says what is in it).
release:
	@$(PYTHON) tools/release

clean:
	rm -rf build grade-results
