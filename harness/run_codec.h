/*
 * run_codec.h: a run record (struct pb_run) as worker protocol lines
 * (protocol.h), both ways, walking the tables of run_fields.h. The worker
 * sends its figures with pb_run_emit(); the parent reads them back with
 * pb_run_decode_msg(), so what one writes the other reads by construction.
 * (results.json's side is json_writer.c and results_read.c, over the same
 * tables.)
 */
#ifndef PB_RUN_CODEC_H
#define PB_RUN_CODEC_H

#include <stddef.h>

#include "protocol.h"
#include "run_fields.h"
#include "worker.h"

/* Receives one complete message line, '\n' included (len counts it). The
 * line is only valid during the call. */
typedef void (*pb_line_sink)(const char *line, size_t len, void *ctx);

/* `hello version=PB_PROTO_VERSION pid=PID python=TEXT`: the first line of
 * every worker. */
void pb_run_emit_hello(const char *python, long pid, pb_line_sink sink, void *ctx);

/* A measured run's lines, in this order: `phase` (one per phase,
 * run->nphases), `region`, then when run->has_attr `attr` and `attr_phase`
 * (one per phase), `thread` (run->nthreads) and `task` (run->ntasks) records,
 * and `note` when run->note is not "". Parent-side fields (status, reason,
 * skipped, maxrss_kb, elapsed_s, instructions, cpu_s, python) are not sent. */
void pb_run_emit(const struct pb_run *run, pb_line_sink sink, void *ctx);

/* Fold one message into run: hello, phase, region, attr, attr_phase, thread,
 * task and note; any other tag is ignored (the caller handles done and
 * error), and so are unknown keys. A region line also sets cpu_s to
 * cpu_user_s + cpu_sys_s; an attr line sets has_attr and attr.nphases (to
 * run->nphases, which the caller sets first). Phase indexes outside
 * [0, PB_MAX_PHASES) are dropped; thread and task records are appended to
 * run->threads and run->tasks (malloc'd, no cap). run->nphases is not
 * changed (the parent knows it from the config). */
void pb_run_decode_msg(struct pb_run *run, const struct pb_proto_msg *m);

/* pb_proto_parse() then pb_run_decode_msg(): 0, or -1 with a message when
 * the line is malformed. */
int pb_run_decode_line(struct pb_run *run, const char *line, size_t len, char *err,
                       size_t errlen);

/* Free the run's thread and task records (the rest of a run is plain
 * data); the run keeps no records. */
void pb_run_release(struct pb_run *run);

#endif
