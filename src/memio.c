/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing the tracee's memory. process_vm_readv/writev first
 * (one syscall, no ptrace stop needed); /proc/PID/mem as the fallback, since
 * it uses FOLL_FORCE and so reaches pages the process cannot read or write
 * itself (proc(5), "/proc/pid/mem"). A short transfer is an error
 * (-ENODATA), never a truncated capture.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

static int mem_fd(struct proc *p)
{
	char path[64];

	if (p->mm->mem_fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/mem", p->live_tid);
		p->mm->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	}
	return p->mm->mem_fd;
}

static int proc_mem_io(struct proc *p, uint64_t addr, void *buf, size_t len,
		       bool write)
{
	int fd = mem_fd(p);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (write)
		n = pwrite(fd, buf, len, (off_t)addr);
	else
		n = pread(fd, buf, len, (off_t)addr);
	if (n < 0)
		return -errno;
	/* A short transfer is its own error, told apart from EIO. */
	return (size_t)n == len ? 0 : -ENODATA;
}

int mem_read(struct emt_monitor *mon, struct proc *p, uint64_t addr, void *buf,
	     size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(p->live_tid, &local, 1, &remote, 1, 0);

	if (n >= 0 && (size_t)n == len)
		return 0;
	emt_log(mon, EMT_LOG_DEBUG, "process_vm_readv %d 0x%llx: %zd, using /proc/PID/mem",
		p->pid, (unsigned long long)addr, n);
	return proc_mem_io(p, addr, buf, len, false);
}

int mem_write(struct emt_monitor *mon, struct proc *p, uint64_t addr,
	      const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_writev(p->live_tid, &local, 1, &remote, 1, 0);

	if (n >= 0 && (size_t)n == len)
		return 0;
	emt_log(mon, EMT_LOG_DEBUG, "process_vm_writev %d 0x%llx: %zd, using /proc/PID/mem",
		p->pid, (unsigned long long)addr, n);
	return proc_mem_io(p, addr, (void *)buf, len, true);
}

int mem_poke(struct emt_monitor *mon, struct proc *p, uint64_t addr,
	     const void *buf, size_t len)
{
	(void)mon;
	return proc_mem_io(p, addr, (void *)buf, len, true);
}
