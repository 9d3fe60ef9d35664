/* util.c: allocation, strings, suggestions, durations (see util.h). */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

static void oom(size_t n)
{
    fprintf(stderr, "pyprof-bench: out of memory allocating %zu bytes\n", n);
    exit(2);
}

void *pb_xmalloc(size_t n)
{
    void *p = pb_fault_malloc(n) ? NULL : malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *pb_xcalloc(size_t nmemb, size_t size)
{
    void *p = pb_fault_malloc(nmemb * size) ? NULL : calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *pb_xrealloc(void *p, size_t n)
{
    void *q = pb_fault_malloc(n) ? NULL : realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *pb_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = pb_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

int pb_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void strbuf_grow(struct pb_strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->alloc)
        return;
    size_t alloc = sb->alloc ? sb->alloc : 64;
    while (alloc < need)
        alloc *= 2;
    sb->buf = pb_xrealloc(sb->buf, alloc);
    sb->alloc = alloc;
}

void pb_strbuf_add(struct pb_strbuf *sb, const char *s, size_t n)
{
    strbuf_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void pb_strbuf_adds(struct pb_strbuf *sb, const char *s)
{
    pb_strbuf_add(sb, s, strlen(s));
}

void pb_strbuf_vaddf(struct pb_strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    strbuf_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void pb_strbuf_addf(struct pb_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pb_strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

char *pb_strbuf_detach(struct pb_strbuf *sb)
{
    char *p = sb->buf ? sb->buf : pb_xstrdup("");
    sb->buf = NULL;
    sb->len = sb->alloc = 0;
    return p;
}

void pb_strbuf_release(struct pb_strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->alloc = 0;
}

void pb_copy(char *dst, size_t n, const char *src)
{
    if (!n)
        return;
    size_t l = src ? strlen(src) : 0;
    if (l >= n)
        l = n - 1;
    if (l)
        memcpy(dst, src, l);
    dst[l] = '\0';
}

size_t pb_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = pb_xmalloc((lb + 1) * sizeof(*row));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

const char *pb_suggest(const char *word, const char *const *candidates)
{
    size_t limit = strlen(word) / 3;
    if (limit < 2)
        limit = 2;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; candidates && candidates[i]; i++) {
        size_t d = pb_edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

char *pb_join(const char *const *items, const char *sep)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    for (size_t i = 0; items && items[i]; i++) {
        if (i)
            pb_strbuf_adds(&sb, sep);
        pb_strbuf_adds(&sb, items[i]);
    }
    return pb_strbuf_detach(&sb);
}

void pb_format_double(char *buf, size_t len, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

int pb_parse_fraction(const char *text, double *out)
{
    if (!text)
        return -1;
    char *t = pb_xstrdup(text);
    size_t n = strlen(t);
    int pct = n && t[n - 1] == '%';
    if (pct)
        t[n - 1] = '\0';
    double v;
    int rc = pb_parse_double(t, &v) < 0 || v < 0 ? -1 : 0;
    free(t);
    if (rc == 0)
        *out = pct ? v / 100 : v;
    return rc;
}

int pb_parse_double(const char *text, double *out)
{
    if (!text || !*text || isspace((unsigned char)*text))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int pb_parse_long(const char *text, long *out)
{
    if (!text || !*text || isspace((unsigned char)*text))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int pb_parse_duration(const char *text, double *seconds, char *err, size_t errlen)
{
    static const struct {
        const char *suffix;
        double scale;
    } units[] = {
        { "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 },
        { "s", 1.0 },   { "m", 60.0 },
    };
    if (!text || !*text)
        return pb_error(err, errlen, "empty duration");
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || !isfinite(v))
        return pb_error(err, errlen, "'%s' is not a duration (expected a number of seconds "
                        "or a number with ns, us, ms, s or m)", text);
    if (!*end) {
        *seconds = v;
        return 0;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (!strcmp(end, units[i].suffix)) {
            *seconds = v * units[i].scale;
            return 0;
        }
    }
    return pb_error(err, errlen, "'%s' has an unknown unit '%s' (expected ns, us, ms, s or m)",
                    text, end);
}

int pb_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int pb_make_private_dir(char *dir, size_t len, const char *prefix, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    /* TMPDIR "/" prefix "XXXXXX" and the NUL */
    if (!tmp || !*tmp || strlen(tmp) + strlen(prefix) + 8 > len)
        tmp = "/tmp";
    snprintf(dir, len, "%s/%sXXXXXX", tmp, prefix);
    if (mkdtemp(dir))
        return 0;
    int e = errno;
    pb_error(err, errlen, "cannot make a temporary folder %s: %s", dir, strerror(e));
    dir[0] = '\0';
    return -1;
}

int pb_write_file_atomic(const char *path, const char *data, size_t len, char *err,
                         size_t errlen)
{
    struct pb_strbuf tmp = PB_STRBUF_INIT;
    const char *slash = strrchr(path, '/');
    if (slash)
        pb_strbuf_addf(&tmp, "%.*s/.%s.tmp.%d", (int)(slash - path), path, slash + 1,
                       (int)getpid());
    else
        pb_strbuf_addf(&tmp, ".%s.tmp.%d", path, (int)getpid());
    int rc = -1;
    int fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        pb_error(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        goto out;
    }
    int bad;
    if (pb_fault_write(path)) {
        /* Half of it goes to the temporary file, then the disk is full. */
        bad = 1;
        if (pb_write_all(fd, data, len / 2) == 0)
            errno = ENOSPC;
    } else {
        bad = pb_write_all(fd, data, len) < 0 || fsync(fd) < 0;
    }
    if (bad) {
        pb_error(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(tmp.buf);
        goto out;
    }
    if (close(fd) < 0 || rename(tmp.buf, path) < 0) {
        pb_error(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp.buf);
        goto out;
    }
    rc = 0;
out:
    pb_strbuf_release(&tmp);
    return rc;
}

int pb_isatty_fd(int fd)
{
    return isatty(fd);
}

int pb_use_color(int fd)
{
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return 0;
    const char *term = getenv("TERM");
    if (term && !strcmp(term, "dumb"))
        return 0;
    return isatty(fd);
}

int pb_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char *copy = pb_xstrdup(path ? path : ""), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", d, prog);
        found = access(full, X_OK) == 0;
    }
    free(copy);
    return found;
}

int pb_read_file(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    char buf[65536];
    size_t n;
    int err = 0;
    while (!err && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
        pb_strbuf_add(&sb, buf, n);
        if (max && sb.len > max)
            err = EFBIG;
    }
    if (!err && ferror(f))
        err = EIO;
    fclose(f);
    if (err) {
        pb_strbuf_release(&sb);
        errno = err;
        return -1;
    }
    *len = sb.len;
    *out = pb_strbuf_detach(&sb);
    return 0;
}
