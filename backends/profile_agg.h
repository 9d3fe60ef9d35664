/*
 * profile_agg.h: a report built entry by entry from a tool's output, one
 * entry per (file, function, line, thread) found through a hash table, for
 * the parsers of tools' files (chrome_trace.c, scalene_json.c).
 */
#ifndef PB_PROFILE_AGG_H
#define PB_PROFILE_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "../harness/report.h"

struct pb_agg {
    struct pb_report *out;      /* entries are appended here */
    size_t *slots;              /* entry index + 1, 0 = empty */
    size_t nslots;
};

void pb_agg_init(struct pb_agg *a, struct pb_report *out);
/* The entry for this key, added (times 0) on first sight. */
struct pb_report_entry *pb_agg_entry(struct pb_agg *a, const char *file, int line,
                                     const char *name, uint64_t thread);
void pb_agg_release(struct pb_agg *a);

#endif
