/* pypkg.c: the embedded Python sources on disk (see pypkg.h). */
#include "pypkg.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define PKG_PREFIX "pyprof_bench/"

const struct pb_pysrc *pb_pysrc_find(const char *path)
{
    for (const struct pb_pysrc *f = pb_pysrc_files; f->path; f++)
        if (!strcmp(f->path, path))
            return f;
    return NULL;
}

static int write_new(const char *path, const struct pb_pysrc *f, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || pb_write_all(fd, f->text, f->len) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return pb_error(err, errlen, "cannot write %s: %s", path, strerror(e));
    }
    if (close(fd) < 0)
        return pb_error(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return 0;
}

/* Make the folders of rel (a path relative to dir) that do not exist. */
static int make_parents(const char *dir, const char *rel, char *err, size_t errlen)
{
    char path[1024];
    for (const char *slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
        int n = snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(slash - rel), rel);
        if (n < 0 || (size_t)n >= sizeof(path))
            return pb_error(err, errlen, "path too long under %s", dir);
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return pb_error(err, errlen, "cannot make %s: %s", path, strerror(errno));
    }
    return 0;
}

int pb_pypkg_write(const char *dir, const char *driver_name, char *err, size_t errlen)
{
    char path[1024];
    const struct pb_pysrc *driver = pb_pysrc_find("driver_main.py");
    if (!driver)
        return pb_error(err, errlen, "the embedded driver is missing (build error)");
    for (const struct pb_pysrc *f = pb_pysrc_files; f->path; f++) {
        if (strncmp(f->path, PKG_PREFIX, strlen(PKG_PREFIX)) != 0)
            continue;
        int n = snprintf(path, sizeof(path), "%s/%s", dir, f->path);
        if (n < 0 || (size_t)n >= sizeof(path))
            return pb_error(err, errlen, "path too long under %s", dir);
        if (make_parents(dir, f->path, err, errlen) < 0 || write_new(path, f, err, errlen) < 0)
            return -1;
    }
    int n = snprintf(path, sizeof(path), "%s/%s", dir, driver_name);
    if (n < 0 || (size_t)n >= sizeof(path))
        return pb_error(err, errlen, "path too long under %s", dir);
    return write_new(path, driver, err, errlen);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

int pb_remove_tree(const char *dir)
{
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
