/* fault.c: fault injection for the test build (see fault.h). Empty unless
 * compiled with -DPB_FAULT_INJECTION. */
#include "fault.h"

#ifdef PB_FAULT_INJECTION

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { K_UNSET, K_NONE, K_MALLOC, K_WRITE, K_PIPE };

static enum kind kind = K_UNSET;
static enum pb_fault_scope want_scope, cur_scope;
static long nth;          /* malloc and pipe-close: which one fails */
static long count;        /* calls counted so far */
static char file[256];    /* write: the file name */

static void announce(const char *what)
{
    /* Plain write(2): no allocation, usable from inside an allocator. */
    char line[400];
    int n = snprintf(line, sizeof(line), "pyprof-bench: fault injected: %s\n", what);
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
}

static void parse(void)
{
    const char *s = getenv("PB_FAULT");
    kind = K_NONE;
    if (!s || !*s)
        return;
    char *end;
    if (!strncmp(s, "malloc:config:", 14) || !strncmp(s, "malloc:report:", 14)) {
        want_scope = s[7] == 'c' ? PB_FAULT_SCOPE_CONFIG : PB_FAULT_SCOPE_REPORT;
        nth = strtol(s + 14, &end, 10);
        if (nth >= 1 && !*end) {
            kind = K_MALLOC;
            return;
        }
    } else if (!strncmp(s, "write:", 6) && s[6] && strlen(s + 6) < sizeof(file)) {
        snprintf(file, sizeof(file), "%s", s + 6);
        kind = K_WRITE;
        return;
    } else if (!strncmp(s, "pipe-close:", 11)) {
        nth = strtol(s + 11, &end, 10);
        if (nth >= 1 && !*end) {
            kind = K_PIPE;
            return;
        }
    }
    fprintf(stderr, "pyprof-bench: bad PB_FAULT '%s' (expected malloc:config:N, "
            "malloc:report:N, write:NAME or pipe-close:N)\n", s);
    exit(2);
}

void pb_fault_scope(enum pb_fault_scope scope)
{
    if (kind == K_UNSET)
        parse();
    cur_scope = scope;
}

int pb_fault_malloc(size_t n)
{
    if (kind == K_UNSET)
        parse();
    if (kind != K_MALLOC || cur_scope != want_scope || ++count != nth)
        return 0;
    char what[128];
    snprintf(what, sizeof(what), "allocation %ld (%zu bytes) in %s fails", nth, n,
             want_scope == PB_FAULT_SCOPE_CONFIG ? "config" : "report");
    announce(what);
    return 1;
}

int pb_fault_write(const char *path)
{
    if (kind == K_UNSET)
        parse();
    if (kind != K_WRITE)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, file))
        return 0;
    char what[320];
    snprintf(what, sizeof(what), "writing %s fails with ENOSPC", base);
    announce(what);
    return 1;
}

int pb_fault_pipe_close(void)
{
    if (kind == K_UNSET)
        parse();
    if (kind != K_PIPE || ++count != nth)
        return 0;
    char what[64];
    snprintf(what, sizeof(what), "message %ld cut in half, pipe closed", nth);
    announce(what);
    return 1;
}

#else

/* ISO C forbids an empty translation unit. */
typedef int pb_fault_unused;

#endif
