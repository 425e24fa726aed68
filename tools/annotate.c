/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"
#include "diag.h"

struct annotator {
	struct perfmaps *perfmaps;
	struct yarascan *yara;  /* NULL without --yara */
	struct annotation now;
};

int annotator_open(const char *yara_rules, struct annotator **out)
{
	struct annotator *a = calloc(1, sizeof(*a));
	int rc;

	if (!a || !(a->perfmaps = perfmaps_new())) {
		free(a);
		diag("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (yara_rules && (rc = yarascan_open(yara_rules, &a->yara)) < 0) {
		annotator_close(a);
		return rc;
	}
	*out = a;
	return 0;
}

uint64_t annotate_entry(const struct emt_event *ev)
{
	uint64_t pc = ev->registers.pc;

	return pc >= ev->addr && pc - ev->addr < ev->len ? pc : ev->addr;
}

const struct annotation *annotator_event(struct annotator *a, const struct emt_event *ev)
{
	struct annotation *now = &a->now;

	if (ev->type == EMT_EVENT_PROCESS &&
	    (ev->change == EMT_PROCESS_EXIT || ev->change == EMT_PROCESS_EXECVE))
		perfmaps_forget(a->perfmaps, ev->pid);
	if (ev->type != EMT_EVENT_EXEC || ev->capture_error || !ev->bytes)
		return NULL;
	now->named = annotate_entry(ev);
	now->has_symbol = perfmaps_lookup(a->perfmaps, ev->pid, now->named, &now->symbol) == 0;
	now->scanned = a->yara != NULL;
	if (a->yara)
		yarascan_scan(a->yara, ev->bytes, ev->len, &now->yara);
	return now->has_symbol || now->scanned ? now : NULL;
}

void annotator_close(struct annotator *a)
{
	if (!a)
		return;
	perfmaps_free(a->perfmaps);
	yarascan_close(a->yara);
	free(a);
}
