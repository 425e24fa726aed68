/* SPDX-License-Identifier: MIT */
/*
 * A program with a seccomp filter of its own that sends every mprotect to
 * a supervisor thread (SECCOMP_RET_USER_NOTIF, which outranks a tracer's
 * RET_TRACE); the supervisor lets each one run
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). An mprotect to W+X made that way
 * must still be armed, and the code it makes executable captured.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "victim.h"

static volatile int listener = -1;

static void *supervisor(void *arg)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	(void)arg;
	while (listener < 0)
		usleep(1000);
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			return NULL;
		resp = (struct seccomp_notif_resp){ .id = req.id,
						    .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

static void install(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0)
		victim_die("seccomp");
}

int main(void)
{
	pthread_t th;
	uint8_t *page;

	announce_start();
	page = victim_mmap(NULL, VICTIM_PAGE, PROT_READ | PROT_WRITE, 0);
	/* The supervisor first: pthread_create makes an mprotect of its own,
	 * and the filter (without TSYNC) binds this thread only. */
	pthread_create(&th, NULL, supervisor, NULL);
	install();
	emit_ret_imm(page, 9);
	victim_mprotect(page, VICTIM_PAGE, PROT_RWX);
	announce_code(page, 1, "wx_protect");
	announce_execs(page, 1, 0);
	printf("own notif: %d\n", call_code(page));
	return 0;
}
