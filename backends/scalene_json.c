/* scalene_json.c: scalene's JSON profile into a report (see scalene_json.h). */
#include "scalene_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../harness/category.h"
#include "../harness/json_parse.h"
#include "../harness/util.h"
#include "profile_agg.h"

/* A finite percentage in [0, 100] (scalene rounds to slightly over), else -1. */
static double percent(const struct pb_jval *fn, const char *key)
{
    const struct pb_jval *v = pb_jval_get(fn, key);
    if (!v || v->type == PB_J_NULL)
        return 0;
    if (v->type != PB_J_NUM || !isfinite(v->num) || v->num < 0 || v->num > 100.5)
        return -1;
    return v->num;
}

int pb_scalene_json_read(const char *text, size_t len, struct pb_report *out, char *err,
                         size_t errlen)
{
    struct pb_jval d;
    char why[PB_ERRLEN];
    if (pb_json_parse(text, len, &d, why, sizeof(why)) < 0)
        return pb_error(err, errlen, "scalene JSON: %s", why);
    int rc = -1;
    const struct pb_jval *el = d.type == PB_J_OBJ ? pb_jval_get(&d, "elapsed_time_sec") : NULL;
    const struct pb_jval *files = d.type == PB_J_OBJ ? pb_jval_get(&d, "files") : NULL;
    if (!files) {
        pb_error(err, errlen, "scalene JSON: an empty profile (no \"files\")");
        goto done;
    }
    if (files->type != PB_J_OBJ || !el || el->type != PB_J_NUM || !isfinite(el->num) ||
        el->num < 0 || el->num > 1e7) {
        pb_error(err, errlen, "scalene JSON: \"files\" must be an object and "
                 "\"elapsed_time_sec\" a time in seconds");
        goto done;
    }
    struct pb_agg agg;
    pb_agg_init(&agg, out);
    for (size_t i = 0; i < files->n; i++) {
        const struct pb_jval *f = &files->items[i];
        const struct pb_jval *fns = f->type == PB_J_OBJ ? pb_jval_get(f, "functions") : NULL;
        if (!fns || fns->type == PB_J_NULL)
            continue;
        if (fns->type != PB_J_ARR) {
            pb_error(err, errlen, "scalene JSON: %s: \"functions\" is not a list",
                     files->keys[i]);
            pb_agg_release(&agg);
            goto done;
        }
        for (size_t j = 0; j < fns->n; j++) {
            const struct pb_jval *fn = &fns->items[j];
            const char *name = fn->type == PB_J_OBJ ? pb_jval_str(fn, "line") : NULL;
            const struct pb_jval *ln = fn->type == PB_J_OBJ ? pb_jval_get(fn, "lineno") : NULL;
            double py = percent(fn, "n_cpu_percent_python");
            double nat = percent(fn, "n_cpu_percent_c");
            double sys = percent(fn, "n_sys_percent");
            if (!name || py < 0 || nat < 0 || sys < 0) {
                pb_error(err, errlen, "scalene JSON: %s: function %zu needs a name and "
                         "percentages in 0..100", files->keys[i], j);
                pb_agg_release(&agg);
                goto done;
            }
            const char *dot = strrchr(name, '.');
            int line = ln && ln->type == PB_J_NUM && ln->num >= 0 && ln->num < 1e9
                           ? (int)ln->num : 0;
            struct pb_report_entry *e = pb_agg_entry(&agg, files->keys[i], line,
                                                     dot && dot[1] ? dot + 1 : name, 0);
            e->cat_s[PB_CAT_PYTHON] += py / 100 * el->num;
            e->cat_s[PB_CAT_NATIVE] += nat / 100 * el->num;
            e->cat_s[PB_CAT_SYSTEM] += sys / 100 * el->num;
            e->self_s = e->inclusive_s = e->cat_s[PB_CAT_PYTHON] + e->cat_s[PB_CAT_NATIVE] +
                                         e->cat_s[PB_CAT_SYSTEM];
        }
    }
    pb_agg_release(&agg);
    out->categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE) |
                      PB_CAT_BIT(PB_CAT_SYSTEM);
    rc = 0;
done:
    pb_jval_release(&d);
    return rc;
}
