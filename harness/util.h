/*
 * util.h: small helpers shared by every harness module: checked allocation,
 * string building, "did you mean" suggestions and error buffers.
 *
 * Error convention (git style): functions return 0 on success and -1 on
 * failure, writing a lowercase message without a full stop into a caller
 * supplied buffer (char *err, size_t errlen).
 */
#ifndef PB_UTIL_H
#define PB_UTIL_H

#include <stddef.h>
#include <stdarg.h>

#define PB_ERRLEN 512

/* Allocation that never returns NULL: prints and exits(2) on failure.
 * Used only where there is nothing sensible to do on OOM (CLI set-up). */
void *pb_xmalloc(size_t n);
void *pb_xcalloc(size_t nmemb, size_t size);
void *pb_xrealloc(void *p, size_t n);
char *pb_xstrdup(const char *s);

/* Format into err (may be NULL); always returns -1 so callers can
 * `return pb_error(err, len, "...")`. */
int pb_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Growable string. Initialise with PB_STRBUF_INIT; release with
 * pb_strbuf_release(). buf is always NUL-terminated once anything was added. */
struct pb_strbuf {
    char *buf;
    size_t len;
    size_t alloc;
};
#define PB_STRBUF_INIT { NULL, 0, 0 }
void pb_strbuf_add(struct pb_strbuf *sb, const char *s, size_t n);
void pb_strbuf_adds(struct pb_strbuf *sb, const char *s);
void pb_strbuf_addf(struct pb_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pb_strbuf_vaddf(struct pb_strbuf *sb, const char *fmt, va_list ap);
/* Returns the buffer (never NULL) and resets sb; you own it, free(3) it. */
char *pb_strbuf_detach(struct pb_strbuf *sb);
void pb_strbuf_release(struct pb_strbuf *sb);

/* The whole file at path: *out (NUL-terminated, never NULL, yours to free)
 * and *len, 0; or -1 with errno set and nothing to free: the open's error,
 * EFBIG past max bytes (0: no limit), EIO for a read error. */
int pb_read_file(const char *path, size_t max, char **out, size_t *len);

/* Copy src into dst of size n, truncating; dst is always terminated. */
void pb_copy(char *dst, size_t n, const char *src);

/* Levenshtein distance between a and b (case-sensitive). */
size_t pb_edit_distance(const char *a, const char *b);

/* The candidate nearest to word, or NULL when none is close enough to be a
 * plausible typo (distance > max(2, strlen(word)/3)). candidates is
 * NULL-terminated. */
const char *pb_suggest(const char *word, const char *const *candidates);

/* "a, b, c" from a NULL-terminated list; you own the result. */
char *pb_join(const char *const *items, const char *sep);

/* Parse a duration such as "1ms", "250us", "2.5s", "30" (seconds), "100ns",
 * "1m" (minutes). Returns 0 and stores seconds, or -1 with a message. */
int pb_parse_duration(const char *text, double *seconds, char *err, size_t errlen);

/* The shortest %g text of v that reads back as exactly v ("0.1", not
 * "0.10000000000000001"). */
void pb_format_double(char *buf, size_t len, double v);

/* Strict number parsing of a whole string. */
int pb_parse_double(const char *text, double *out);
int pb_parse_long(const char *text, long *out);
/* A fraction written as a percentage ("5%") or a number ("0.05"); 0, or -1
 * when it is neither or negative. */
int pb_parse_fraction(const char *text, double *out);

/* Write all of buf to fd, retrying on EINTR and short writes. */
int pb_write_all(int fd, const void *buf, size_t n);

/* Make a private folder, dir = "$TMPDIR/PREFIXXXXXXX" (mkdtemp), or under
 * /tmp when TMPDIR is unset, empty or too long for dir's len bytes.
 * 0, or -1 with why and dir "". */
int pb_make_private_dir(char *dir, size_t len, const char *prefix, char *err, size_t errlen);

/* Write path atomically: a temporary file next to it (".NAME.tmp.PID"),
 * fsync, rename(2). A reader sees the old file or the whole new one, never
 * half of it; on failure the temporary file is removed and an earlier file
 * of that name is left as it was. */
int pb_write_file_atomic(const char *path, const char *data, size_t len, char *err,
                         size_t errlen);

/* Is prog an executable file in a folder of PATH? */
int pb_on_path(const char *prog);

/* Is the stream a terminal, and may we use colour on it (NO_COLOR unset)? */
int pb_isatty_fd(int fd);
int pb_use_color(int fd);

#endif
