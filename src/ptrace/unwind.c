/* SPDX-License-Identifier: MIT */
/*
 * libdw walks the stack: dwfl_linux_proc_report() reads /proc/PID/maps for
 * the files mapped, and the thread callbacks below give it the registers
 * emt read and the memory of the stopped thread. Each unwind reports the
 * maps again (dwfl_report_begin .. dwfl_report_end keep the modules that
 * did not change, with the ELF files and CFI already read), so a library
 * loaded or unloaded since is seen. No separate debug information is
 * looked for: that could mean a network fetch (debuginfod).
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptrace/unwind.h"

struct unwinder {
	pid_t pid;
	Dwfl *dwfl;
	bool attached;
	/* The thread being unwound and where from (the thread callbacks'
	 * argument). */
	pid_t tid;
	Dwarf_Word regs[ARCH_DWARF_REGS];
	const struct unwind_reader *rd;
	/* Filled by the frame callback. */
	struct emt_frame *frames;
	size_t n, max;
};

static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc, (void)debuginfo_file_name;
	return -1;
}

/* The file named in the maps, opened without blocking and only if it is
 * a regular file: the program can put a FIFO or a device in its place
 * after mapping it, and dwfl_linux_proc_find_elf() checks with stat()
 * before an open() that would then block emt for ever. A deleted file is
 * read from the process's memory, as libdw does. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	const char *deleted = strrchr(name, ' ');
	struct stat st;
	int fd;

	if (name[0] != '/' || (deleted && strcmp(deleted, " (deleted)") == 0))
		return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
	fd = open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	*file_name = strdup(name);
	return fd;
}

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = no_debuginfo,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	struct unwinder *u = arg;

	(void)dwfl;
	if (*thread_arg)
		return 0;
	*thread_arg = u;
	return u->tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg)
{
	struct unwinder *u = arg;

	(void)dwfl;
	*thread_arg = u;
	return tid == u->tid;
}

/* The thread is stopped in emt's hands: its memory reads as it is. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;

	(void)dwfl;
	return u->rd->read(u->rd->ctx, addr, result, sizeof(*result)) == 0;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct unwinder *u = thread_arg;

	return dwfl_thread_state_registers(thread, 0, ARCH_DWARF_REGS, u->regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

struct unwinder *unwind_new(pid_t pid)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->pid = pid;
	u->dwfl = dwfl_begin(&proc_callbacks);
	if (!u->dwfl) {
		free(u);
		return NULL;
	}
	return u;
}

void unwind_free(struct unwinder *u)
{
	if (!u)
		return;
	dwfl_end(u->dwfl);
	free(u);
}

pid_t unwind_pid(const struct unwinder *u)
{
	return u->pid;
}

static bool report(struct unwinder *u)
{
	dwfl_report_begin(u->dwfl);
	if (dwfl_linux_proc_report(u->dwfl, u->pid) != 0) {
		dwfl_report_end(u->dwfl, NULL, NULL);
		return false;
	}
	if (dwfl_report_end(u->dwfl, NULL, NULL) != 0)
		return false;
	if (!u->attached)
		u->attached = dwfl_attach_state(u->dwfl, NULL, u->pid, &thread_callbacks, u);
	return u->attached;
}

/* src, cut to size, with anything but printable ASCII written '?'. */
static void copy_printable(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; src[n] && n + 1 < size; n++)
		dst[n] = src[n] >= 0x20 && src[n] < 0x7f ? src[n] : '?';
	dst[n] = '\0';
}

static void name_frame(struct unwinder *u, uint64_t pc, bool caller, struct emt_frame *frame)
{
	/* A return address may be just past the function that called: its
	 * call is the byte before. */
	Dwarf_Addr at = caller && pc ? pc - 1 : pc;
	Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, at);
	const char *file = NULL, *sym;
	Dwarf_Addr start = 0;
	GElf_Off off = 0;
	GElf_Sym s;

	memset(frame, 0, sizeof(*frame));
	frame->pc = pc;
	if (!mod)
		return;
	dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, &file, NULL);
	copy_printable(frame->module, sizeof(frame->module), file ? file : "");
	sym = dwfl_module_addrinfo(mod, at, &off, &s, NULL, NULL, NULL);
	if (sym) {
		copy_printable(frame->symbol, sizeof(frame->symbol), sym);
		frame->offset = off + (at != pc);
	} else {
		frame->offset = pc - start;
	}
}

static int on_frame(Dwfl_Frame *state, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation) || !pc)
		return DWARF_CB_ABORT;
	/* The first is the caller emt gave: its pc is a return address. */
	name_frame(u, pc, u->n == 1 || !activation, &u->frames[u->n]);
	u->n++;
	return u->n < u->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

size_t unwind_frames(struct unwinder *u, pid_t tid, uint64_t pc, const uint64_t *caller,
		     const struct unwind_reader *rd, struct emt_frame *frames, size_t max)
{
	bool reported = report(u);

	if (!max)
		return 0;
	/* Named even when the maps could not be read: the address is known. */
	name_frame(u, pc, false, &frames[0]);
	if (!reported || !caller || max == 1)
		return 1;
	u->tid = tid;
	u->rd = rd;
	memcpy(u->regs, caller, sizeof(u->regs));
	u->frames = frames;
	u->n = 1;
	u->max = max;
	/* It stops where the unwinding fails (no CFI, no frame pointer):
	 * the frames found so far are kept. */
	dwfl_getthread_frames(u->dwfl, tid, on_frame, u);
	return u->n;
}
