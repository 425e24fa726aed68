/* SPDX-License-Identifier: MIT */
/*
 * Reading /proc/PID/{maps,auxv,status} of a traced process. The program
 * controls much of what these files say (file names, the layout of its
 * mappings), so parsing never trusts more than the kernel's own fields:
 * a line is read whole however long its path, and the name of a special
 * mapping is compared exactly, never searched for.
 */
#ifndef EMT_PROCFS_H
#define EMT_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct maps_entry {
	uint64_t start, end;
	int prot;             /* PROT_* */
	bool shared;          /* 's' in the perms column */
	uint64_t offset;
	uint64_t dev;         /* makedev(major, minor) */
	uint64_t ino;
	const char *path;     /* "" for anonymous memory; valid until the
				 next procfs_maps_next */
};

struct maps_reader {
	FILE *f;
	char *line;
	size_t cap;
};

/* 0 or -errno. */
int procfs_maps_open(struct maps_reader *r, pid_t pid);
/* The next mapping; false at the end (or on a line the kernel would never
 * write). */
bool procfs_maps_next(struct maps_reader *r, struct maps_entry *e);
void procfs_maps_close(struct maps_reader *r);
/* The mapping that contains addr, path copied into path (may be NULL).
 * 0, -ENOENT when none does, or -errno. */
int procfs_maps_find(pid_t pid, uint64_t addr, struct maps_entry *e,
		     char *path, size_t path_size);

/* The value of AT_* type in the process's auxiliary vector, 0 if absent. */
/* /proc/PID/NAME opened read-only: an fd, or -errno. */
int procfs_open(pid_t pid, const char *name);

uint64_t procfs_auxv(pid_t pid, uint64_t type);

/* The first number after "Name:" in /proc/PID/status (Tgid, PPid,
 * TracerPid...), or -1. */
long procfs_status_field(pid_t pid, const char *name);

/* How many bytes from start, up to len, are in pages present in memory
 * (/proc/PID/pagemap bit 63), stopping at the first page that is not. */
uint64_t procfs_present_bytes(pid_t pid, uint64_t start, uint64_t len);

/* When the process started, in CLOCK_REALTIME ns; 0 if unknown. */
uint64_t procfs_start_ns(pid_t pid);

/* The state letter of /proc/PID/stat, 0 when the process is gone. */
char procfs_state(pid_t pid);

/* fn(tid) for each thread of pid, until fn returns < 0 (returned then);
 * -ESRCH when pid is gone. */
int procfs_each_task(pid_t pid, int (*fn)(pid_t tid, void *ctx), void *ctx);
/* The name of pid (/proc/PID/comm), "?" when gone. */
void procfs_comm(pid_t pid, char *buf, size_t size);
/* Whether tid is in emt's pid namespace (true when that cannot be read). */
bool procfs_same_pid_ns(pid_t tid);
/* stat(2) of name as thread tid would resolve it (its root, its cwd). */
struct stat;
int procfs_stat_in(pid_t tid, const char *name, struct stat *st);
/* /proc/PID/mem opened for reading and writing: an fd, or -errno. */
int procfs_mem_open(pid_t pid);
/* How many attaches SysV segment shmid has (/proc/sysvipc/shm), or -1. */
long procfs_shm_nattch(uint64_t shmid);

/* procfs_fd.c: fd of pid, through /proc/PID/fd/FD. 0 or -errno. */
int procfs_fd_stat(pid_t pid, int fd, struct stat *st);
/* Its link text, NUL-terminated: the length, or -errno. */
int procfs_fd_link(pid_t pid, int fd, char *buf, size_t size);
bool procfs_fd_on_procfs(pid_t pid, int fd);
/* Whether its file is on a noexec mount. */
bool procfs_fd_noexec(pid_t pid, int fd);
/* Its file opened anew with flags: an fd, or -errno. */
int procfs_fd_reopen(pid_t pid, int fd, int flags);
struct procfs_fdinfo {
	uint64_t pos;         /* file position */
	unsigned int flags;   /* open flags (O_ACCMODE...) */
};
int procfs_fdinfo(pid_t pid, int fd, struct procfs_fdinfo *info);
/* fn(fd) for each fd pid has open. */
int procfs_each_fd(pid_t pid, void (*fn)(int fd, void *ctx), void *ctx);
/* The process whose memory fd writes, when it is a /proc/N/mem or
 * /proc/N/task/M/mem file; else 0. */
pid_t procfs_fd_mem_of(pid_t pid, int fd);
/* The thread whose status file fd shows (".../TID/status" on procfs; its
 * link text in link), or 0. */
pid_t procfs_fd_status_of(pid_t pid, int fd, char *link, size_t size);

#endif
