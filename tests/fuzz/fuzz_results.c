/* fuzz_results.c: libFuzzer target for the results.json reader that
 * `compare` and --baseline use (json_parse.c, then compare.c's schema check
 * and the comparison itself). Any input must parse or fail with a located
 * "line L, column C: ..." message, never crash, leak or hang; a document that
 * passes the schema check is compared with itself. Build and run: make fuzz. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/compare.h"
#include "../../harness/json_parse.h"
#include "../../harness/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_jval doc;
    char err[PB_ERRLEN];
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    err[0] = '\0';
    /* One parse per input (the reader is the expensive part): a syntax error
     * must carry its location, anything else must name the file. */
    if (pb_results_parse("fuzz.json", (const char *)data, size, &doc, err, sizeof(err)) < 0) {
        int located = strstr(err, "is not valid JSON: line ") && strstr(err, ", column ");
        int schema = strstr(err, "is not a pyprof-bench results.json") != NULL;
        if (strncmp(err, "'fuzz.json' ", 12) || !(located || schema)) {
            fprintf(stderr, "error without a file or a location: %s\n", err);
            abort();
        }
        return 0;
    }
    int rc = pb_compare_docs(&doc, &doc, 0.05, 1, devnull, devnull, err, sizeof(err));
    if (rc != 0 && rc != 3)
        abort();
    pb_jval_release(&doc);
    return 0;
}
