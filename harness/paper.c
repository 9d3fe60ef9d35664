/* paper.c: a published overhead table's data file, and the median and max
 * with intervals that are set beside it (paper.h). */
#include "paper.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* Trim s (len bytes) of surrounding blanks into out (size n); -1 when it
 * does not fit. */
static int trimmed(const char *s, size_t len, char *out, size_t n)
{
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= n)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* A slowdown such as "1.02" or "1.02x": a finite number > 0. */
static int parse_slowdown(const char *text, double *out)
{
    char buf[64];
    size_t len = strlen(text);
    if (len && (text[len - 1] == 'x' || text[len - 1] == 'X'))
        len--;
    if (trimmed(text, len, buf, sizeof(buf)) < 0)
        return -1;
    return pb_parse_double(buf, out) < 0 || !isfinite(*out) || !(*out > 0) ? -1 : 0;
}

static int parse_row(const char *name, size_t line, const char *value, struct pb_paper_row *r,
                     char *err, size_t errlen)
{
    char field[5][128];
    size_t nf = 0;
    for (const char *s = value;; nf++) {
        const char *bar = strchr(s, '|');
        size_t len = bar ? (size_t)(bar - s) : strlen(s);
        if (nf == 5)
            return pb_error(err, errlen, "%s:%zu: a row has at most 5 fields "
                            "(PROFILER | BACKEND | MEDIAN | MAX | MAX_ON)", name, line);
        if (trimmed(s, len, field[nf], sizeof(field[nf])) < 0)
            return pb_error(err, errlen, "%s:%zu: field %zu is longer than %zu characters",
                            name, line, nf + 1, sizeof(field[nf]) - 1);
        if (!bar) {
            nf++;
            break;
        }
        s = bar + 1;
    }
    if (nf < 3)
        return pb_error(err, errlen, "%s:%zu: a row needs PROFILER | BACKEND | MEDIAN "
                        "(then MAX and MAX_ON, optional)", name, line);
    memset(r, 0, sizeof(*r));
    if (!*field[0])
        return pb_error(err, errlen, "%s:%zu: the profiler's name is empty", name, line);
    if (strlen(field[0]) >= sizeof(r->profiler) || strlen(field[1]) >= sizeof(r->backend) ||
        (nf > 4 && strlen(field[4]) >= sizeof(r->max_on)))
        return pb_error(err, errlen, "%s:%zu: a name is longer than %zu characters", name,
                        line, sizeof(r->profiler) - 1);
    pb_copy(r->profiler, sizeof(r->profiler), field[0]);
    pb_copy(r->backend, sizeof(r->backend), field[1]);
    if (parse_slowdown(field[2], &r->median) < 0)
        return pb_error(err, errlen, "%s:%zu: median must be a slowdown more than 0 such as "
                        "1.02 or 1.02x, got '%s'", name, line, field[2]);
    r->max = NAN;
    if (nf > 3 && *field[3] && parse_slowdown(field[3], &r->max) < 0)
        return pb_error(err, errlen, "%s:%zu: max must be empty or a slowdown more than 0, "
                        "got '%s'", name, line, field[3]);
    if (nf > 4)
        pb_copy(r->max_on, sizeof(r->max_on), field[4]);
    return 0;
}

int pb_paper_parse(const char *name, const char *data, size_t len, struct pb_paper *paper,
                   char *err, size_t errlen)
{
    memset(paper, 0, sizeof(*paper));
    size_t line = 0;
    for (size_t at = 0; at < len;) {
        const char *s = data + at;
        const char *nl = memchr(s, '\n', len - at);
        size_t n = nl ? (size_t)(nl - s) : len - at;
        at += n + 1;
        line++;
        char text[1024] = "";
        if (memchr(s, '\0', n))
            return pb_error(err, errlen, "%s:%zu: a NUL byte", name, line);
        if (trimmed(s, n, text, sizeof(text)) < 0)
            return pb_error(err, errlen, "%s:%zu: line longer than %zu characters", name, line,
                            sizeof(text) - 1);
        if (!*text || text[0] == '#')
            continue;
        char *eq = strchr(text, '=');
        char key[32] = "", value[sizeof(text)] = "";
        if (!eq || trimmed(text, (size_t)(eq - text), key, sizeof(key)) < 0 ||
            trimmed(eq + 1, strlen(eq + 1), value, sizeof(value)) < 0)
            return pb_error(err, errlen, "%s:%zu: expected KEY = VALUE (citation, setup or "
                            "row)", name, line);
        if (!strcmp(key, "citation") || !strcmp(key, "setup")) {
            char *dst = key[0] == 'c' ? paper->citation : paper->setup;
            if (*dst)
                return pb_error(err, errlen, "%s:%zu: %s given twice", name, line, key);
            if (!*value || strlen(value) >= sizeof(paper->citation))
                return pb_error(err, errlen, "%s:%zu: %s must be 1 to %zu characters", name,
                                line, key, sizeof(paper->citation) - 1);
            pb_copy(dst, sizeof(paper->citation), value);
        } else if (!strcmp(key, "row")) {
            if (paper->nrows == PB_PAPER_MAX_ROWS)
                return pb_error(err, errlen, "%s:%zu: more than %d rows", name, line,
                                PB_PAPER_MAX_ROWS);
            if (parse_row(name, line, value, &paper->rows[paper->nrows], err, errlen) < 0)
                return -1;
            for (size_t i = 0; i < paper->nrows; i++)
                if (!strcmp(paper->rows[i].profiler, paper->rows[paper->nrows].profiler))
                    return pb_error(err, errlen, "%s:%zu: profiler '%s' given twice", name,
                                    line, paper->rows[i].profiler);
            paper->nrows++;
        } else {
            return pb_error(err, errlen, "%s:%zu: unknown key '%s' (expected citation, setup "
                            "or row)", name, line, key);
        }
    }
    if (!*paper->citation)
        return pb_error(err, errlen, "%s: no citation = line", name);
    if (!paper->nrows)
        return pb_error(err, errlen, "%s: no row = line", name);
    return 0;
}

int pb_paper_load(const char *path, struct pb_paper *paper, char *err, size_t errlen)
{
    char *text;
    size_t len;
    if (pb_read_file(path, 1u << 20, &text, &len) < 0)
        return pb_error(err, errlen, "%s: %s", path,
                        errno == EFBIG ? "larger than 1 MiB"
                                       : errno == EIO ? "read error" : strerror(errno));
    int rc = pb_paper_parse(path, text, len, paper, err, errlen);
    free(text);
    return rc;
}

static double max_of(const double *x, size_t n)
{
    double m = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] > m || isnan(m))
            m = x[i];
    return m;
}

void pb_paper_stats(const double *ratio, const double *lo, const double *hi, size_t n,
                    struct pb_paper_stats *st)
{
    int intervals = 1;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(lo[i]) || !isfinite(hi[i]))
            intervals = 0;
    st->median = pb_median(ratio, n);
    st->max = max_of(ratio, n);
    st->argmax = 0;
    for (size_t i = 1; i < n; i++)
        if (ratio[i] > ratio[st->argmax])
            st->argmax = i;
    st->median_lo = intervals ? pb_median(lo, n) : NAN;
    st->median_hi = intervals ? pb_median(hi, n) : NAN;
    st->max_lo = intervals ? max_of(lo, n) : NAN;
    st->max_hi = intervals ? max_of(hi, n) : NAN;
}
