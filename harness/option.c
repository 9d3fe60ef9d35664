/* option.c: parse and look up backend options (see option.h). */
#include "option.h"
#include "json_parse.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pb_option_type_name(enum pb_option_type t)
{
    switch (t) {
    case PB_OPT_BOOL: return "boolean";
    case PB_OPT_DURATION: return "duration";
    case PB_OPT_NUMBER: return "number";
    case PB_OPT_INT: return "integer";
    case PB_OPT_ENUM: return "choice";
    case PB_OPT_STRING: return "string";
    case PB_OPT_LIST: return "list";
    case PB_OPT_PATH: return "path";
    }
    return "?";
}

static void format_seconds(char *buf, size_t len, double s)
{
    if (s != 0 && fabs(s) < 1e-3)
        snprintf(buf, len, "%gus", s * 1e6);
    else if (s != 0 && fabs(s) < 1)
        snprintf(buf, len, "%gms", s * 1e3);
    else
        snprintf(buf, len, "%gs", s);
}

static int check_range(const struct pb_option_spec *spec, double v, char *err, size_t errlen)
{
    /* A relative tolerance: "100us" is 100 * 1e-6, a hair below 1e-4. */
    double eps = 1e-9 * (fabs(spec->min) > fabs(spec->max) ? fabs(spec->min) : fabs(spec->max));
    if (spec->min > spec->max || (v >= spec->min - eps && v <= spec->max + eps))
        return 0;
    char lo[32], hi[32];
    if (spec->type == PB_OPT_DURATION) {
        format_seconds(lo, sizeof(lo), spec->min);
        format_seconds(hi, sizeof(hi), spec->max);
    } else {
        snprintf(lo, sizeof(lo), "%g", spec->min);
        snprintf(hi, sizeof(hi), "%g", spec->max);
    }
    return pb_error(err, errlen, "must be between %s and %s", lo, hi);
}

int pb_option_parse(const struct pb_option_spec *spec, const char *text,
                    struct pb_option_value *out, char *err, size_t errlen)
{
    const char *keep = text;
    memset(out, 0, sizeof(*out));
    out->spec = spec;
    switch (spec->type) {
    case PB_OPT_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on"))
            out->v.b = 1;
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off"))
            out->v.b = 0;
        else
            return pb_error(err, errlen, "expected true or false, got '%s'", text);
        keep = out->v.b ? "true" : "false";
        break;
    case PB_OPT_DURATION: {
        char why[PB_ERRLEN];
        if (pb_parse_duration(text, &out->v.d, why, sizeof(why)) < 0)
            return pb_error(err, errlen, "%s", why);
        if (out->v.d < 0)
            return pb_error(err, errlen, "must not be negative, got '%s'", text);
        if (check_range(spec, out->v.d, err, errlen) < 0)
            return -1;
        /* The text as written ("20us") is canonical: it reads back the same. */
        break;
    }
    case PB_OPT_NUMBER:
        if (pb_parse_double(text, &out->v.d) < 0)
            return pb_error(err, errlen, "expected a number, got '%s'", text);
        if (check_range(spec, out->v.d, err, errlen) < 0)
            return -1;
        break;
    case PB_OPT_INT:
        if (pb_parse_long(text, &out->v.i) < 0)
            return pb_error(err, errlen, "expected an integer, got '%s'", text);
        if (check_range(spec, (double)out->v.i, err, errlen) < 0)
            return -1;
        break;
    case PB_OPT_ENUM: {
        int found = -1;
        for (int i = 0; spec->choices && spec->choices[i]; i++)
            if (!strcmp(spec->choices[i], text))
                found = i;
        if (found < 0) {
            char *list = pb_join(spec->choices, ", ");
            pb_error(err, errlen, "'%s' is not one of: %s", text, list);
            free(list);
            return -1;
        }
        out->v.choice = found;
        break;
    }
    case PB_OPT_STRING:
    case PB_OPT_PATH:
        break;
    case PB_OPT_LIST: {
        struct pb_jval v;
        char why[PB_ERRLEN];
        if (pb_json_parse(text, strlen(text), &v, why, sizeof(why)) < 0)
            return pb_error(err, errlen, "expected a list (JSON array): %s", why);
        int ok = v.type == PB_J_ARR;
        for (size_t i = 0; ok && i < v.n; i++)
            ok = v.items[i].type == PB_J_STR || v.items[i].type == PB_J_NUM ||
                 v.items[i].type == PB_J_BOOL;
        pb_jval_release(&v);
        if (!ok)
            return pb_error(err, errlen, "expected a list of strings, numbers or booleans");
        break;
    }
    }
    out->text = pb_xstrdup(keep);
    return 0;
}

int pb_options_init_defaults(struct pb_options *opts, const struct pb_option_spec *specs,
                             char *err, size_t errlen)
{
    size_t n = 0;
    while (specs && specs[n].name)
        n++;
    opts->values = pb_xcalloc(n ? n : 1, sizeof(*opts->values));
    opts->count = 0;
    for (size_t i = 0; i < n; i++) {
        char why[PB_ERRLEN];
        if (pb_option_parse(&specs[i], specs[i].default_text, &opts->values[i], why,
                            sizeof(why)) < 0) {
            pb_options_release(opts);
            return pb_error(err, errlen, "bad default for option '%s': %s", specs[i].name, why);
        }
        opts->count = i + 1;
    }
    return 0;
}

int pb_options_set(struct pb_options *opts, const char *name, const char *text,
                   char *err, size_t errlen)
{
    for (size_t i = 0; i < opts->count; i++) {
        struct pb_option_value *v = &opts->values[i];
        if (strcmp(v->spec->name, name))
            continue;
        struct pb_option_value nv;
        char why[PB_ERRLEN];
        if (pb_option_parse(v->spec, text, &nv, why, sizeof(why)) < 0)
            return pb_error(err, errlen, "option '%s': %s", name, why);
        free(v->text);
        *v = nv;
        return 0;
    }
    return pb_error(err, errlen, "unknown option '%s'", name);
}

void pb_options_release(struct pb_options *opts)
{
    for (size_t i = 0; i < opts->count; i++)
        free(opts->values[i].text);
    free(opts->values);
    opts->values = NULL;
    opts->count = 0;
}

const struct pb_option_value *pb_options_get(const struct pb_options *opts, const char *name)
{
    for (size_t i = 0; opts && i < opts->count; i++)
        if (!strcmp(opts->values[i].spec->name, name))
            return &opts->values[i];
    return NULL;
}

int pb_options_bool(const struct pb_options *opts, const char *name)
{
    const struct pb_option_value *v = pb_options_get(opts, name);
    return v ? v->v.b : 0;
}

double pb_options_double(const struct pb_options *opts, const char *name)
{
    const struct pb_option_value *v = pb_options_get(opts, name);
    return v ? v->v.d : 0.0;
}

long pb_options_int(const struct pb_options *opts, const char *name)
{
    const struct pb_option_value *v = pb_options_get(opts, name);
    return v ? v->v.i : 0;
}

const char *pb_options_text(const struct pb_options *opts, const char *name)
{
    const struct pb_option_value *v = pb_options_get(opts, name);
    return v ? v->text : "";
}

const char **pb_option_names(const struct pb_option_spec *specs)
{
    size_t n = 0;
    while (specs && specs[n].name)
        n++;
    const char **names = pb_xcalloc(n + 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = specs[i].name;
    return names;
}
