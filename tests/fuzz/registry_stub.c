/* registry_stub.c: the backend registry for the config fuzzer, with option
 * tables like the real backends' but no Python behind them (the loader only
 * reads kinds and option specs). */
#include <stddef.h>
#include <string.h>

#include "../../harness/backend.h"

static const char *const clocks[] = { "wall", "cpu", NULL };
static const struct pb_option_spec opts[] = {
    { "interval", PB_OPT_DURATION, "1ms", 100e-6, 0.1, NULL, "interval" },
    { "clock", PB_OPT_ENUM, "wall", 0, -1, clocks, "clock" },
    { "builtins", PB_OPT_BOOL, "true", 0, -1, NULL, "builtins" },
    { "max_depth", PB_OPT_INT, "2048", 16, 100000, NULL, "depth" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};
static const struct pb_backend_ops none = { .kind = "none", .summary = "", .mechanism = "" };
static const struct pb_backend_ops sampling = {
    .kind = "sampling", .summary = "", .mechanism = "", .options = opts,
};
static const struct pb_backend_ops deterministic = {
    .kind = "deterministic", .summary = "", .mechanism = "", .options = opts,
};

const struct pb_backend_ops *const pb_backends[] = { &none, &sampling, &deterministic, NULL };

const struct pb_backend_ops *pb_backend_find(const char *kind)
{
    for (size_t i = 0; pb_backends[i]; i++)
        if (!strcmp(pb_backends[i]->kind, kind))
            return pb_backends[i];
    return NULL;
}
