/*
 * protocol.h: the worker -> parent message format.
 *
 * One message per line: a tag, then space-separated key=value fields.
 *
 *   TAG key=value key=value\n
 *
 * Tags and keys are [a-z0-9_]+. Values are percent-encoded: every byte that
 * is not printable ASCII, and ' ', '%', '=', is written %XX (uppercase hex).
 * Numbers are written with %.17g (doubles; non-finite ones as nan, inf,
 * -inf) or %lld (integers). Lines are at most PB_PROTO_MAX_LINE bytes, not
 * counting the '\n'; a message has at most PB_PROTO_MAX_FIELDS fields.
 * Unknown tags and keys are ignored by the reader (forward compatibility); a
 * malformed line is an error. The reader is strict, since only
 * pb_proto_add_*() write lines: separators are exactly one space, a byte that
 * should have been escaped, a bad or truncated escape and %00 are errors. A
 * key given twice is accepted; lookups see its first value.
 *
 * Messages a worker sends (times in seconds):
 *   hello version=1 pid=N python=TEXT
 *   probe kind=K ok=0|1 why=TEXT version=V   (probe mode, one per backend;
 *                                             V: the real tool's version)
 *   phase index=I wall=S user=S sys=S        (one per phase, in order)
 *   region wall=S cpu_user=S cpu_sys=S start=S stop=S
 *   attr total=S other=S entries=N collect=S categories=MASK python=S native=S system=S
 *   attr_phase index=I seconds=S
 *   thread phase=P name=NAME count=N wall=S user=S sys=S attr=S
 *                                            (one per thread key: threads of
 *                                            that Python name started in
 *                                            phase P; attr: what the backend
 *                                            gave them, nan without a report)
 *   task phase=-1 name=QUALNAME count=N wall=S user=0 sys=0 attr=S
 *                                            (one per coroutine function
 *                                            decorated with coroutine_truth)
 *   note text=TEXT
 *   error stage=STAGE text=TEXT              (the run failed)
 *   done                                     (the last line of a good run)
 *
 * The run's figures (phase ... note) are written and read by run_codec.c
 * from the tables of run_fields.h; the order of keys within a line is not
 * significant.
 */
#ifndef PB_PROTOCOL_H
#define PB_PROTOCOL_H

#include <stddef.h>

#include "util.h"

#define PB_PROTO_VERSION 1
#define PB_PROTO_MAX_LINE 65536
#define PB_PROTO_MAX_FIELDS 32

struct pb_proto_field {
    char *key;      /* points into msg->buf */
    char *value;    /* decoded, NUL-terminated, points into msg->buf */
};

struct pb_proto_msg {
    char *tag;      /* points into msg->buf */
    size_t nfields;
    struct pb_proto_field fields[PB_PROTO_MAX_FIELDS];
    char *buf;      /* owned copy of the line, decoded in place */
};

/* Parse one line (without or with its trailing '\n'). Returns 0, or -1 with a
 * message; msg must be released with pb_proto_msg_release() after success. */
int pb_proto_parse(const char *line, size_t len, struct pb_proto_msg *msg,
                   char *err, size_t errlen);
void pb_proto_msg_release(struct pb_proto_msg *msg);

/* Field lookup; NULL when absent. */
const char *pb_proto_get(const struct pb_proto_msg *msg, const char *key);
/* Numeric lookups: 0 on success, -1 when absent or not a number. */
int pb_proto_get_double(const struct pb_proto_msg *msg, const char *key, double *out);
int pb_proto_get_long(const struct pb_proto_msg *msg, const char *key, long *out);

/* Encoder: begin a line with its tag, add fields, end with '\n'. A NULL string
 * value is written as the empty string. */
void pb_proto_begin(struct pb_strbuf *sb, const char *tag);
void pb_proto_add_str(struct pb_strbuf *sb, const char *key, const char *value);
void pb_proto_add_double(struct pb_strbuf *sb, const char *key, double value);
void pb_proto_add_long(struct pb_strbuf *sb, const char *key, long long value);
void pb_proto_end(struct pb_strbuf *sb);

#endif
