/*
 * fault.h: fault injection for the tests, sqlite style. Compiled in only
 * with -DPB_FAULT_INJECTION (the test build, build/test/pyprof-bench-test);
 * in the real binary every hook is a constant 0 and the compiler drops it.
 *
 * The environment variable PB_FAULT selects one fault (workers inherit it):
 *
 *   malloc:config:N   the Nth allocation (pb_xmalloc, pb_xcalloc,
 *                     pb_xrealloc, pb_xstrdup) while the config is loaded
 *                     fails; libyaml's own allocations are not counted
 *   malloc:report:N   the same while the worker collects the backend's
 *                     report (collect(), attribution, sending it)
 *   write:NAME        writing the result file NAME (results.json,
 *                     summary.csv, a chart's .dat or .gp, ...) stops half way
 *                     with ENOSPC, as on a full disk
 *   pipe-close:N      the worker writes half of its Nth message to the
 *                     parent, then closes the pipe (a worker dying mid-write)
 *
 * When a fault fires, one line "pyprof-bench: fault injected: ..." goes to
 * stderr, so that a test can tell a fault that fired from one that did not
 * (N past the last allocation). An unknown PB_FAULT is a fatal error.
 */
#ifndef PB_FAULT_H
#define PB_FAULT_H

#include <stddef.h>

#ifdef PB_FAULT_INJECTION

/* Where allocations are counted for malloc:SCOPE:N. */
enum pb_fault_scope { PB_FAULT_SCOPE_NONE, PB_FAULT_SCOPE_CONFIG, PB_FAULT_SCOPE_REPORT };

/* Enter (or, with PB_FAULT_SCOPE_NONE, leave) a scope. */
void pb_fault_scope(enum pb_fault_scope scope);
/* 1 when this allocation must fail. */
int pb_fault_malloc(size_t n);
/* 1 when writing the file named name (its last path component is compared)
 * must fail with ENOSPC. */
int pb_fault_write(const char *path);
/* 1 when this message must be cut in half and the pipe closed. */
int pb_fault_pipe_close(void);

#else

#define pb_fault_scope(scope) ((void)0)
#define pb_fault_malloc(n) 0
#define pb_fault_write(path) 0
#define pb_fault_pipe_close() 0

#endif

#endif
