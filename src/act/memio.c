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
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "act/act.h"
#include "events/events.h"
#include "ptrace/procfs.h"

static int mem_fd(struct proc *p)
{
	if (p->mm->mem_fd < 0) {
		int fd = procfs_mem_open(p->live_tid);

		if (fd < 0)
			return fd;
		p->mm->mem_fd = fd;
	}
	return p->mm->mem_fd;
}

static int proc_mem_io(struct proc *p, uint64_t addr, void *buf, size_t len,
		       bool write)
{
	int fd = mem_fd(p);
	ssize_t n;

	if (fd < 0)
		return fd;
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
	ssize_t n;

	/* process_vm_readv faults a missing page in, and a userfaultfd
	 * makes that wait for the program's handler, which may be waiting
	 * for emt; /proc/PID/mem fails at once instead. */
	if (p->mm->uffd)
		return proc_mem_io(p, addr, buf, len, false);
	n = process_vm_readv(p->live_tid, &local, 1, &remote, 1, 0);

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

int mem_read_string(struct emt_monitor *mon, struct proc *p, uint64_t addr,
		    char *buf, size_t size)
{
	size_t got = 0;

	/* Page by page: the string may end just before an unmapped page. */
	while (got + 1 < size) {
		size_t room = EMT_PAGE_SIZE - ((addr + got) & (EMT_PAGE_SIZE - 1));
		size_t n = room < size - 1 - got ? room : size - 1 - got;
		int rc = mem_read(mon, p, addr + got, buf + got, n);

		if (rc)
			return rc;
		if (memchr(buf + got, '\0', n))
			return 0;
		got += n;
	}
	buf[size - 1] = '\0';
	return -ENAMETOOLONG;
}
