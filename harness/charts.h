/*
 * charts.h: gnuplot charts of a run, written next to the result files in
 * OUT/charts/: for each chart a data file (.dat) and a script (.gp) that
 * renders it to PNG (pngcairo) and SVG:
 *
 *   overhead.gp           wall overhead per workload and backend, bars with
 *                         the 95% interval as error bars (log scale when the
 *                         spread needs it)
 *   accuracy-W.gp         workload W: the true python/native/system split
 *                         beside each backend's reported split, stacked bars
 *   tradeoff-W.gp         workload W: overhead against FAE, one point per
 *                         backend
 *   scale-AXIS.gp         workloads named AXIS_NUMBER (depth_1000,
 *                         threads_512): each backend's sampler CPU per
 *                         thread sample and wall overhead against NUMBER
 *
 * Colours are fixed per category and per backend (its position in the
 * config), the same in every chart.
 */
#ifndef PB_CHARTS_H
#define PB_CHARTS_H

#include <stddef.h>

#include "results.h"

/* Write the data files and scripts into dir (created). Returns the number of
 * scripts written, or -1 with a message. */
int pb_charts_write(const struct pb_results *res, const char *dir, char *err, size_t errlen);

/* Render every script in dir with gnuplot when it is on PATH. Returns the
 * number rendered, 0 when gnuplot is not installed, -1 when gnuplot failed
 * (message in err). */
int pb_charts_render(const char *dir, char *err, size_t errlen);

#endif
