# taphub top-level Makefile.
#
#   make            build build/tap (O=dir for another build dir, V=1 verbose)
#   make deps       install the Debian packages we need, mount bpffs/tracefs
#   make run        deps + build + run the shipped demo script
#   make check      deps + dependency check + unit tests (ASan+UBSan) + fuzz smoke + e2e tests
#                   + a few checks on the test bed's other kernel (check-vm)
#   make check-kernels  the whole e2e suite on the test bed's other kernel (hours)
#   make arch       the modules' and files' dependencies (tests/arch/deps.sh)
#   make fuzz-long  each fuzz target for FUZZ_LONG_SECONDS (600), not in check
#   make bench      benchmarks against bpftrace, perf, ftrace and LTTng-UST
#   make compat STAP_SRC=dir  SystemTap's own test scripts: what compiles,
#                   what runs and prints what stap prints (docs/compat.md)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Every library folder is one static library (hub/daemon/ too, apart from
# hub/); each program in tools/ links the ones it uses.

O ?= build
PREFIX ?= /usr/local
DESTDIR ?=
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

CC := gcc
CLANG ?= clang
PKG_CONFIG ?= pkg-config

VERSION := 0.1.0

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-unused-parameter -Werror
BASE_CFLAGS := -std=gnu11 -g -D_GNU_SOURCE -Iinclude -I. \
	-DTAPHUB_VERSION='"$(VERSION)"' $(WARN)
CFLAGS ?= -O2
ALL_CFLAGS := $(BASE_CFLAGS) $(CFLAGS) -MMD -MP
SAN_FLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

LIBBPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
LIBS := $(LIBBPF_LIBS) -lurcu -lurcu-cds -lurcu-common -lz -ldw -lelf -lcrypto -lpthread -ldl -lm

# A module is a folder; its archive is named after it (hub/daemon:
# libhub-daemon.a).
MODULES := compiler guest-runtime relayhost-module hub hub/daemon
SRCS_compiler := $(wildcard compiler/*.c) $(O)/gen/syscalls.c
SRCS_guest-runtime := $(wildcard guest-runtime/*.c)
SRCS_relayhost-module := $(wildcard relayhost-module/*.c)
SRCS_hub := $(wildcard hub/*.c)
SRCS_hub/daemon := $(wildcard hub/daemon/*.c)

objs = $(patsubst %.c,$(1)/obj/%.o,$(patsubst $(O)/gen/%,gen/%,$(SRCS_$(2))))
# $(call lib,DIR,MODULE): the module's archive under DIR
lib = $(1)/lib$(subst /,-,$(2)).a

# What each program links, in link order (users before what they use):
# the client library (hub/) for all, the daemon's (hub/daemon/) for
# taphubd only, the compiler for tap only.
LIBS_tap := hub compiler relayhost-module guest-runtime
LIBS_tapctl := hub relayhost-module guest-runtime
LIBS_tap-read := hub relayhost-module guest-runtime
LIBS_taphubd := hub/daemon hub relayhost-module guest-runtime

# Files embedded into tap: the eBPF-side runtime headers and the tapsets,
# so an installed tap needs nothing beside itself and the cache key covers
# them through the version.
EMBED_FILES := $(sort $(wildcard guest-runtime/bpf/grt_bpf*.h)) include/taphub/record.h \
	include/taphub/stat.h include/taphub/utf8.h guest-runtime/grt_user.h guest-runtime/grt.h \
	$(sort $(wildcard compiler/tapset/*.stp compiler/tapset/*.stpm)) \
	$(O)/gen/tapset/syscall_names.stp \
	$(O)/gen/tapset/errno.stp

TOOLS := tap taphubd tapctl tap-read
# a program's files beside tools/NAME.c (tools/NAME_*.c)
TOOL_OBJS_tapctl := tapctl_service
# dtrace (installed as tap-dtrace) links the compiler's provider-file
# parser only: its own rule, below
PROGS := $(addprefix $(O)/,$(TOOLS)) $(O)/dtrace

.PHONY: all deps run check check-vm check-kernels arch unit e2e e2e-san fuzz fuzz-long bench bench-vm \
	compat install clean format

all: $(PROGS) $(O)/tests/e2e/gen $(O)/tests/e2e/hubconn $(O)/tests/e2e/sdtprog \
	$(O)/tests/e2e/watchprog $(O)/tests/e2e/markprog $(O)/tests/e2e/tapaedit

# ---- libraries ------------------------------------------------------------

# An archive is made again when the Makefile changes: a file moved to
# another module leaves the old archive.
define lib_rules
$(call lib,$(O),$(1)): $(call objs,$(O),$(1)) Makefile
	@mkdir -p $$(@D)
	$(Q)rm -f $$@ && ar rcs $$@ $$(filter %.o,$$^)
$(call lib,$(O)/asan,$(1)): $(call objs,$(O)/asan,$(1)) Makefile
	@mkdir -p $$(@D)
	$(Q)rm -f $$@ && ar rcs $$@ $$(filter %.o,$$^)
endef
$(foreach m,$(MODULES),$(eval $(call lib_rules,$(m))))

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(O)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC-SAN  $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

# ---- embedded files ---------------------------------------------------------

$(O)/gen/embed.S: $(EMBED_FILES) Makefile scripts/embed.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/embed.sh $(EMBED_FILES) > $@

$(O)/gen/tapset/syscall_names.stp: scripts/gen_syscall_tapset.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/gen_syscall_tapset.sh > $@

$(O)/gen/tapset/errno.stp: scripts/gen_errno_tapset.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/gen_errno_tapset.sh > $@

$(O)/gen/syscalls.c: scripts/gen_syscalls.sh
	@mkdir -p $(@D)
	$(Q)sh scripts/gen_syscalls.sh > $@

$(O)/obj/gen/%.o: $(O)/gen/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(O)/asan/obj/gen/%.o: $(O)/gen/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(O)/obj/gen/embed.o: $(O)/gen/embed.S
	@mkdir -p $(@D)
	$(Q)$(CC) -c $< -o $@

$(O)/asan/obj/gen/embed.o: $(O)/gen/embed.S
	@mkdir -p $(@D)
	$(Q)$(CC) -c $< -o $@

# ---- programs ---------------------------------------------------------------

# Generated user code calls grt_* functions resolved against tap at dlopen.
EXPORT := -Wl,--export-dynamic-symbol=grt_*

# tap's runners dlopen guest.so, which calls into guest-runtime: all of it
# goes in (whole archive), for every program alike.
define prog_rules
$(O)/$(1): $(O)/obj/tools/$(1).o $(foreach x,$(TOOL_OBJS_$(1)),$(O)/obj/tools/$(x).o) $(foreach l,$(LIBS_$(1)),$(call lib,$(O),$(l))) $(O)/obj/gen/embed.o
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD      $$@")
	$$(Q)$$(CC) -o $$@ $$< $(foreach x,$(TOOL_OBJS_$(1)),$(O)/obj/tools/$(x).o) $(O)/obj/gen/embed.o -Wl,--whole-archive $(O)/libguest-runtime.a \
		-Wl,--no-whole-archive $(foreach l,$(LIBS_$(1)),$(call lib,$(O),$(l))) $$(EXPORT) $$(LIBS)
$(O)/asan/$(1): $(O)/asan/obj/tools/$(1).o $(foreach x,$(TOOL_OBJS_$(1)),$(O)/asan/obj/tools/$(x).o) $(foreach l,$(LIBS_$(1)),$(call lib,$(O)/asan,$(l))) $(O)/asan/obj/gen/embed.o
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD-SAN  $$@")
	$$(Q)$$(CC) $$(SAN_FLAGS) -o $$@ $$< $(foreach x,$(TOOL_OBJS_$(1)),$(O)/asan/obj/tools/$(x).o) $(O)/asan/obj/gen/embed.o -Wl,--whole-archive \
		$(O)/asan/libguest-runtime.a -Wl,--no-whole-archive \
		$(foreach l,$(LIBS_$(1)),$(call lib,$(O)/asan,$(l))) $$(EXPORT) $$(LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call prog_rules,$(t))))

$(O)/dtrace: $(O)/obj/tools/dtrace.o $(call lib,$(O),compiler)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -o $@ $< $(call lib,$(O),compiler)

$(O)/tests/e2e/gen: tests/e2e/gen.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $<

# SDT markers of known arguments (tests/e2e/sdt.sh); the marker with a
# semaphore is in a shared library beside it, as markers of libraries are.
$(O)/tests/e2e/libsdtprog.so: tests/e2e/sdtprog_sem.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $<

$(O)/tests/e2e/sdtprog: tests/e2e/sdtprog.c $(O)/tests/e2e/libsdtprog.so
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< -L$(O)/tests/e2e -lsdtprog -Wl,-rpath,'$$ORIGIN'

# a global at an address known before it runs (tests/e2e/watch.sh): no PIE
$(O)/tests/e2e/watchprog: tests/e2e/watchprog.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -fno-PIE -no-pie -o $@ $<

# No-trap markers (tests/e2e/marker.sh): built as an application would, with the header only.
$(O)/tests/e2e/markprog: tests/e2e/markprog.c include/taphub/marker.h include/taphub/record.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $<

$(O)/tests/e2e/hubconn: tests/e2e/hubconn.c include/taphub/proto.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $<

# Forged artifacts (tests/e2e/artifact.sh): the hub library's own packer.
$(O)/tests/e2e/tapaedit: tests/e2e/tapaedit.c $(call lib,$(O),hub) $(call lib,$(O),guest-runtime)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(call lib,$(O),hub) $(call lib,$(O),relayhost-module) \
		$(call lib,$(O),guest-runtime) $(LIBS)

# The programs again under ASan+UBSan, for the e2e files run by e2e-san.
SAN_PROGS := $(addprefix $(O)/asan/,$(TOOLS))
.SECONDARY: $(patsubst %,$(O)/asan/obj/tools/%.o,$(TOOLS))

$(O)/asan/tests/e2e/gen: $(O)/tests/e2e/gen
	@mkdir -p $(@D)
	$(Q)cp $< $@

$(O)/asan/tests/e2e/markprog: $(O)/tests/e2e/markprog
	@mkdir -p $(@D)
	$(Q)cp $< $@

# ---- tests --------------------------------------------------------------------

UNIT_SRCS := $(wildcard tests/unit/*/test_*.c tests/unit/*/*/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/asan/tests/unit/%,$(UNIT_SRCS))

# A unit test links only its own module and what that module depends on.
TESTDEPS_compiler := compiler guest-runtime
TESTDEPS_guest-runtime := guest-runtime
TESTDEPS_relayhost-module := relayhost-module guest-runtime
TESTDEPS_hub := hub relayhost-module guest-runtime
TESTDEPS_hub/daemon := hub/daemon hub relayhost-module guest-runtime

define test_rules
$(O)/asan/tests/unit/$(1)/%: tests/unit/$(1)/%.c $(foreach d,$(TESTDEPS_$(1)),$(call lib,$(O)/asan,$(d))) $(O)/asan/obj/gen/embed.o
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  TEST-LD $$@")
	$$(Q)$$(CC) $$(BASE_CFLAGS) $$(SAN_FLAGS) -Itests/unit -o $$@ $$< \
		$$(O)/asan/obj/gen/embed.o $(foreach d,$(TESTDEPS_$(1)),$(call lib,$(O)/asan,$(d))) $$(LIBS) -lcmocka
endef
$(foreach m,$(MODULES),$(eval $(call test_rules,$(m))))

# The class store's test also under ThreadSanitizer (no data race in its
# stress test), and built with each ordering fault injected (RH_STORE_FAULT
# in class_store.c: what a weakly ordered CPU may do without a fence),
# where its stress must find a torn record: x86 alone cannot show that.
STORE_TEST := tests/unit/relayhost-module/test_class_store.c relayhost-module/class_store.c
STORE_TSAN := $(O)/tsan/test_class_store_tsan
STORE_FAULTS := $(O)/fault/test_class_store_late_tail $(O)/fault/test_class_store_early_check

$(STORE_TSAN): $(STORE_TEST)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  TSAN-LD $@")
	$(Q)$(CC) $(BASE_CFLAGS) -O1 -fsanitize=thread -Wno-tsan -o $@ $(STORE_TEST) -lcmocka -lpthread
$(O)/fault/test_class_store_%: $(STORE_TEST)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  FAULT   $@")
	$(Q)$(CC) $(BASE_CFLAGS) -O2 -DRH_STORE_FAULT=RH_STORE_FAULT_$(shell echo $* | tr a-z A-Z) \
		-o $@ $(STORE_TEST) -lcmocka -lpthread

unit: $(UNIT_BINS) $(STORE_TSAN) $(STORE_FAULTS)
	$(Q)sh tests/unit/run.sh $(UNIT_BINS) $(STORE_TSAN)
	$(Q)sh tests/unit/relayhost-module/store_faults.sh $(STORE_FAULTS)

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# A regex's DFA construction runs ~50 times slower under the fuzzer's
# instrumentation: its work budget is a tenth there, to stay clear of the
# per-input timeout (compiler/regex.c, CC_REGEX_MAX_WORK).
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
	-Iinclude -I. -DTAPHUB_VERSION='"$(VERSION)"' -DCC_REGEX_MAX_WORK=2000000

# Fuzz targets link the sources they exercise (the hub only its codec).
FUZZ_SRCS := $(SRCS_compiler) $(SRCS_guest-runtime) hub/proto.c hub/artifact.c hub/artifact_sign.c

$(O)/fuzz/%: tests/fuzz/%.c $(FUZZ_SRCS) $(O)/gen/embed.S
	@mkdir -p $(@D)
	$(if $(Q),@echo "  FUZZ    $@")
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRCS) $(O)/gen/embed.S $(LIBS)

FUZZ_SECONDS ?= 40
fuzz: $(FUZZ_TARGETS)
	$(Q)sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The long run, outside check: one target at a time, one libFuzzer job,
# FUZZ_LONG_SECONDS each, going on from the corpus the last long run grew
# (under build/fuzz/long/), so that the smoke above finds nothing new.
# Keep what it finds (minimized) in tests/fuzz/corpus/NAME/.
FUZZ_LONG_SECONDS ?= 600
fuzz-long: $(FUZZ_TARGETS)
	$(Q)FUZZ_WORK=$(O)/fuzz/long FUZZ_RESUME=1 \
		sh tests/fuzz/run.sh $(FUZZ_LONG_SECONDS) $(FUZZ_TARGETS)

e2e: all
	$(Q)sh tests/e2e/run.sh $(O)

# The hub's e2e files (and tap's own output path, and its parsing of a
# process's files: fileline) once more with the sanitized programs: a UBSan
# or ASan report (halt_on_error) fails the file.
E2E_SAN_FILES ?= hub_session hub_stop hub_recover hub_output hub_relay hub_runner hub_proto service loss \
	hub_functions output btf_user marker hub_marker fileline
e2e-san: $(SAN_PROGS) $(O)/asan/tests/e2e/gen $(O)/asan/tests/e2e/markprog
	$(Q)E2E_ONLY="$(E2E_SAN_FILES)" E2E_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 sh tests/e2e/run.sh $(O)/asan

# The test bed's other kernels (VM_KERNELS, default "debian-6.1 debian-6.12":
# Debian 12's stock kernel and its 6.12 LTS under QEMU, tests/vm/run): check-vm
# a bounded set (a few minutes a kernel), check-kernels that set with the
# loopback NFS mount's checks and then the whole e2e suite (hours under TCG).
# A guest that cannot start fails them (docs/testing.md).
check-vm: all
	$(Q)sh tests/vm/check.sh $(O)

check-kernels: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VM_NFS=1 sh tests/vm/check.sh $(O)
	$(Q)sh tests/vm/check.sh --e2e $(O)

# The modules' and files' dependencies as docs/architecture.md says (a few s).
arch: all
	$(Q)sh tests/arch/deps.sh $(O)

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory arch
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz
	$(Q)$(MAKE) --no-print-directory e2e
	$(Q)$(MAKE) --no-print-directory e2e-san
	$(Q)$(MAKE) --no-print-directory check-vm

deps:
	$(Q)sh scripts/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(O)/tap sessions/examples/topsys.stp

bench: deps
	$(Q)sh scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh bench/run.sh $(O)
	$(Q)sh bench/hub.sh $(O)
	$(Q)sh bench/user.sh $(O)
	$(Q)sh bench/marker.sh $(O)

# kernel.function against bpftrace's fentry/kprobe, on the test bed's 6.1
# kernel (this host has neither): minutes under TCG
bench-vm: all
	$(Q)sh tests/vm/run -- sh bench/kfunc.sh $(O)

# Not in check: it runs for minutes and needs a SystemTap source tree.
compat: deps
	$(Q)test -n "$(STAP_SRC)" || { echo "make compat STAP_SRC=DIR: an extracted SystemTap source tree (docs/compat.md)" >&2; exit 2; }
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/compat/classify.sh $(STAP_SRC) $(O)
	$(Q)sh tests/compat/run.sh $(STAP_SRC) $(O)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(addprefix $(O)/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	# not "dtrace": systemtap-sdt-dev's is /usr/bin/dtrace (docs/probes.md)
	install -m 755 $(O)/dtrace $(DESTDIR)$(PREFIX)/bin/tap-dtrace
	install -d $(DESTDIR)$(PREFIX)/share/taphub/examples $(DESTDIR)$(PREFIX)/share/taphub/flight-recorder
	install -m 644 sessions/examples/*.stp $(DESTDIR)$(PREFIX)/share/taphub/examples/
	install -m 644 sessions/flight-recorder/*.stp $(DESTDIR)$(PREFIX)/share/taphub/flight-recorder/
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	for u in taphubd.service taphub-scripts.service; do \
		sed 's|@BINDIR@|$(PREFIX)/bin|' sessions/systemd/$$u > \
			$(DESTDIR)$(PREFIX)/lib/systemd/system/$$u || exit 1; \
	done
	# the service's layout (docs/service.md); artifacts: root's only
	install -d -m 755 $(DESTDIR)/etc/taphub/script.d $(DESTDIR)/etc/taphub/conf.d \
		$(DESTDIR)/etc/taphub/artifacts

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(O)

# (not $(O)/vm: tests/compat/kernel.sh copies SystemTap's testsuite there, .d files and all)
-include $(shell find $(O) -path $(O)/vm -prune -o -name '*.d' -print 2>/dev/null)
