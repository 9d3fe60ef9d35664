/* instr.c: instruction counts under callgrind (see instr.h). */
#include "instr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define PB_HAVE_CALLGRIND 1
#endif
#endif
#ifndef PB_HAVE_CALLGRIND
#define PB_HAVE_CALLGRIND 0
#endif

int pb_instr_available(char *err, size_t errlen)
{
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's shadow memory and valgrind exclude each other. */
    pb_error(err, errlen, "this pyprof-bench was built with AddressSanitizer, which "
             "valgrind cannot run; use a build without SANITIZE");
    return 0;
#endif
    if (!PB_HAVE_CALLGRIND) {
        pb_error(err, errlen, "this pyprof-bench was built without valgrind/callgrind.h "
                 "(Debian: apt-get install valgrind, then rebuild)");
        return 0;
    }
    /* `valgrind --tool=callgrind --version` exits 0 when both are there. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        pb_error(err, errlen, "fork: %s", strerror(errno));
        return 0;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execlp("valgrind", "valgrind", "--tool=callgrind", "--version", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 1;
    pb_error(err, errlen, "valgrind is not installed or cannot run callgrind "
             "(Debian: apt-get install valgrind)");
    return 0;
}

char **pb_instr_wrap(char *const *argv, const char *outfile)
{
    static const char *const pre[] = { "valgrind", "--tool=callgrind", "--quiet",
                                       "--instr-atstart=no", "--collect-atstart=no" };
    size_t npre = sizeof(pre) / sizeof(pre[0]), n = 0;
    while (argv[n])
        n++;
    char **out = pb_xcalloc(npre + n + 2, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < npre; i++)
        out[k++] = pb_xstrdup(pre[i]);
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_addf(&sb, "--callgrind-out-file=%s", outfile);
    out[k++] = pb_strbuf_detach(&sb);
    for (size_t i = 0; i < n; i++)
        out[k++] = pb_xstrdup(argv[i]);
    out[k] = NULL;
    return out;
}

int pb_instr_read(const char *outfile, double *count, char *err, size_t errlen)
{
    FILE *f = fopen(outfile, "r");
    if (!f)
        return pb_error(err, errlen, "no callgrind output '%s': %s", outfile, strerror(errno));
    char line[4096];
    int have_totals = 0, have_summary = 0, ir_first = 0;
    double totals = 0, summary = 0;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "events:", 7)) {
            char ev[64] = "";
            ir_first = sscanf(line + 7, "%63s", ev) == 1 && !strcmp(ev, "Ir");
        } else if (!strncmp(line, "totals:", 7)) {
            have_totals = sscanf(line + 7, "%lf", &totals) == 1;
        } else if (!strncmp(line, "summary:", 8)) {
            have_summary = sscanf(line + 8, "%lf", &summary) == 1;
        }
    }
    fclose(f);
    if (!ir_first)
        return pb_error(err, errlen, "callgrind output '%s' does not count Ir first", outfile);
    if (!have_totals && !have_summary)
        return pb_error(err, errlen, "callgrind output '%s' has no totals", outfile);
    *count = have_totals ? totals : summary;
    return 0;
}

void pb_instr_region_begin(void)
{
#if PB_HAVE_CALLGRIND
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_TOGGLE_COLLECT;
#endif
}

void pb_instr_region_end(void)
{
#if PB_HAVE_CALLGRIND
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_STOP_INSTRUMENTATION;
#endif
}
