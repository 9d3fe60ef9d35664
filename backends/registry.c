/* registry.c: the table of every backend kind the harness knows. */
#include "../harness/backend.h"

#include <string.h>

extern const struct pb_backend_ops pb_backend_none;
extern const struct pb_backend_ops pb_backend_deterministic;
extern const struct pb_backend_ops pb_backend_multiclock;
extern const struct pb_backend_ops pb_backend_cprofile;
extern const struct pb_backend_ops pb_backend_yappi;
extern const struct pb_backend_ops pb_backend_sampling;
extern const struct pb_backend_ops pb_backend_scalene;
extern const struct pb_backend_ops pb_backend_launched;
extern const struct pb_backend_ops pb_backend_pyinstrument;
extern const struct pb_backend_ops pb_backend_austin;
extern const struct pb_backend_ops pb_backend_pyspy;
extern const struct pb_backend_ops pb_backend_memray;
extern const struct pb_backend_ops pb_backend_pprofile;
extern const struct pb_backend_ops pb_backend_reach;
extern const struct pb_backend_ops pb_backend_python_api;
extern const struct pb_backend_ops pb_backend_command;
#ifdef PB_FAULT_INJECTION
extern const struct pb_backend_ops pb_backend_test_crash;
extern const struct pb_backend_ops pb_backend_test_hang;
extern const struct pb_backend_ops pb_backend_test_garbage;
extern const struct pb_backend_ops pb_backend_test_flat;
#endif

const struct pb_backend_ops *const pb_backends[] = {
    &pb_backend_none,
    &pb_backend_launched,
    &pb_backend_sampling,
    &pb_backend_deterministic,
    &pb_backend_multiclock,
    &pb_backend_cprofile,
    &pb_backend_yappi,
    &pb_backend_scalene,
    &pb_backend_pyinstrument,
    &pb_backend_pyspy,
    &pb_backend_austin,
    &pb_backend_memray,
    &pb_backend_pprofile,
    /* declared.c: tools declared in YAML, no C of their own. */
    &pb_backend_python_api,
    &pb_backend_command,
#ifdef PB_FAULT_INJECTION
    /* faulty.c: misbehaving backends, in the test build only. */
    &pb_backend_test_crash,
    &pb_backend_test_hang,
    &pb_backend_test_garbage,
    &pb_backend_test_flat,
#endif
    NULL,
};

/* Internal kinds: the worker runs them for the harness; no config names them. */
static const struct pb_backend_ops *const internal_backends[] = {
    &pb_backend_reach,   /* reach.c: the calibration recorder (harness/reach.h) */
    NULL,
};

const struct pb_backend_ops *pb_backend_find(const char *kind)
{
    const struct pb_backend_ops *ops;
    size_t i;
    pb_for_each_backend(ops, i)
        if (!strcmp(ops->kind, kind))
            return ops;
    for (i = 0; internal_backends[i]; i++)
        if (!strcmp(internal_backends[i]->kind, kind))
            return internal_backends[i];
    return NULL;
}

const char *const *pb_backend_kinds(void)
{
    static const char *kinds[sizeof(pb_backends) / sizeof(pb_backends[0])];
    const struct pb_backend_ops *ops;
    size_t i;
    pb_for_each_backend(ops, i)
        kinds[i] = ops->kind;
    kinds[i] = NULL;
    return kinds;
}

const char *pb_backend_clock(const struct pb_backend_ops *ops, const struct pb_options *opts)
{
    return ops->clock ? ops->clock(opts) : "wall";
}
