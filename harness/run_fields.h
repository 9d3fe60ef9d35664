/*
 * run_fields.h: the one description of a run record (struct pb_run, worker.h)
 * that its four codecs walk:
 *
 *   1. the worker's protocol lines        pb_run_emit()        run_codec.c
 *   2. the parent's decoder of them       pb_run_decode_msg()  run_codec.c
 *   3. results.json's runs[] writer       write_runs()         json_writer.c
 *   4. results.json's runs[] reader       read_run()           results_read.c
 *
 * The model is redis' commands.def: one X-macro line per field, expanded into
 * a table of descriptors (struct pb_field, built in run_codec.c) that each
 * codec loops over. Nothing else in this header is a macro.
 *
 * Per-run scalars, PB_RUN_FIELDS:
 *   X(type, member, tag, key, json, json_key)
 *     type      PB_FT_* below; the C type of the member must match it
 *     member    the member of struct pb_run (may be nested: attr.total_s)
 *     tag, key  the protocol message (protocol.h) and key it travels under;
 *               NULL, NULL when it does not travel (the parent fills it)
 *     json      where results.json's run object has it (PB_FJ_* below)
 *     json_key  its key there; NULL with PB_FJ_NONE
 *   The order of the lines is the order of the keys in a protocol line and in
 *   a run object of results.json (readers of both look keys up by name).
 *
 * Per-phase figures, PB_PHASE_FIELDS: X(member, key, json_key). Each member
 * is a double[PB_MAX_PHASES]; element p travels as `phase index=p key=S` and
 * is runs[].phases[p].json_key in results.json.
 *
 * Thread and coroutine records, PB_KEY_FIELDS: X(type, member, key, json_key)
 * of struct pb_key_rec, one `thread` or `task` line per record and one object
 * of runs[].threads[] or runs[].tasks[].
 *
 * Not in these tables, because each is one of a kind and written out in the
 * codecs: the status (enum + skipped; JSON "status": ok/failed/skipped),
 * has_attr (an `attr` line; a non-null "attribution" object), the attributed
 * phase seconds attr.phase_s (`attr_phase index=I seconds=S`; the
 * attribution's "phases_s" array), the category mask and per-category seconds
 * (`attr categories=MASK python=S ...`; the attribution's "categories_s"
 * object holding the categories of the mask), nphases/nthreads/ntasks (the
 * counts of lines and array items) and python (the `hello` line, sent when
 * the worker starts, not in runs[]).
 *
 * How a value reads back when its key is absent (forward and backward
 * compatibility: unknown keys are ignored, missing ones take these):
 *   protocol: the member is left as it was, except a string, which becomes "";
 *   results.json: a double is NAN (null is NAN too), a long or count is 0, a
 *   string is "" (null too).
 *
 * ---------------------------------------------------------------- adding a field
 * The speed probes were added this way: a run carries probe_before_s and
 * probe_after_s, seconds measured by the worker, sent on the `region` line
 * and kept in results.json:
 *
 *   1. worker.h, struct pb_run:   double probe_before_s, probe_after_s;  (seconds)
 *   2. here, in PB_RUN_FIELDS, after the `stop_s` line:
 *        X(PB_FT_DOUBLE, probe_before_s, "region", "probe_before", PB_FJ_RUN, "probe_before_s") \
 *        X(PB_FT_DOUBLE, probe_after_s,  "region", "probe_after",  PB_FJ_RUN, "probe_after_s") \
 *   3. worker_main.c, worker_run(), where it fills the struct pb_run it
 *      sends: run.probe_before_s = reg.probe_before_s; (the measurement).
 *
 * That is all: the worker sends it, the parent reads it, results.json has it
 * and `compare`/`merge` read it back (absent in older files: NAN).
 * tests/unit/test_run_codec.c fills every member it finds in these tables, so
 * the round trip checks the new one too. A new figure per phase is one line in
 * PB_PHASE_FIELDS (and a double[PB_MAX_PHASES] member); per thread/task record
 * one line in PB_KEY_FIELDS. A field on a message the worker does not send
 * yet needs that message added to pb_run_emit() and pb_run_decode_msg().
 */
#ifndef PB_RUN_FIELDS_H
#define PB_RUN_FIELDS_H

#include <stddef.h>

#include "worker.h"

/* The C type of a member, and how it is written:
 *   PB_FT_DOUBLE  double   protocol %.17g (nan, inf); JSON number, null when
 *                          not finite
 *   PB_FT_LONG    long     protocol and JSON integer
 *   PB_FT_COUNT   size_t   as PB_FT_LONG; a negative value reads as 0
 *   PB_FT_STR     char[N]  protocol percent-encoded text; JSON string, null
 *                          when ""; truncated to N - 1 bytes when read */
enum pb_field_type { PB_FT_DOUBLE, PB_FT_LONG, PB_FT_COUNT, PB_FT_STR };

/* Where a run object of results.json has a field:
 *   PB_FJ_NONE   not in results.json
 *   PB_FJ_RUN    a member of the run object
 *   PB_FJ_INSTR  a member of the run object, written only by a
 *                --metric instructions run (read whenever present)
 *   PB_FJ_ATTR   a member of the run's "attribution" object, which is written
 *                only when has_attr (null otherwise) */
enum pb_field_json { PB_FJ_NONE, PB_FJ_RUN, PB_FJ_INSTR, PB_FJ_ATTR };

#define PB_RUN_FIELDS(X) \
    X(PB_FT_STR,    reason,       NULL,     NULL,       PB_FJ_RUN,   "reason")           \
    X(PB_FT_DOUBLE, wall_s,       "region", "wall",     PB_FJ_RUN,   "wall_s")           \
    X(PB_FT_DOUBLE, cpu_s,        NULL,     NULL,       PB_FJ_RUN,   "cpu_s")            \
    X(PB_FT_DOUBLE, cpu_user_s,   "region", "cpu_user", PB_FJ_RUN,   "cpu_user_s")       \
    X(PB_FT_DOUBLE, cpu_sys_s,    "region", "cpu_sys",  PB_FJ_RUN,   "cpu_sys_s")        \
    X(PB_FT_DOUBLE, start_s,      "region", "start",    PB_FJ_RUN,   "start_s")          \
    X(PB_FT_DOUBLE, stop_s,       "region", "stop",     PB_FJ_RUN,   "stop_s")           \
    X(PB_FT_DOUBLE, probe_before_s, "region", "probe_before", PB_FJ_RUN, "probe_before_s") \
    X(PB_FT_DOUBLE, probe_after_s,  "region", "probe_after",  PB_FJ_RUN, "probe_after_s")  \
    X(PB_FT_DOUBLE, lat_p50_s,    "region", "lat_p50",  PB_FJ_RUN,   "lat_p50_s")        \
    X(PB_FT_DOUBLE, lat_p99_s,    "region", "lat_p99",  PB_FJ_RUN,   "lat_p99_s")        \
    X(PB_FT_DOUBLE, lat_max_s,    "region", "lat_max",  PB_FJ_RUN,   "lat_max_s")        \
    X(PB_FT_DOUBLE, throughput_rps, "region", "throughput", PB_FJ_RUN, "throughput_rps") \
    X(PB_FT_LONG,   maxrss_kb,    NULL,     NULL,       PB_FJ_RUN,   "maxrss_kb")        \
    X(PB_FT_DOUBLE, elapsed_s,    NULL,     NULL,       PB_FJ_RUN,   "worker_elapsed_s") \
    X(PB_FT_DOUBLE, instructions, NULL,     NULL,       PB_FJ_INSTR, "instructions")     \
    X(PB_FT_DOUBLE, attr.total_s, "attr",   "total",    PB_FJ_ATTR,  "total_s")          \
    X(PB_FT_DOUBLE, attr.other_s, "attr",   "other",    PB_FJ_ATTR,  "other_s")          \
    X(PB_FT_COUNT,  attr.entries, "attr",   "entries",  PB_FJ_ATTR,  "entries")          \
    X(PB_FT_DOUBLE, collect_s,    "attr",   "collect",  PB_FJ_ATTR,  "collect_s")        \
    X(PB_FT_DOUBLE, sampler_cpu_s, "attr",  "sampler_cpu", PB_FJ_ATTR, "sampler_cpu_s")  \
    X(PB_FT_DOUBLE, samples,      "attr",   "samples",  PB_FJ_ATTR,  "samples")          \
    X(PB_FT_STR,    note,         "note",   "text",     PB_FJ_RUN,   "note")

/* Seconds of phase p, on the calling thread of the worker. */
#define PB_PHASE_FIELDS(X) \
    X(phase_wall_s, "wall", "wall_s") \
    X(phase_user_s, "user", "user_s") \
    X(phase_sys_s,  "sys",  "sys_s")

/* A thread or coroutine key record (accuracy.h). The decoder drops a line
 * without "phase" or "name"; attr_s is NAN when the line lacks it. */
#define PB_KEY_FIELDS(X) \
    X(PB_FT_LONG,   phase,  "phase", "phase")        \
    X(PB_FT_STR,    name,   "name",  "name")         \
    X(PB_FT_LONG,   count,  "count", "count")        \
    X(PB_FT_DOUBLE, wall_s, "wall",  "wall_s")       \
    X(PB_FT_DOUBLE, user_s, "user",  "user_s")       \
    X(PB_FT_DOUBLE, sys_s,  "sys",   "sys_s")        \
    X(PB_FT_DOUBLE, attr_s, "attr",  "attributed_s")

/* One table line as data. offset and size locate the member in its struct
 * (struct pb_run, or struct pb_key_rec for the key table); for a phase field
 * the member is the whole array and element p is at offset + p * sizeof(double). */
struct pb_field {
    size_t offset;
    size_t size;               /* sizeof the member (a string's buffer size) */
    const char *tag;           /* protocol message; NULL: not sent (and always
                                  NULL outside PB_RUN_FIELDS) */
    const char *key;           /* key in the protocol message */
    const char *json_key;
    enum pb_field_type type;
    enum pb_field_json json;   /* PB_FJ_RUN outside PB_RUN_FIELDS */
};

/* The tables, in table order (run_codec.c). */
extern const struct pb_field pb_run_fields[];
extern const size_t pb_run_nfields;
extern const struct pb_field pb_phase_fields[];
extern const size_t pb_phase_nfields;
extern const struct pb_field pb_key_fields[];
extern const size_t pb_key_nfields;

/* The member f describes inside the struct at base (for a phase field: the
 * first element of its array). The caller picks the pointer type from f->type:
 * double *, long *, size_t * or char * (of f->size bytes). */
void *pb_field_ptr(void *base, const struct pb_field *f);
const void *pb_field_cptr(const void *base, const struct pb_field *f);

#endif
