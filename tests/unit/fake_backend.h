/* fake_backend.h: a scripted backend for tests. Its report is whatever the
 * test scripted with fake_backend_script() before collect(); create, start
 * and stop do nothing but check they are called in lifecycle order. */
#ifndef FAKE_BACKEND_H
#define FAKE_BACKEND_H

#include <stdint.h>

#include "../../harness/backend.h"

#define FAKE_MAX_ENTRIES 64

/* One scripted report entry. Strings are not copied: they must outlive the
 * collect() that uses them (string literals in practice). */
struct fake_entry {
    const char *file, *name;
    double inclusive_s, self_s;
    double cat_s[PB_CAT_COUNT];
    uint64_t thread;            /* 0 stands for thread 1 */
};

extern const struct pb_backend_ops fake_backend;

/* Entries to report (the array is copied; n <= FAKE_MAX_ENTRIES, or the
 * test aborts), categories is the PB_CAT_BIT mask, total_s the report's
 * total_s (0 = let pb_attribute() sum self seconds). */
void fake_backend_script(const struct fake_entry *e, size_t n, unsigned categories,
                         double total_s);

#endif
