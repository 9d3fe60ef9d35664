/* fuzz_config.c: libFuzzer target for the YAML config loader. Any input must
 * either load or fail with a "NAME:LINE:COL: ..." message, never crash, leak
 * or hang. Build and run: make fuzz. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/config.h"
#include "../../harness/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_config cfg;
    char err[PB_ERRLEN];
    err[0] = '\0';
    if (pb_config_load_buffer(&cfg, "fuzz.yaml", (const char *)data, size, err,
                              sizeof(err)) == 0) {
        for (size_t w = 0; w < cfg.nworkloads; w++)
            for (size_t p = 0; p < cfg.workloads[w].nphases; p++)
                free(pb_phase_args_literal(&cfg.workloads[w].phases[p], cfg.workloads[w].scale));
        pb_config_release(&cfg);
    } else if (!strchr(err, ':')) {
        fprintf(stderr, "error without a location: %s\n", err);
        abort();
    }
    return 0;
}
