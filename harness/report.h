/*
 * report.h: the normalised profile every backend produces.
 *
 * One entry per (function, thread). Times are seconds of the measured
 * region. A backend fills what it knows and leaves the rest at its initial
 * value (0, or NAN for per-category seconds it cannot tell apart).
 */
#ifndef PB_REPORT_H
#define PB_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "category.h"

struct pb_report_entry {
    char *file;                     /* code file as the backend saw it, owned */
    char *name;                     /* function name, owned */
    int line;                       /* first line, 0 when unknown */
    uint64_t thread;                /* thread identity (native TID), 0 unknown */
    double inclusive_s;             /* time in this function and what it calls;
                                       recursion counted once */
    double self_s;                  /* time in this function itself */
    double cat_s[PB_CAT_COUNT];     /* self seconds per category */
    uint64_t count;                 /* calls (tracing) or samples (sampling) */
};

struct pb_report {
    struct pb_report_entry *entries;
    size_t count, alloc;
    /* Every second the backend attributed in the region, all threads and all
     * functions. When left at 0 it is computed as the sum of self_s. */
    double total_s;
    /* Categories this report tells apart (PB_CAT_BIT mask); 0 for none. */
    unsigned categories;
    /* Free-form note the backend wants in the results (owned, may be NULL),
     * for example "internal error: out of memory at event 123". */
    char *note;
    /* A sampler's own cost, when it can be told apart from the program's:
     * the CPU seconds its sampling took (its thread, or the launched tool's
     * process) and the thread samples (stacks) that CPU bought. NAN when
     * not known (pb_report_init). */
    double sampler_cpu_s, samples;
};

void pb_report_init(struct pb_report *r);
/* Append an entry (strings copied). Returns the new entry, cat_s set to 0. */
struct pb_report_entry *pb_report_add(struct pb_report *r, const char *file, int line,
                                      const char *name, uint64_t thread);
void pb_report_set_note(struct pb_report *r, const char *note);
/* Append text to the note ("old; text"): the harness's own messages never
 * replace the backend's. */
void pb_report_add_note(struct pb_report *r, const char *text);
/* Sum of self_s over entries. */
double pb_report_self_total(const struct pb_report *r);
void pb_report_release(struct pb_report *r);
/* Is the report usable? Every time finite and not negative (a rounding
 * error of a microsecond is tolerated), per-category seconds NAN or so, the
 * category mask within PB_CAT_ALL. 0, or -1 with what is wrong. */
int pb_report_check(const struct pb_report *r, char *err, size_t errlen);

#endif
