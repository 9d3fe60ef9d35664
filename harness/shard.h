/*
 * shard.h: --shard K/N, a deterministic 1/N slice of the workload x backend
 * matrix, so that N machines (CI runners) can each run a part and
 * `pyprof-bench merge` can put the parts back together.
 *
 * The slicing rule. The cells of the matrix are the selected workloads (after
 * --only-workload) times the selected backends (after --only-backend),
 * numbered workload-major in config order: cell i = wi * NB + bi, where wi is
 * the workload's position among the selected workloads and bi the backend's
 * among the selected backends, C = NW * NB cells in all. Shard K (1-based)
 * owns the cells with floor(i * N / C) == K - 1: N contiguous blocks whose
 * sizes differ by at most one. Contiguous blocks keep the workloads of a shard
 * few, so few baseline runs are repeated. The rule depends only on the config
 * and the selection, never on the machine: a backend that cannot run on a
 * runner is still owned by its shard (a skipped row there).
 *
 * Baselines are not cells: a shard runs the unprofiled in-process baseline
 * of every workload it owns a cell of (the denominator of every overhead and
 * the ground truth of FAE and CE), and the launched baseline of every
 * workload it owns a launcher backend's cell of. Ratios are always taken
 * within one shard: a profiled run and the baseline run of the same round of
 * the same shard.
 */
#ifndef PB_SHARD_H
#define PB_SHARD_H

#include <stddef.h>

struct pb_results;

/* Parse "K/N" (1 <= K <= N <= 100000). 0, or -1 with a message. */
int pb_shard_parse(const char *text, long *k, long *n, char *err, size_t errlen);

/* The shard (1-based) that owns cell (w, b) of res's selection, or 0 when
 * the workload or backend is not selected. */
long pb_shard_of(const struct pb_results *res, size_t w, size_t b);

/* Number of selected cells, C. */
size_t pb_shard_cell_count(const struct pb_results *res);

#endif
