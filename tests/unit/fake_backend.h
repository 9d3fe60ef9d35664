/* fake_backend.h: a scripted backend for tests. Its report is whatever the
 * test scripted with fake_backend_script() before collect(). */
#ifndef FAKE_BACKEND_H
#define FAKE_BACKEND_H

#include "../../harness/backend.h"

struct fake_entry {
    const char *file, *name;
    double inclusive_s, self_s;
    double cat_s[PB_CAT_COUNT];
};

extern const struct pb_backend_ops fake_backend;
/* Entries to report (copied); categories is the PB_CAT_BIT mask. */
void fake_backend_script(const struct fake_entry *e, size_t n, unsigned categories,
                         double total_s);

#endif
