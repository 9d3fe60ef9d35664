/* output_dir.c: create, lock and atomically write the result folder. */
#include "output_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int mkdir_p(const char *path, char *err, size_t errlen)
{
    char *p = pb_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST) {
            int e = errno;
            pb_error(err, errlen, "cannot create '%s': %s", p, strerror(e));
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, 0777) < 0 && errno != EEXIST)
        rc = pb_error(err, errlen, "cannot create '%s': %s", p, strerror(errno));
    free(p);
    return rc;
}

int pb_output_dir_new_name(const char *parent, char **out, char *err, size_t errlen)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    if (mkdir_p(parent, err, errlen) < 0)
        return -1;
    for (int i = 1; i < 1000; i++) {
        struct pb_strbuf sb = PB_STRBUF_INIT;
        if (i == 1)
            pb_strbuf_addf(&sb, "%s/%s", parent, stamp);
        else
            pb_strbuf_addf(&sb, "%s/%s-%d", parent, stamp, i);
        /* mkdir is the atomic claim: two harnesses never get the same name. */
        if (mkdir(sb.buf, 0777) == 0) {
            *out = pb_strbuf_detach(&sb);
            return 0;
        }
        int e = errno;
        pb_strbuf_release(&sb);
        if (e != EEXIST)
            return pb_error(err, errlen, "cannot create a result folder in '%s': %s", parent,
                            strerror(e));
    }
    return pb_error(err, errlen, "cannot find a free result folder name in '%s'", parent);
}

int pb_output_dir_open(struct pb_output_dir *d, const char *path, char *err, size_t errlen)
{
    d->path = NULL;
    d->lock_fd = -1;
    if (mkdir_p(path, err, errlen) < 0)
        return -1;
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return pb_error(err, errlen, "'%s' is not a folder", path);
    struct pb_strbuf lk = PB_STRBUF_INIT;
    pb_strbuf_addf(&lk, "%s/.lock", path);
    int fd = open(lk.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        pb_strbuf_release(&lk);
        return pb_error(err, errlen, "cannot write in '%s': %s", path, strerror(e));
    }
    pb_strbuf_release(&lk);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return pb_error(err, errlen, "'%s' is in use by another pyprof-bench run", path);
    }
    d->path = pb_xstrdup(path);
    d->lock_fd = fd;
    return 0;
}

int pb_output_dir_write(const struct pb_output_dir *d, const char *name, const char *data,
                        size_t len, char *err, size_t errlen)
{
    struct pb_strbuf dst = PB_STRBUF_INIT;
    pb_strbuf_addf(&dst, "%s/%s", d->path, name);
    int rc = pb_write_file_atomic(dst.buf, data, len, err, errlen);
    pb_strbuf_release(&dst);
    return rc;
}

void pb_output_dir_close(struct pb_output_dir *d)
{
    /* The .lock file stays: unlinking it would let a second run lock a new
     * inode while a third still holds the old one. */
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    free(d->path);
    d->path = NULL;
    d->lock_fd = -1;
}
