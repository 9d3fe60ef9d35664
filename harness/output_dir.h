/*
 * output_dir.h: the result folder. It is created if missing, locked for the
 * life of the run (two harnesses writing the same folder: the second is
 * refused), and every file is written atomically: a temporary file in the
 * same folder, fsync, then rename(2), so a reader never sees half a file and
 * an earlier complete file survives a failed write.
 */
#ifndef PB_OUTPUT_DIR_H
#define PB_OUTPUT_DIR_H

#include <stddef.h>

struct pb_output_dir {
    char *path;      /* owned */
    int lock_fd;     /* -1 when not locked */
};

/* A new timestamped folder under parent: PARENT/YYYYmmdd-HHMMSS (a suffix -2,
 * -3... when it exists). You own *out. */
int pb_output_dir_new_name(const char *parent, char **out, char *err, size_t errlen);
/* Create (with parents) and lock path. */
int pb_output_dir_open(struct pb_output_dir *d, const char *path, char *err, size_t errlen);
/* Write name inside the folder atomically. */
int pb_output_dir_write(const struct pb_output_dir *d, const char *name, const char *data,
                        size_t len, char *err, size_t errlen);
void pb_output_dir_close(struct pb_output_dir *d);

#endif
