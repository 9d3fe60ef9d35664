/*
 * merge.h: `pyprof-bench merge [--out DIR] [--config FILE] [--force] DIR...`
 * puts the result folders of the shards of one sharded run (--shard K/N,
 * shard.h) back into one result set, as if one machine had run the whole
 * matrix: the runs of every shard are read back (results_read.h) and
 * summarised again by summary.c, so the truth is over every shard's baseline
 * runs and each overhead is a ratio to the baseline run of the same round of
 * the same shard.
 *
 * Refused, with a message (exit 2): a folder without a readable results.json;
 * results of different configs (config hash), rounds, warm-up, seed or
 * selection; a shard given twice; shards of different N; a missing shard;
 * results of different machines (CPU model) or Python builds unless force
 * (then a warning, like compare). The config itself is loaded again, from
 * --config or the path the shards recorded, and must have the shards' hash.
 */
#ifndef PB_MERGE_H
#define PB_MERGE_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "results.h"

/* Read the shard folders dirs[0..n) (a folder, or its results.json), load
 * the config (config_path, or NULL for the recorded one) into *cfg and fill
 * *res (initialised here, on *cfg) with the merged runs and metadata, ready
 * for pb_results_summarise(). Warnings go to warn. 0, or -1 with a message
 * in err; on failure *cfg and *res are released. */
int pb_merge_load(const char *const *dirs, size_t n, const char *config_path, int force,
                  struct pb_config *cfg, struct pb_results *res, FILE *warn, char *err,
                  size_t errlen);

#endif
