/*
 * reach.h: flat and line-level profiles scored on what they say.
 *
 * A flat profile (scalene's lines) gives a phase whose work is in a callee
 * nothing; the reach map says which phase runs each function, so its
 * entries can be credited to phases (accuracy.h, pb_attribute_flat).
 *
 * Calibration (the parent): once per workload per invocation, before the
 * measured rounds, the runner runs the workload's phases in a worker under
 * the internal backend kind "reach" (backends/reach.c: a C profile function
 * that records, per phase, the code objects whose calls began while it
 * ran, on the main thread and on threads the phase started). The worker
 * writes the map to a file in a private temporary folder of the parent
 * (removed at exit), one function and phase a line, '#' lines comments:
 *
 *     PHASE <TAB> FIRST_LINE <TAB> FUNCTION <TAB> FILE
 *
 * Calibration runs are not results: they are not in the truth, the rounds
 * or the tables; the progress display shows them ("calibrating W ...").
 * Every later worker of that workload whose backend reports gets
 * `--reach-map FILE`, or `--reach-error TEXT` when the calibration failed
 * (flat mapping is then unavailable for the workload; never a failed run).
 *
 * Attribution (the worker): pb_reach_attribute().
 */
#ifndef PB_REACH_H
#define PB_REACH_H

#include <stddef.h>
#include <stdio.h>

#include "accuracy.h"
#include "config.h"
#include "progress.h"
#include "report.h"

struct pb_results;

#define PB_REACH_KIND "reach"

/* ---- parent */

/* Calibrate every selected workload with phases of which this invocation
 * runs a cell of a backend that reports. Stops early when
 * pb_worker_stop_requested is set. Progress goes to prog. */
void pb_reach_calibrate(const struct pb_results *res, struct pb_progress *prog);

/* The calibration of workload w: 1 with *path the map file, or *path NULL
 * and *why the reason it failed; 0 when w was not calibrated. */
int pb_reach_for(const struct pb_workload *w, const char **path, const char **why);

/* ---- worker */

/* Parse a map (format above) into m (empty or already holding functions:
 * the same function's phases are merged). 0, or -1 with "malformed reach
 * map NAME line N" in err. */
int pb_reach_map_parse(struct pb_reach_map *m, FILE *f, const char *name, char *err,
                       size_t errlen);
int pb_reach_map_load(struct pb_reach_map *m, const char *path, char *err, size_t errlen);
/* Add phase p (< PB_MAX_PHASES) to function (file, name, line). */
void pb_reach_map_add(struct pb_reach_map *m, const char *file, const char *name, int line,
                      long p);
void pb_reach_map_release(struct pb_reach_map *m);

/* pb_attribute(), or, when the report is flat and the worker was given a
 * map (map_path) or a calibration failure (map_error), pb_attribute_flat()
 * with the map, adding to the report's note what the mapping did ("flat
 * profile: 2 entries mapped ...", "FAE n/a: ...", "flat profile not mapped:
 * calibration failed: ..."). Both NULL: exactly pb_attribute(). */
void pb_reach_attribute(struct pb_report *r, const struct pb_phase_ident *phases,
                        size_t nphases, const char *map_path, const char *map_error,
                        struct pb_attribution *out);

/* ---- the recorder (backends/reach.c) */

/* The worker announces the phase now running on the main thread (-1 none). */
void pb_reach_set_phase(long phase);

#endif
