# SPDX-License-Identifier: MIT
# `make` builds the library, the CLI and the examples into $(O)/.
# `make O=build-san SAN=1` builds the same with ASan and UBSan.
O ?= build
CC ?= gcc
PKG_CONFIG ?= pkg-config

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Iinclude -Isrc -Isrc/arch/x86_64
ifeq ($(SAN),1)
CFLAGS_OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
LDFLAGS_SAN := -fsanitize=address,undefined
else
CFLAGS_OPT := -O2
LDFLAGS_SAN :=
endif
CFLAGS_ALL := $(CFLAGS_BASE) $(CFLAGS_OPT) $(CFLAGS)
LIB_CFLAGS := $(CFLAGS_ALL) -fPIC -fvisibility=hidden -I$(O)/gen \
	$(shell $(PKG_CONFIG) --cflags libseccomp libcrypto libbpf)
LIB_LIBS := $(shell $(PKG_CONFIG) --libs libseccomp libcrypto libbpf libdw) -lpthread
CLI_LIBS := $(shell $(PKG_CONFIG) --libs capstone yara)
CLI_CFLAGS := $(shell $(PKG_CONFIG) --cflags capstone yara)

LIB_SRC := $(filter-out %.bpf.c,$(wildcard src/*.c src/*/*.c src/arch/x86_64/*.c))
LIB_OBJ := $(patsubst %.c,$(O)/obj/%.o,$(LIB_SRC))
TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(patsubst %.c,$(O)/obj/%.o,$(TOOL_SRC))
EXAMPLES := $(patsubst examples/%.c,$(O)/examples/%,$(wildcard examples/*.c))
VICTIMS := $(patsubst tests/victims/%.c,$(O)/tests/victims/%,$(wildcard tests/victims/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*.c))
BENCHES := $(patsubst bench/%.c,$(O)/bench/%,$(wildcard bench/*.c))
DEMO := $(O)/demo/jit_demo

all: $(O)/libemt.so $(O)/libemt.a $(O)/emt $(EXAMPLES) $(DEMO)
tests: all $(VICTIMS) $(UNIT_TESTS)
benches: all $(BENCHES) $(VICTIMS)

$(O)/obj/%.o: %.c $(wildcard include/emt/*.h src/*.h src/*/*.h src/arch/x86_64/*.h tools/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(CLI_CFLAGS) -MMD -MP -c $< -o $@

# The call watcher's kernel side: BPF C compiled by clang, embedded in
# the library through the skeleton bpftool writes.
CLANG ?= clang
BPFTOOL ?= bpftool
$(O)/gen/callwatch.bpf.o: src/ptrace/callwatch.bpf.c src/ptrace/callwatch_rec.h
	@mkdir -p $(dir $@)
	$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
		-I/usr/include/$(shell $(CC) -dumpmachine) -Isrc -c $< -o $@

$(O)/gen/callwatch.skel.h: $(O)/gen/callwatch.bpf.o
	$(BPFTOOL) gen skeleton $< name callwatch_bpf > $@.tmp && mv $@.tmp $@

$(O)/obj/src/ptrace/callwatch.o: $(O)/gen/callwatch.skel.h

$(O)/libemt.so: $(LIB_OBJ) src/libemt.map
	$(CC) -shared -Wl,--version-script=src/libemt.map -Wl,-soname,libemt.so.0 \
		$(LDFLAGS_SAN) -o $@ $(LIB_OBJ) $(LIB_LIBS)

$(O)/libemt.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(O)/emt: $(TOOL_OBJ) $(O)/libemt.a
	$(CC) $(LDFLAGS_SAN) -o $@ $(TOOL_OBJ) $(O)/libemt.a $(LIB_LIBS) $(CLI_LIBS)

$(O)/examples/%: examples/%.c $(O)/libemt.a include/emt/emt.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_SAN) -o $@ $< $(O)/libemt.a $(LIB_LIBS)

$(O)/demo/%: demo/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_SAN) -o $@ $<

# Victims are built without sanitizers: they are the traced programs, and
# their behaviour natively is the reference.
$(O)/tests/victims/%: tests/victims/%.c $(wildcard tests/victims/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -O1 -pthread -o $@ $< -ldl $(VICTIM_LDFLAGS)

# Victims whose memory is writable and executable from execve on.
$(O)/tests/victims/exec_stack: VICTIM_LDFLAGS := -z execstack
$(O)/tests/victims/exec_rwx: VICTIM_LDFLAGS := -Wl,--no-warn-rwx-segments

$(O)/tests/unit/%: tests/unit/%.c $(O)/libemt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_SAN) -o $@ $< $(O)/libemt.a $(LIB_LIBS)

# The CLI's JSON writer is tested on its own.
$(O)/tests/unit/test_json: tests/unit/test_json.c $(O)/obj/tools/json.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itools $(LDFLAGS_SAN) -o $@ $^

$(O)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -O2 -pthread -o $@ $<

demo: all
	scripts/demo.sh --no-install

check: tests
	tests/run.sh $(O)

bench: benches
	bench/run.sh $(O)

clean:
	rm -rf build build-san

.PHONY: all tests benches demo check bench clean
-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
