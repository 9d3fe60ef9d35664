/* fuzz_paper.c: libFuzzer target for a paper table's data file (paper.h,
 * pb_paper_parse). Any input must be accepted or refused with a message
 * naming the file, never crash; an accepted file has a citation, 1 to
 * PB_PAPER_MAX_ROWS rows, each with a profiler name, a finite median > 0 and
 * a max that is NAN or finite > 0. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/paper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pb_paper paper;
    char err[512];
    err[0] = '\0';
    if (pb_paper_parse("fuzz.txt", (const char *)data, size, &paper, err, sizeof(err)) < 0) {
        if (strncmp(err, "fuzz.txt", 8))
            abort();
        return 0;
    }
    if (!paper.citation[0] || paper.nrows < 1 || paper.nrows > PB_PAPER_MAX_ROWS)
        abort();
    for (size_t i = 0; i < paper.nrows; i++) {
        const struct pb_paper_row *r = &paper.rows[i];
        if (!r->profiler[0] || !isfinite(r->median) || !(r->median > 0) ||
            (!isnan(r->max) && (!isfinite(r->max) || !(r->max > 0))))
            abort();
    }
    return 0;
}
