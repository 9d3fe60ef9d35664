/* charts.c: gnuplot data files and scripts, and their rendering (see charts.h). */
#include "charts.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

/* Category colours, and backend colours by position in the config. */
static const char *const cat_color[PB_CAT_COUNT] = { "#4C72B0", "#DD8452", "#55A868" };
static const unsigned backend_colors[] = {
    0x7f7f7f, 0x1f77b4, 0xd62728, 0x2ca02c, 0x9467bd, 0x8c564b, 0xe377c2, 0xbcbd22,
    0x17becf, 0xff7f0e, 0x393b79, 0x637939, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896,
    0xc5b0d5, 0xc49c94, 0xf7b6d2, 0xdbdb8d,
};
#define NCOLORS (sizeof(backend_colors) / sizeof(backend_colors[0]))

static int write_text(const char *dir, const char *name, const char *text, char *err,
                      size_t errlen)
{
    struct pb_strbuf path = PB_STRBUF_INIT;
    pb_strbuf_addf(&path, "%s/%s", dir, name);
    int rc = pb_write_file_atomic(path.buf, text, strlen(text), err, errlen);
    pb_strbuf_release(&path);
    return rc;
}

/* NAME.dat and NAME.gp in dir. */
static int write_chart(const char *dir, const char *name, const char *dat, const char *gp,
                       char *err, size_t errlen)
{
    struct pb_strbuf f = PB_STRBUF_INIT;
    pb_strbuf_addf(&f, "%s.dat", name);
    int rc = write_text(dir, f.buf, dat, err, errlen);
    f.len = 0;
    pb_strbuf_addf(&f, "%s.gp", name);
    if (rc == 0)
        rc = write_text(dir, f.buf, gp, err, errlen);
    pb_strbuf_release(&f);
    return rc;
}

/* gnuplot string literal (single quotes doubled). */
static void gp_quote(struct pb_strbuf *sb, const char *s)
{
    pb_strbuf_add(sb, "'", 1);
    for (; *s; s++) {
        if (*s == '\'')
            pb_strbuf_add(sb, "'", 1);
        pb_strbuf_add(sb, s, 1);
    }
    pb_strbuf_add(sb, "'", 1);
}

/* A data file field: names go in double quotes, numbers or '?' (missing). */
static void dat_name(struct pb_strbuf *sb, const char *s)
{
    pb_strbuf_add(sb, "\"", 1);
    for (; *s; s++)
        pb_strbuf_add(sb, *s == '"' ? "'" : s, 1);
    pb_strbuf_add(sb, "\" ", 2);
}

static void dat_num(struct pb_strbuf *sb, double v)
{
    if (isfinite(v))
        pb_strbuf_addf(sb, "%.6g ", v);
    else
        pb_strbuf_adds(sb, "? ");
}

/* Terminal set-up and the replot to SVG around a plot command. */
static void gp_begin(struct pb_strbuf *gp, const char *base, int width, int height)
{
    pb_strbuf_addf(gp, "# Rendered by pyprof-bench; run again with: gnuplot %s.gp\n"
                   "set datafile missing '?'\n"
                   "set terminal pngcairo size %d,%d font 'Sans,10' noenhanced\n"
                   "set output '%s.png'\n", base, width, height, base);
}

static void gp_end(struct pb_strbuf *gp, const char *base, int width, int height)
{
    pb_strbuf_addf(gp, "set terminal svg size %d,%d font 'Sans,10' noenhanced\n"
                   "set output '%s.svg'\nreplot\nunset output\n", width, height, base);
}

static int selected_backends(const struct pb_results *res, size_t *idx)
{
    int n = 0;
    for (size_t b = 0; b < res->cfg->nbackends; b++) {
        /* A shard charts only the backends it ran, available on some
         * interpreter */
        int in_shard = 0;
        for (size_t w = 0; w < res->cfg->nworkloads && !in_shard; w++)
            in_shard = pb_results_cell_on(res, w, b) && res->available[pb_results_avail(res, w, b)];
        const char *why;   /* and only those the metric measures */
        if (in_shard &&
            pb_metric_applies(res->metric, res->cfg->backends[b].ops, &why))
            idx[n++] = b;
    }
    return n;
}

static int write_overhead(const struct pb_results *res, const char *dir, char *err,
                          size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    size_t *bi = pb_xcalloc(cfg->nbackends + 1, sizeof(size_t));
    int nb = selected_backends(res, bi);
    struct pb_strbuf dat = PB_STRBUF_INIT, gp = PB_STRBUF_INIT;
    double lo = INFINITY, hi = 0;
    int instr = res->metric == PB_METRIC_INSTRUCTIONS;
    pb_strbuf_addf(&dat, "# workload, then per backend: %s ratio, 95%% low, 95%% high\n",
                   instr ? "instruction" : "wall");
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        if (!pb_results_workload_active(res, w))
            continue;
        char label[512];
        pb_workload_file_label(res, w, label, sizeof(label));
        dat_name(&dat, label);
        for (int k = 0; k < nb; k++) {
            const struct pb_cell *c = pb_results_cell(res, w, bi[k]);
            double r, rlo, rhi;
            pb_cell_overhead(res, c, &r, &rlo, &rhi);
            /* too few rounds for an interval: a bar without error bars */
            if (isfinite(r) && (!isfinite(rlo) || !isfinite(rhi)))
                rlo = rhi = r;
            dat_num(&dat, r);
            dat_num(&dat, rlo);
            dat_num(&dat, rhi);
            if (isfinite(rlo) && rlo < lo)
                lo = rlo;
            if (isfinite(rhi) && rhi > hi)
                hi = rhi;
        }
        pb_strbuf_add(&dat, "\n", 1);
    }
    int logscale = isfinite(lo) && lo > 0 && hi / lo > 4;
    gp_begin(&gp, "overhead", 1200, 560);
    pb_strbuf_addf(&gp,
                   "set title '%s overhead: profiled / unprofiled (%s, bars: 95%% "
                   "interval)'\n"
                   "set style data histograms\n"
                   "set style histogram errorbars gap 1.5 lw 1\n"
                   "set style fill solid 0.85 border -1\n"
                   "set key outside right top title 'backend'\n"
                   "set ylabel '%s (x)%s'\n"
                   "set grid ytics\n"
                   "%s\n"
                   "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#444444'\n"
                   "plot ",
                   instr ? "Instruction-count" : "Wall-clock",
                   instr ? "median of per-round ratios" : "ratio of the fastest runs",
                   instr ? "instructions executed" : "slowdown", logscale ? ", log scale" : "",
                   logscale ? "set logscale y\nset yrange [0.8:*]" : "set yrange [0:*]");
    for (int k = 0; k < nb; k++) {
        const struct pb_backend_conf *b = &cfg->backends[bi[k]];
        if (k)
            pb_strbuf_adds(&gp, ", \\\n     ");
        pb_strbuf_addf(&gp, "'overhead.dat' using %d:%d:%d%s title ", 2 + 3 * k, 3 + 3 * k,
                       4 + 3 * k, k == 0 ? ":xtic(1)" : "");
        gp_quote(&gp, b->name);
        pb_strbuf_addf(&gp, " lc rgb '#%06x'", backend_colors[bi[k] % NCOLORS]);
    }
    pb_strbuf_add(&gp, "\n", 1);
    gp_end(&gp, "overhead", 1200, 560);
    int rc = 0;
    if (nb == 0 || !isfinite(lo))
        rc = 0;   /* nothing measured: gnuplot would reject the empty range */
    else if (write_chart(dir, "overhead", dat.buf, gp.buf, err, errlen) < 0)
        rc = -1;
    else
        rc = 1;
    pb_strbuf_release(&dat);
    pb_strbuf_release(&gp);
    free(bi);
    return rc;
}

/* accuracy-W and tradeoff-W for one workload; returns scripts written. */
static int write_workload(const struct pb_results *res, size_t w, const char *dir, char *err,
                          size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    const struct pb_truth *t = &res->truth[w];
    char wname[512], file_label[512];
    pb_workload_label(res, w, wname, sizeof(wname));
    pb_workload_file_label(res, w, file_label, sizeof(file_label));
    size_t *bi = pb_xcalloc(cfg->nbackends + 1, sizeof(size_t));
    int nb = selected_backends(res, bi), written = 0, rc = 0;
    struct pb_strbuf dat = PB_STRBUF_INIT, gp = PB_STRBUF_INIT, name = PB_STRBUF_INIT;
    double tsum = t->cat_s[0] + t->cat_s[1] + t->cat_s[2];

    /* accuracy: rows truth + each backend with categories; columns in % */
    pb_strbuf_adds(&dat, "# row, then python, native, system share of attributed time (%)\n");
    dat_name(&dat, "truth");
    for (int c = 0; c < PB_CAT_COUNT; c++)
        dat_num(&dat, tsum > 0 ? 100 * t->cat_s[c] / tsum : NAN);
    pb_strbuf_add(&dat, "\n", 1);
    int rows = 0;
    for (int k = 0; k < nb; k++) {
        const struct pb_cell *c = pb_results_cell(res, w, bi[k]);
        const struct pb_backend_conf *b = &cfg->backends[bi[k]];
        if (!(b->ops->caps & PB_CAP_REPORT) || c->status == PB_CELL_SKIPPED)
            continue;
        int any = 0;   /* a backend with no categories (austin) has no bar */
        for (int cat = 0; cat < PB_CAT_COUNT; cat++)
            any |= isfinite(c->cat_share[cat]);
        if (!any)
            continue;
        struct pb_strbuf label = PB_STRBUF_INIT;
        pb_strbuf_adds(&label, b->name);
        if (!isfinite(c->cat_share[PB_CAT_SYSTEM]))
            pb_strbuf_adds(&label, " (no system)");
        dat_name(&dat, label.buf);
        pb_strbuf_release(&label);
        for (int cat = 0; cat < PB_CAT_COUNT; cat++)
            dat_num(&dat, isfinite(c->cat_share[cat]) ? 100 * c->cat_share[cat] : 0);
        pb_strbuf_add(&dat, "\n", 1);
        rows++;
    }
    if (rows > 0 && tsum > 0) {
        pb_strbuf_addf(&name, "accuracy-%s", file_label);
        gp_begin(&gp, name.buf, 900, 520);
        pb_strbuf_adds(&gp, "set title ");
        struct pb_strbuf title = PB_STRBUF_INIT;
        pb_strbuf_addf(&title, "%s: time categories, measured truth beside what each backend "
                       "reports", wname);
        gp_quote(&gp, title.buf);
        pb_strbuf_release(&title);
        pb_strbuf_addf(&gp, "\nset style data histograms\n"
                       "set style histogram rowstacked\n"
                       "set style fill solid 0.9 border -1\n"
                       "set boxwidth 0.7\n"
                       "set yrange [0:100]\n"
                       "set ylabel 'share of the time attributed (%%)'\n"
                       "set xtics rotate by 40 right\n"
                       "set key outside right top\n"
                       "plot '%s.dat' using 2:xtic(1) title 'python' lc rgb '%s', \\\n"
                       "     '' using 3 title 'native' lc rgb '%s', \\\n"
                       "     '' using 4 title 'system (kernel + off-CPU)' lc rgb '%s'\n",
                       name.buf, cat_color[0], cat_color[1], cat_color[2]);
        gp_end(&gp, name.buf, 900, 520);
        if (write_chart(dir, name.buf, dat.buf, gp.buf, err, errlen) < 0)
            rc = -1;
        else
            written++;
    }

    /* tradeoff: overhead against FAE */
    dat.len = gp.len = name.len = 0;
    if (dat.buf)
        dat.buf[0] = '\0';
    pb_strbuf_adds(&dat, "# backend, wall ratio, FAE (points), colour\n");
    int points = 0;
    double lo = INFINITY, hi = 0, maxfae = 0;
    size_t *pb = pb_xcalloc(cfg->nbackends + 1, sizeof(size_t));   /* backend of each point */
    for (int k = 0; k < nb; k++) {
        const struct pb_cell *c = pb_results_cell(res, w, bi[k]);
        double r, rlo, rhi;
        pb_cell_overhead(res, c, &r, &rlo, &rhi);
        if (!isfinite(c->fae_pp) || !isfinite(r))
            continue;
        pb[points] = bi[k];
        dat_name(&dat, cfg->backends[bi[k]].name);
        dat_num(&dat, r);
        dat_num(&dat, c->fae_pp);
        pb_strbuf_addf(&dat, "%u\n", backend_colors[bi[k] % NCOLORS]);
        if (c->fae_pp > maxfae)
            maxfae = c->fae_pp;
        if (r < lo)
            lo = r;
        if (r > hi)
            hi = r;
        points++;
    }
    if (rc == 0 && points > 0) {
        pb_strbuf_addf(&name, "tradeoff-%s", file_label);
        gp_begin(&gp, name.buf, 900, 560);
        pb_strbuf_adds(&gp, "set title ");
        struct pb_strbuf title = PB_STRBUF_INIT;
        pb_strbuf_addf(&title, "%s: the trade-off, overhead against attribution error "
                       "(lower left is better)", wname);
        gp_quote(&gp, title.buf);
        pb_strbuf_release(&title);
        /* The noise floor: an FAE inside the band is not evidence of an
         * error (docs/METHOD.md). */
        double floor_hi = res->truth[w].floor_hi;
        if (isfinite(floor_hi) && floor_hi > 0) {
            pb_strbuf_addf(&gp, "\nset object 1 rect from graph 0, first 0 to graph 1, first %g "
                           "behind fc rgb '#e4e4e4' fs solid 1.0 noborder\n"
                           "set label 1 'noise floor (none row, A/A)' at graph 0.01, first %g "
                           "offset 0, 0.6 font ',9' tc rgb '#555555'", floor_hi, floor_hi);
            if (floor_hi > maxfae)
                maxfae = floor_hi;
        }
        pb_strbuf_addf(&gp, "\nset xlabel '%s (x)%s'\n"
                       "set ylabel 'function attribution error, FAE (percentage points)'\n"
                       "set grid\n%s"
                       "%s"
                       "set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.05\n"
                       "set xrange [%g:%g]\n"
                       "set key outside right top title 'backend'\n"
                       "plot ",
                       res->metric == PB_METRIC_INSTRUCTIONS ? "instructions executed"
                                                             : "wall-clock slowdown",
                       hi / lo > 4 ? ", log scale" : "",
                       hi / lo > 4 ? "set logscale x\n" : "",
                       /* an all-zero range would make gnuplot warn */
                       maxfae < 1 ? "set yrange [0:1]\n" : "set yrange [0:*]\n",
                       /* explicit: a single point would make gnuplot warn */
                       lo * 0.95, hi * 1.05);
        /* One series per backend: the legend names them, no label can overlap. */
        for (int k = 0; k < points; k++) {
            /* colour by position, and past the palette another point
             * shape, so that every backend of a long config is its own */
            static const int shapes[] = { 7, 5, 9, 11 };
            pb_strbuf_addf(&gp, "%s'%s.dat' every ::%d::%d using 2:3 with points pt %d ps 1.8 "
                           "lc rgb '#%06x' title ", k ? ", \\\n     " : "", name.buf, k, k,
                           shapes[(pb[k] / NCOLORS) % 4], backend_colors[pb[k] % NCOLORS]);
            gp_quote(&gp, cfg->backends[pb[k]].name);
        }
        pb_strbuf_add(&gp, "\n", 1);
        gp_end(&gp, name.buf, 900, 560);
        if (write_chart(dir, name.buf, dat.buf, gp.buf, err, errlen) < 0)
            rc = -1;
        else
            written++;
    }
    pb_strbuf_release(&dat);
    pb_strbuf_release(&gp);
    pb_strbuf_release(&name);
    free(pb);
    free(bi);
    return rc < 0 ? -1 : written;
}

/* A scale point's workload name, AXIS_NUMBER ("depth_1000", "threads_512",
 * "region_0.1"): 1 with the axis and the number, 0 for any other name. */
static int scale_point(const char *name, char *axis, size_t len, double *x)
{
    const char *us = strrchr(name, '_');
    char *end;
    if (!us || us == name || (size_t)(us - name) >= len)
        return 0;
    *x = strtod(us + 1, &end);
    if (end == us + 1 || *end || !(*x > 0) || !isfinite(*x))
        return 0;
    memcpy(axis, name, (size_t)(us - name));
    axis[us - name] = '\0';
    return 1;
}

/* scale-AXIS for every axis that two or more workloads name (scale_point):
 * each backend's sampler CPU per thread sample (cell cpu_per_sample_s; none
 * for a backend that cannot tell its CPU apart) and its wall overhead,
 * against the axis, log-log. Returns the scripts written. */
static int write_scale(const struct pb_results *res, const char *dir, char *err, size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    size_t *bi = pb_xcalloc(cfg->nbackends + 1, sizeof(size_t));
    int nb = selected_backends(res, bi), written = 0;
    char axis[128], other[128];
    double x;
    for (size_t w0 = 0; w0 < cfg->nworkloads; w0++) {
        if (!pb_results_workload_active(res, w0) ||
            !scale_point(cfg->workloads[w0].name, axis, sizeof(axis), &x))
            continue;
        int first = 1, points = 0;   /* the axis's first workload draws it */
        for (size_t w = 0; w < cfg->nworkloads; w++) {
            if (!pb_results_workload_active(res, w) ||
                !scale_point(cfg->workloads[w].name, other, sizeof(other), &x) ||
                strcmp(axis, other))
                continue;
            if (w < w0)
                first = 0;
            points++;
        }
        if (!first || points < 2 || nb == 0)
            continue;
        struct pb_strbuf dat = PB_STRBUF_INIT, gp = PB_STRBUF_INIT, plot = PB_STRBUF_INIT;
        struct pb_strbuf base = PB_STRBUF_INIT;
        pb_strbuf_addf(&base, "scale-%s", axis);
        pb_strbuf_addf(&dat, "# %s, then per backend: sampler CPU per thread sample (us), "
                       "wall overhead (x)\n", axis);
        for (size_t w = 0; w < cfg->nworkloads; w++) {
            if (!pb_results_workload_active(res, w) ||
                !scale_point(cfg->workloads[w].name, other, sizeof(other), &x) ||
                strcmp(axis, other))
                continue;
            dat_num(&dat, x);
            for (int k = 0; k < nb; k++) {
                const struct pb_cell *c = pb_results_cell(res, w, bi[k]);
                double r, rlo, rhi;
                pb_cell_overhead(res, c, &r, &rlo, &rhi);
                dat_num(&dat, c->status == PB_CELL_OK ? 1e6 * c->cpu_per_sample_s : NAN);
                dat_num(&dat, c->status == PB_CELL_OK ? r : NAN);
            }
            pb_strbuf_add(&dat, "\n", 1);
        }
        for (int panel = 0; panel < 2; panel++) {
            pb_strbuf_addf(&plot, "set title '%s'\nset xlabel '%s'\nset ylabel '%s'\n"
                           "set logscale x\nset logscale y\nset grid\n"
                           "set key top left\nplot ",
                           panel ? "Wall overhead: profiled / unprofiled"
                                 : "Sampler CPU per thread sample (its own CPU / its samples)",
                           axis, panel ? "slowdown (x)" : "microseconds");
            for (int k = 0; k < nb; k++) {
                if (k)
                    pb_strbuf_adds(&plot, ", \\\n     ");
                pb_strbuf_addf(&plot, "'%s.dat' using 1:%d with linespoints title ", base.buf,
                               2 + 2 * k + panel);
                gp_quote(&plot, cfg->backends[bi[k]].name);
                pb_strbuf_addf(&plot, " lc rgb '#%06x' pt %d", backend_colors[bi[k] % NCOLORS],
                               1 + (int)(bi[k] / NCOLORS));
            }
            pb_strbuf_add(&plot, "\n", 1);
        }
        /* multiplot: drawn once per terminal (replot would redraw one panel) */
        pb_strbuf_addf(&gp, "# Rendered by pyprof-bench; run again with: gnuplot %s.gp\n"
                       "set datafile missing '?'\n", base.buf);
        for (int svg = 0; svg < 2; svg++) {
            pb_strbuf_addf(&gp, "set terminal %s size 1200,480 font 'Sans,10' noenhanced\n"
                           "set output '%s.%s'\nset multiplot layout 1,2\n%sunset multiplot\n"
                           "unset output\n", svg ? "svg" : "pngcairo", base.buf,
                           svg ? "svg" : "png", plot.buf);
        }
        if (write_chart(dir, base.buf, dat.buf, gp.buf, err, errlen) < 0)
            written = -1;
        else if (written >= 0)
            written++;
        pb_strbuf_release(&dat);
        pb_strbuf_release(&gp);
        pb_strbuf_release(&plot);
        pb_strbuf_release(&base);
        if (written < 0)
            break;
    }
    free(bi);
    return written;
}

int pb_charts_write(const struct pb_results *res, const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) < 0 && errno != EEXIST)
        return pb_error(err, errlen, "cannot create '%s': %s", dir, strerror(errno));
    int total = write_overhead(res, dir, err, errlen);
    if (total < 0)
        return -1;
    for (size_t w = 0; w < res->cfg->nworkloads; w++) {
        if (!pb_results_workload_active(res, w))
            continue;
        int n = write_workload(res, w, dir, err, errlen);
        if (n < 0)
            return -1;
        total += n;
    }
    int n = write_scale(res, dir, err, errlen);
    return n < 0 ? -1 : total + n;
}

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = pb_xstrdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        struct pb_strbuf p = PB_STRBUF_INIT;
        pb_strbuf_addf(&p, "%s/%s", d, prog);
        found = access(p.buf, X_OK) == 0;
        pb_strbuf_release(&p);
    }
    free(copy);
    return found;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int gp_only(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 3 && !strcmp(e->d_name + n - 3, ".gp");
}

int pb_charts_render(const char *dir, char *err, size_t errlen)
{
    if (!on_path("gnuplot"))
        return 0;
    struct dirent **list;
    int n = scandir(dir, &list, gp_only, by_name);
    if (n < 0)
        return pb_error(err, errlen, "cannot read '%s': %s", dir, strerror(errno));
    int done = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0) {
            /* gnuplot runs in the charts folder so scripts use plain names. */
            pid_t pid;
            posix_spawn_file_actions_t fa;
            posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_addchdir_np(&fa, dir);
            posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
            char *argv[] = { "gnuplot", list[i]->d_name, NULL };
            int st = 0, e = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
            posix_spawn_file_actions_destroy(&fa);
            if (e)
                rc = pb_error(err, errlen, "cannot run gnuplot: %s", strerror(e));
            else if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
                rc = pb_error(err, errlen, "gnuplot failed on %s/%s", dir, list[i]->d_name);
            else
                done++;
        }
        free(list[i]);
    }
    free(list);
    return rc < 0 ? -1 : done;
}
