/* venv.c: the profilers' virtual environment (see venv.h). */
#include "venv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifndef PB_PYTHON_EXE
#define PB_PYTHON_EXE "/usr/bin/python3"
#endif
#ifndef PB_VENV
#define PB_VENV ""
#endif

const char *pb_interpreter_pinned_name(void)
{
    const char *base = strrchr(PB_PYTHON_EXE, '/');
    return base ? base + 1 : PB_PYTHON_EXE;
}

const char *pb_venv_dir(void)
{
    const char *e = getenv("PYPROF_BENCH_VENV");
    return e ? e : PB_VENV;
}

/* VENV/bin/python3.11 into buf; 0 when it is executable. */
static int venv_python(char *buf, size_t len)
{
    const char *d = pb_venv_dir();
    if (!d[0])
        return -1;
    const char *base = strrchr(PB_PYTHON_EXE, '/');
    snprintf(buf, len, "%s/bin/%s", d, base ? base + 1 : PB_PYTHON_EXE);
    return access(buf, X_OK) == 0 ? 0 : -1;
}

const char *pb_python_exe(void)
{
    static char exe[4096];
    if (venv_python(exe, sizeof(exe)) == 0)
        return exe;
    return PB_PYTHON_EXE;
}

void pb_venv_activate(void)
{
    char exe[4096];
    if (venv_python(exe, sizeof(exe)) < 0)
        return;
    const char *d = pb_venv_dir();
    char bin[4096];
    snprintf(bin, sizeof(bin), "%s/bin", d);
    const char *path = getenv("PATH");
    size_t n = strlen(bin);
    if (path && !strncmp(path, bin, n) && (path[n] == ':' || !path[n]))
        return;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_addf(&sb, "%s%s%s", bin, path && *path ? ":" : "", path ? path : "");
    setenv("PATH", sb.buf, 1);
    setenv("VIRTUAL_ENV", d, 1);
    pb_strbuf_release(&sb);
}

void pb_venv_failure(const char *dist, char *buf, size_t len)
{
    buf[0] = '\0';
    char exe[4096];
    if (venv_python(exe, sizeof(exe)) < 0) {
        snprintf(buf, len, "no profiler venv at '%s' (make deps)", pb_venv_dir());
        return;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/pb-failed.txt", pb_venv_dir());
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t n = strlen(dist);
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strncmp(line, dist, n) && (line[n] == '=' || line[n] == ':')) {
            snprintf(buf, len, "make deps could not install %s", line);
            break;
        }
    }
    if (f)
        fclose(f);
}
