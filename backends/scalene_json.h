/*
 * scalene_json.h: reading scalene's JSON profile (1.5's and 2.x's) into a
 * report.
 *
 * Both versions give "elapsed_time_sec" and "files": {FILE: {"functions":
 * [{"line": NAME, "lineno": N, "n_cpu_percent_python": P, "n_cpu_percent_c":
 * C, "n_sys_percent": S}, ...]}}, the percentages being shares of the
 * profile's elapsed time. 1.5 names files relative to the working folder,
 * 2.x absolute; 2.x adds "stacks", "memory" and more, ignored here. A method
 * ("Class.method") is named without its class. Each function is an entry
 * (thread 0) with python, native and system seconds = share x elapsed;
 * scalene reports lines, not a call tree, so inclusive = self = their sum.
 *
 * A profile without "files" (scalene writes "{}" when no sample landed) is
 * an error saying so. Returns 0, or -1 with "scalene JSON: ...".
 */
#ifndef PB_SCALENE_JSON_H
#define PB_SCALENE_JSON_H

#include <stddef.h>

#include "../harness/report.h"

int pb_scalene_json_read(const char *text, size_t len, struct pb_report *out, char *err,
                         size_t errlen);

#endif
