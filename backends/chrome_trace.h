/*
 * chrome_trace.h: reading a Chrome trace-event file (the JSON viztracer and
 * other tracers write) into a report.
 *
 * Accepted: an object whose "traceEvents" member is an array of events, or
 * that array alone. Complete events ("ph": "X", with "ts" and "dur" in
 * microseconds, "tid", "name") are the calls; every other phase (metadata
 * "M", instant "i", counters...) is skipped. A name "func (file:line)" is
 * split into function, file and line (viztracer's form); any other name is
 * the function with file "" and line 0.
 *
 * Per thread the calls nest by time: an event inside another's interval is
 * its callee. A function's inclusive time is the sum of its calls' dur,
 * recursion counted once (a call made while the same function is already
 * open on that thread adds nothing); self time is dur minus the dur of its
 * direct callees; count is calls. Entries' thread is the event's tid.
 *
 * Each event object is parsed on its own (the file of a million calls is not
 * held as one tree). Returns 0, or -1 with "chrome trace: ..." and where.
 */
#ifndef PB_CHROME_TRACE_H
#define PB_CHROME_TRACE_H

#include <stddef.h>

#include "../harness/report.h"

int pb_chrome_trace_read(const char *text, size_t len, struct pb_report *out, size_t *events,
                         char *err, size_t errlen);

#endif
