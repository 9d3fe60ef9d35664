/*
 * results_read.h: reading a results.json back (json_parse.c does the JSON):
 * the check that it is one (schema 1), and the raw runs and metadata turned
 * back into the structures a run fills, so that merge.c can summarise them
 * again with the same code as a run (summary.c).
 */
#ifndef PB_RESULTS_READ_H
#define PB_RESULTS_READ_H

#include <stddef.h>

#include "json_parse.h"
#include "results.h"

/* pb_results_json_load() (compare.h) reads and checks the file itself. */

/* A number member (null and absent are NAN). */
double pb_jval_num(const struct pb_jval *obj, const char *key);

/* The machine object back into a struct pb_sysinfo (missing fields empty). */
void pb_sysinfo_from_json(const struct pb_jval *machine, struct pb_sysinfo *si);

/* Append every run of doc's runs[] to res, mapping workload and backend names
 * to res->cfg's indexes. A run without a "shard" member gets shard. 0, or -1
 * with a message when a run names a workload or backend res->cfg lacks, or is
 * malformed. */
int pb_results_read_runs(const struct pb_jval *doc, struct pb_results *res, long shard,
                         char *err, size_t errlen);

#endif
