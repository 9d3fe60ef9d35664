/*
 * pypkg.h: the Python half of the harness, the package harness/py/pyprof_bench
 * (loader, region, truth, launched driver, config checks, file parsers, tool
 * glue), embedded in the binary at build time (harness/py/embed.py writes
 * the table below into build/gen/pysrc.c), so that the binary needs no file
 * of it on disk.
 *
 * In an embedded interpreter the package is imported through a meta-path
 * finder over these sources (pypkg_import.h); for a launcher tool the
 * package and the driver are written into the launch's private folder
 * (pb_pypkg_write, launch.c).
 */
#ifndef PB_PYPKG_H
#define PB_PYPKG_H

#include <stddef.h>

/* One embedded file: its path under harness/py ("pyprof_bench/region.py",
 * "embedded_importer.py", "driver_main.py") and its text. */
struct pb_pysrc {
    const char *path;
    const char *text;
    size_t len;
};

/* Every embedded file; the last entry's path is NULL. */
extern const struct pb_pysrc pb_pysrc_files[];

/* The file of that path, or NULL. */
const struct pb_pysrc *pb_pysrc_find(const char *path);

/* Write the package as DIR/pyprof_bench/... and the launched driver's entry
 * script as DIR/DRIVER_NAME. 0, or -1 with the reason in err. */
int pb_pypkg_write(const char *dir, const char *driver_name, char *err, size_t errlen);

/* Remove DIR and everything under it (a folder pb_pypkg_write filled, with
 * what the tool wrote beside it); never follows a symbolic link. 0, or -1
 * with errno set for the first failure. */
int pb_remove_tree(const char *dir);

#endif
