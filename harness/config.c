/*
 * config.c: load the YAML config with libyaml (see config.h for the schema).
 *
 * Two passes per file: an event scan that rejects what the document loader
 * would turn into a blow-up (aliases, nesting deeper than MAX_NESTING), then
 * libyaml's document loader, whose nodes carry the marks every error cites.
 * Included files are loaded before the rest of the including file, so later
 * files override defaults and append workloads and backends by construction.
 */
#include "config.h"
#include "paper.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "json.h"
#include "util.h"

#define MAX_NESTING 64
#define MAX_CONFIG_BYTES (16 << 20)

static const struct pb_backend_ops *const *registry_override;

void pb_config_set_registry(const struct pb_backend_ops *const *registry)
{
    registry_override = registry;
}

static const struct pb_backend_ops *const *registry(void)
{
    return registry_override ? registry_override : pb_backends;
}

static const struct pb_backend_ops *find_kind(const char *kind)
{
    const struct pb_backend_ops *const *r = registry();
    for (size_t i = 0; r[i]; i++)
        if (!strcmp(r[i]->kind, kind))
            return r[i];
    return NULL;
}

/* ---------------------------------------------------------------- loader */

struct loader {
    struct pb_config *cfg;
    char *err;
    size_t errlen;
    uint64_t hash;
    char *chain[PB_MAX_INCLUDE_DEPTH + 2];   /* real paths being loaded */
    int depth;
    double *own_scale;                        /* per workload, before defaults */
    size_t own_scale_cap;
};

/* The file being walked, for messages. */
struct doc {
    struct loader *ld;
    const char *name;       /* path as it appears in messages */
    char *dir;              /* absolute directory of the file, owned */
    yaml_document_t yaml;
};

static int fail_at(const struct doc *d, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(const struct doc *d, const yaml_node_t *node, const char *fmt, ...)
{
    char msg[PB_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t line = node ? node->start_mark.line + 1 : 1;
    size_t col = node ? node->start_mark.column + 1 : 1;
    return pb_error(d->ld->err, d->ld->errlen, "%s:%zu:%zu: %s", d->name, line, col, msg);
}

static void hash_bytes(struct loader *ld, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        ld->hash ^= (unsigned char)data[i];
        ld->hash *= 0x100000001b3ULL;
    }
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static const char *scalar(const yaml_node_t *n)
{
    return n ? (const char *)n->data.scalar.value : "";
}

static int is_plain(const yaml_node_t *n)
{
    return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static yaml_node_t *node(const struct doc *d, int id)
{
    return yaml_document_get_node((yaml_document_t *)&d->yaml, id);
}

/* Check every key of mapping m: a scalar, not repeated, one of allowed.
 * what names the mapping in messages ("defaults", "backend 'x'"). */
static int check_keys(const struct doc *d, const yaml_node_t *m, const char *const *allowed,
                      const char *what)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(d, p->key);
        if (!k || k->type != YAML_SCALAR_NODE)
            return fail_at(d, k, "keys in %s must be plain names", what);
        for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++)
            if (!strcmp(scalar(node(d, q->key)), scalar(k)))
                return fail_at(d, k, "duplicate key '%s' in %s", scalar(k), what);
        size_t i;
        for (i = 0; allowed[i]; i++)
            if (!strcmp(allowed[i], scalar(k)))
                break;
        if (allowed[i])
            continue;
        const char *s = pb_suggest(scalar(k), allowed);
        if (s)
            return fail_at(d, k, "unknown key '%s' in %s; did you mean '%s'?", scalar(k), what, s);
        char *all = pb_join(allowed, ", ");
        fail_at(d, k, "unknown key '%s' in %s (expected: %s)", scalar(k), what, all);
        free(all);
        return -1;
    }
    return 0;
}

/* The value of key in mapping m, or NULL. */
static yaml_node_t *get(const struct doc *d, const yaml_node_t *m, const char *key)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(d, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key))
            return node(d, p->value);
    }
    return NULL;
}

static int want_scalar(const struct doc *d, const yaml_node_t *n, const char *what)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(d, n, "%s must be a single value, got %s", what, node_kind(n));
    return 0;
}

static int get_long(const struct doc *d, const yaml_node_t *n, const char *what, long min,
                    long *out)
{
    if (want_scalar(d, n, what) < 0)
        return -1;
    if (pb_parse_long(scalar(n), out) < 0)
        return fail_at(d, n, "%s must be an integer, got '%s'", what, scalar(n));
    if (*out < min)
        return fail_at(d, n, "%s must be at least %ld, got %ld", what, min, *out);
    return 0;
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
            return 0;
    return 1;
}

static int valid_identifier(const char *s)
{
    if (!*s || isdigit((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* dir + "/" + rel, with "." and ".." segments resolved textually. */
static char *join_path(const char *dir, const char *rel)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    if (rel[0] == '/')
        pb_strbuf_adds(&sb, rel);
    else
        pb_strbuf_addf(&sb, "%s/%s", dir, rel);
    char *in = pb_strbuf_detach(&sb);
    char *out = pb_xmalloc(strlen(in) + 2);
    size_t o = 0;
    for (char *seg = in; seg && *seg;) {
        char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.')) {
            /* skip */
        } else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else {
            out[o++] = '/';
            memcpy(out + o, seg, len);
            o += len;
        }
        seg = slash ? slash + 1 : NULL;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    free(in);
    return out;
}

/* ---------------------------------------------------------------- sections */

static int load_file(struct loader *ld, const char *path, const char *shown,
                     const struct doc *from, const yaml_node_t *at);

static int do_include(struct doc *d, const yaml_node_t *n)
{
    if (n->type == YAML_SCALAR_NODE) {
        char *path = join_path(d->dir, scalar(n));
        int rc = load_file(d->ld, path, scalar(n), d, n);
        free(path);
        return rc;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(d, n, "include must be a file name or a list of them, got %s",
                       node_kind(n));
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *item = node(d, *i);
        if (want_scalar(d, item, "an include") < 0)
            return -1;
        char *path = join_path(d->dir, scalar(item));
        int rc = load_file(d->ld, path, scalar(item), d, item);
        free(path);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int do_defaults(struct doc *d, const yaml_node_t *m)
{
    static const char *const keys[] = { "rounds", "warmup", "timeout", "output", "seed",
                                        "scale", "precision", "max_rounds", "max_time",
                                        NULL };
    struct pb_defaults *def = &d->ld->cfg->defaults;
    if (m->type != YAML_MAPPING_NODE)
        return fail_at(d, m, "defaults must be a mapping, got %s", node_kind(m));
    if (check_keys(d, m, keys, "defaults") < 0)
        return -1;
    yaml_node_t *n;
    if ((n = get(d, m, "rounds")) && get_long(d, n, "rounds", 1, &def->rounds) < 0)
        return -1;
    if ((n = get(d, m, "warmup")) && get_long(d, n, "warmup", 0, &def->warmup) < 0)
        return -1;
    if ((n = get(d, m, "seed")) && get_long(d, n, "seed", 0, &def->seed) < 0)
        return -1;
    if ((n = get(d, m, "timeout"))) {
        char why[PB_ERRLEN];
        if (want_scalar(d, n, "timeout") < 0)
            return -1;
        if (pb_parse_duration(scalar(n), &def->timeout_s, why, sizeof(why)) < 0)
            return fail_at(d, n, "timeout: %s", why);
        if (!(def->timeout_s > 0))
            return fail_at(d, n, "timeout must be more than 0, got '%s'", scalar(n));
    }
    if ((n = get(d, m, "max_rounds")) && get_long(d, n, "max_rounds", 1, &def->max_rounds) < 0)
        return -1;
    if ((n = get(d, m, "precision"))) {
        if (want_scalar(d, n, "precision") < 0)
            return -1;
        if (pb_parse_fraction(scalar(n), &def->precision) < 0 || !(def->precision > 0))
            return fail_at(d, n, "precision must be a percentage more than 0 such as 5%%, "
                           "got '%s'", scalar(n));
    }
    if ((n = get(d, m, "max_time"))) {
        char why[PB_ERRLEN];
        if (want_scalar(d, n, "max_time") < 0)
            return -1;
        if (pb_parse_duration(scalar(n), &def->max_time_s, why, sizeof(why)) < 0)
            return fail_at(d, n, "max_time: %s", why);
        if (!(def->max_time_s > 0))
            return fail_at(d, n, "max_time must be more than 0, got '%s'", scalar(n));
    }
    if ((n = get(d, m, "scale"))) {
        if (want_scalar(d, n, "scale") < 0)
            return -1;
        if (pb_parse_double(scalar(n), &def->scale) < 0 || !(def->scale > 0))
            return fail_at(d, n, "scale must be a number more than 0, got '%s'", scalar(n));
    }
    if ((n = get(d, m, "output"))) {
        if (want_scalar(d, n, "output") < 0)
            return -1;
        if (!*scalar(n))
            return fail_at(d, n, "output must not be empty");
        free(def->output);
        def->output = pb_xstrdup(scalar(n));
    }
    return 0;
}

static char *where(const struct doc *d, const yaml_node_t *n)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_addf(&sb, "%s:%zu:%zu", d->name, n->start_mark.line + 1,
                   n->start_mark.column + 1);
    return pb_strbuf_detach(&sb);
}

static int parse_arg(const struct doc *d, const yaml_node_t *n, struct pb_arg *a)
{
    memset(a, 0, sizeof(*a));
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(d, n, "phase arguments must be single values, got %s", node_kind(n));
    const char *v = scalar(n);
    if (!is_plain(n)) {
        a->kind = PB_ARG_STRING;
    } else if (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
               !strcmp(v, "NULL")) {
        a->kind = PB_ARG_NONE;
    } else if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE")) {
        a->kind = PB_ARG_BOOL;
        a->i = 1;
    } else if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE")) {
        a->kind = PB_ARG_BOOL;
    } else {
        char *end;
        errno = 0;
        long long i = strtoll(v, &end, 10);
        if (!*end && !errno) {
            a->kind = PB_ARG_INT;
            a->i = i;
            return 0;
        }
        double f;
        if (pb_parse_double(v, &f) == 0) {
            a->kind = PB_ARG_FLOAT;
            a->f = f;
            return 0;
        }
        a->kind = PB_ARG_STRING;
    }
    if (a->kind == PB_ARG_STRING)
        a->s = pb_xstrdup(v);
    return 0;
}

static int do_args(struct doc *d, const yaml_node_t *args, struct pb_phase *ph)
{
    if (!args)
        return 0;
    if (args->type != YAML_SEQUENCE_NODE)
        return fail_at(d, args, "args must be a list, got %s", node_kind(args));
    size_t n = (size_t)(args->data.sequence.items.top - args->data.sequence.items.start);
    ph->args = pb_xcalloc(n ? n : 1, sizeof(*ph->args));
    for (size_t i = 0; i < n; i++) {
        if (parse_arg(d, node(d, args->data.sequence.items.start[i]), &ph->args[i]) < 0)
            return -1;
        ph->nargs = i + 1;
    }
    return 0;
}

static int do_phase(struct doc *d, const yaml_node_t *m, const char *wname, struct pb_phase *ph)
{
    static const char *const keys[] = { "function", "args", "category", "threads", NULL };
    char what[200];
    snprintf(what, sizeof(what), "a phase of workload '%.100s'", wname);
    if (m->type != YAML_MAPPING_NODE)
        return fail_at(d, m, "%s must be a mapping, got %s", what, node_kind(m));
    if (check_keys(d, m, keys, what) < 0)
        return -1;
    yaml_node_t *fn = get(d, m, "function");
    if (!fn)
        return fail_at(d, m, "%s has no function", what);
    if (want_scalar(d, fn, "function") < 0)
        return -1;
    if (!valid_identifier(scalar(fn)))
        return fail_at(d, fn, "function must be a Python identifier, got '%s'", scalar(fn));
    ph->function = pb_xstrdup(scalar(fn));
    yaml_node_t *cat = get(d, m, "category");
    if (!cat)
        return fail_at(d, m, "phase '%s' of workload '%s' has no category (python, native or "
                       "system)", ph->function, wname);
    if (want_scalar(d, cat, "category") < 0)
        return -1;
    int c = pb_category_parse(scalar(cat));
    if (c < 0)
        return fail_at(d, cat, "category must be python, native or system, got '%s'",
                       scalar(cat));
    ph->category = (enum pb_category)c;
    yaml_node_t *th = get(d, m, "threads");
    if (th) {
        if (th->type != YAML_MAPPING_NODE)
            return fail_at(d, th, "threads must be a mapping of thread names to categories, "
                           "got %s", node_kind(th));
        size_t n = (size_t)(th->data.mapping.pairs.top - th->data.mapping.pairs.start);
        ph->threads = pb_xcalloc(n ? n : 1, sizeof(*ph->threads));
        for (size_t i = 0; i < n; i++) {
            yaml_node_pair_t *pr = &th->data.mapping.pairs.start[i];
            yaml_node_t *k = node(d, pr->key), *v = node(d, pr->value);
            if (!k || k->type != YAML_SCALAR_NODE || !*scalar(k))
                return fail_at(d, k ? k : th, "thread names must be plain names");
            for (size_t j = 0; j < i; j++)
                if (!strcmp(ph->threads[j].name, scalar(k)))
                    return fail_at(d, k, "thread '%s' is declared twice", scalar(k));
            if (strlen(scalar(k)) >= 64)
                return fail_at(d, k, "thread name '%.20s...' is longer than 63 bytes",
                               scalar(k));
            if (want_scalar(d, v, "a thread's category") < 0)
                return -1;
            int tc = pb_category_parse(scalar(v));
            if (tc < 0)
                return fail_at(d, v, "category must be python, native or system, got '%s'",
                               scalar(v));
            ph->threads[i].name = pb_xstrdup(scalar(k));
            ph->threads[i].category = (enum pb_category)tc;
            ph->nthreads = i + 1;
        }
    }
    return do_args(d, get(d, m, "args"), ph);
}

/* A workload with `main:` instead of phases: one undeclared phase that is the
 * whole program, either the function named (with `args:`) or, for
 * "__main__", the file run as a script (with `argv:`, kept as strings). */
static int do_main(struct doc *d, const yaml_node_t *m, struct pb_workload *w)
{
    yaml_node_t *fn = get(d, m, "main");
    if (want_scalar(d, fn, "main") < 0)
        return -1;
    if (!valid_identifier(scalar(fn)))
        return fail_at(d, fn, "main must be a function name or __main__, got '%s'",
                       scalar(fn));
    int script = !strcmp(scalar(fn), PB_MAIN_SCRIPT);
    yaml_node_t *args = get(d, m, "args"), *argv = get(d, m, "argv");
    if (args && script)
        return fail_at(d, args, "args go with a main function; a file run as __main__ "
                       "takes argv (its sys.argv[1:])");
    if (argv && !script)
        return fail_at(d, argv, "argv goes with main: __main__ (the script's sys.argv[1:]); "
                       "a main function takes args");
    w->overhead_only = 1;
    w->phases = pb_xcalloc(1, sizeof(*w->phases));
    w->nphases = 1;
    w->phases[0].function = pb_xstrdup(scalar(fn));
    w->phase_where = pb_xcalloc(1, sizeof(*w->phase_where));
    w->phase_where[0] = where(d, fn);
    w->phases[0].category = PB_CAT_PYTHON;   /* unused: nothing is declared */
    if (!argv)
        return do_args(d, args, &w->phases[0]);
    if (argv->type != YAML_SEQUENCE_NODE)
        return fail_at(d, argv, "argv must be a list, got %s", node_kind(argv));
    size_t n = (size_t)(argv->data.sequence.items.top - argv->data.sequence.items.start);
    struct pb_phase *ph = &w->phases[0];
    ph->args = pb_xcalloc(n ? n : 1, sizeof(*ph->args));
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = node(d, argv->data.sequence.items.start[i]);
        if (want_scalar(d, item, "an argv item") < 0)
            return -1;
        ph->args[i].kind = PB_ARG_STRING;
        ph->args[i].s = pb_xstrdup(scalar(item));
        ph->nargs = i + 1;
    }
    return 0;
}

static int name_taken(const struct pb_config *cfg, const char *name, int workload)
{
    if (workload) {
        for (size_t i = 0; i < cfg->nworkloads; i++)
            if (!strcmp(cfg->workloads[i].name, name))
                return 1;
    } else {
        for (size_t i = 0; i < cfg->nbackends; i++)
            if (!strcmp(cfg->backends[i].name, name))
                return 1;
    }
    return 0;
}

/* The name of a workload or backend (what: "workload", "backend") in mapping
 * m: present, a scalar, a valid and not yet used name. */
static int check_name(const struct doc *d, const yaml_node_t *m, const yaml_node_t *name,
                      const char *what, int workload)
{
    if (!name)
        return fail_at(d, m, "a %s has no name", what);
    if (want_scalar(d, name, "name") < 0)
        return -1;
    if (!valid_name(scalar(name)))
        return fail_at(d, name, "%s name '%s' may only use letters, digits, '_', '.' and '-'",
                       what, scalar(name));
    if (name_taken(d->ld->cfg, scalar(name), workload))
        return fail_at(d, name, "%s '%s' is defined twice", what, scalar(name));
    return 0;
}

/* The names of the first n workloads, ", "-separated, owned ("none" when n is 0). */
static char *workload_names(const struct pb_config *cfg, size_t n)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_adds(&sb, n ? "" : "none");
    for (size_t i = 0; i < n; i++)
        pb_strbuf_addf(&sb, "%s%s", i ? ", " : "", cfg->workloads[i].name);
    return pb_strbuf_detach(&sb);
}

/* `variant_of:` and `response_phase:` of workload w (the last one loaded,
 * phases already parsed from the list phases): the base is a workload with
 * phases defined before w, not itself a variant, with the same phase
 * functions in the same order; the response phase is one of them. */
static int do_variant(struct doc *d, const yaml_node_t *m, const yaml_node_t *phases,
                      struct pb_workload *w)
{
    const struct pb_config *cfg = d->ld->cfg;
    yaml_node_t *of = get(d, m, "variant_of"), *rp = get(d, m, "response_phase");
    if (!of && !rp)
        return 0;
    if (!of)
        return fail_at(d, rp, "response_phase goes with variant_of: workload '%s' is not a "
                       "variant of another", w->name);
    if (want_scalar(d, of, "variant_of") < 0)
        return -1;
    if (!rp)
        return fail_at(d, m, "workload '%s' has variant_of but no response_phase (the phase "
                       "whose work differs from '%s')", w->name, scalar(of));
    if (want_scalar(d, rp, "response_phase") < 0)
        return -1;
    size_t self = (size_t)(w - cfg->workloads), b;
    if (!strcmp(scalar(of), w->name))
        return fail_at(d, of, "workload '%s' cannot be a variant of itself", w->name);
    for (b = 0; b < self; b++)
        if (!strcmp(cfg->workloads[b].name, scalar(of)))
            break;
    if (b == self) {
        char *all = workload_names(cfg, self);
        fail_at(d, of, "unknown workload '%s' in variant_of (expected one defined before "
                "'%s': %s)", scalar(of), w->name, all);
        free(all);
        return -1;
    }
    const struct pb_workload *base = &cfg->workloads[b];
    if (base->variant_of)
        return fail_at(d, of, "variant_of must name a base workload: '%s' is itself a variant "
                       "of '%s'", base->name, base->variant_of);
    if (base->overhead_only)
        return fail_at(d, of, "workload '%s' in variant_of has main, not phases: there is no "
                       "phase to compare", base->name);
    if (base->nphases != w->nphases)
        return fail_at(d, phases, "variant '%s' and its base '%s' must have the same phase "
                       "functions: phases: %zu here, %zu in '%s'", w->name, base->name,
                       w->nphases, base->nphases, base->name);
    for (size_t p = 0; p < w->nphases; p++)
        if (strcmp(w->phases[p].function, base->phases[p].function))
            return fail_at(d, node(d, phases->data.sequence.items.start[p]),
                           "variant '%s' and its base '%s' must have the same phase functions: "
                           "phase %zu is '%s' here, '%s' in '%s'", w->name, base->name, p + 1,
                           w->phases[p].function, base->phases[p].function, base->name);
    size_t p;
    for (p = 0; p < w->nphases; p++)
        if (!strcmp(w->phases[p].function, scalar(rp)))
            break;
    if (p == w->nphases) {
        const char **fns = pb_xcalloc(w->nphases + 1, sizeof(*fns));
        for (size_t i = 0; i < w->nphases; i++)
            fns[i] = w->phases[i].function;
        char *all = pb_join(fns, ", ");
        fail_at(d, rp, "unknown phase '%s' in response_phase of workload '%s' (expected: %s)",
                scalar(rp), w->name, all);
        free(all);
        free(fns);
        return -1;
    }
    w->variant_of = pb_xstrdup(base->name);
    w->base = b;
    w->response_phase = p;
    return 0;
}

static int do_workload(struct doc *d, const yaml_node_t *m)
{
    static const char *const keys[] = { "name", "file", "scale", "phases", "main", "args",
                                        "argv", "variant_of", "response_phase", NULL };
    struct loader *ld = d->ld;
    struct pb_config *cfg = ld->cfg;
    if (m->type != YAML_MAPPING_NODE)
        return fail_at(d, m, "a workload must be a mapping, got %s", node_kind(m));
    yaml_node_t *name = get(d, m, "name");
    char what[160];
    snprintf(what, sizeof(what), "workload '%.100s'",
             name && name->type == YAML_SCALAR_NODE ? scalar(name) : "?");
    if (check_keys(d, m, keys, what) < 0 || check_name(d, m, name, "workload", 1) < 0)
        return -1;

    cfg->workloads = pb_xrealloc(cfg->workloads, (cfg->nworkloads + 1) * sizeof(*cfg->workloads));
    if (cfg->nworkloads + 1 > ld->own_scale_cap) {
        ld->own_scale_cap = (cfg->nworkloads + 1) * 2;
        ld->own_scale = pb_xrealloc(ld->own_scale, ld->own_scale_cap * sizeof(double));
    }
    struct pb_workload *w = &cfg->workloads[cfg->nworkloads++];
    memset(w, 0, sizeof(*w));
    w->name = pb_xstrdup(scalar(name));
    w->where = where(d, m);
    ld->own_scale[cfg->nworkloads - 1] = 1.0;

    yaml_node_t *file = get(d, m, "file");
    if (!file)
        return fail_at(d, m, "workload '%s' has no file", w->name);
    if (want_scalar(d, file, "file") < 0)
        return -1;
    if (!*scalar(file))
        return fail_at(d, file, "file must not be empty");
    w->file = join_path(d->dir, scalar(file));
    w->file_where = where(d, file);

    yaml_node_t *scale = get(d, m, "scale");
    if (scale) {
        double s;
        if (want_scalar(d, scale, "scale") < 0)
            return -1;
        if (pb_parse_double(scalar(scale), &s) < 0 || !(s > 0))
            return fail_at(d, scale, "scale must be a number more than 0, got '%s'",
                           scalar(scale));
        ld->own_scale[cfg->nworkloads - 1] = s;
    }

    yaml_node_t *phases = get(d, m, "phases");
    if (phases && get(d, m, "main"))
        return fail_at(d, m, "workload '%s' has both phases and main: phases measure "
                       "accuracy and overhead, main only overhead; choose one", w->name);
    if (get(d, m, "main") && (get(d, m, "variant_of") || get(d, m, "response_phase")))
        return fail_at(d, m, "workload '%s' has main and a variant key: a variant needs "
                       "phases to compare", w->name);
    if (get(d, m, "main"))
        return do_main(d, m, w);
    if (get(d, m, "args"))
        return fail_at(d, get(d, m, "args"), "args of workload '%s' belong to a phase or "
                       "to main", w->name);
    if (get(d, m, "argv"))
        return fail_at(d, get(d, m, "argv"), "argv of workload '%s' goes with main: __main__",
                       w->name);
    if (!phases)
        return fail_at(d, m, "workload '%s' has neither phases (accuracy and overhead) nor "
                       "main (overhead only)", w->name);
    if (phases->type != YAML_SEQUENCE_NODE)
        return fail_at(d, phases, "phases must be a list, got %s", node_kind(phases));
    size_t n = (size_t)(phases->data.sequence.items.top - phases->data.sequence.items.start);
    if (n == 0)
        return fail_at(d, phases, "workload '%s' has an empty list of phases", w->name);
    if (n > PB_MAX_PHASES)
        return fail_at(d, phases, "workload '%s' has %zu phases; at most %d are supported",
                       w->name, n, PB_MAX_PHASES);
    w->phases = pb_xcalloc(n, sizeof(*w->phases));
    w->phase_where = pb_xcalloc(n, sizeof(*w->phase_where));
    for (size_t i = 0; i < n; i++) {
        w->nphases = i + 1;
        if (do_phase(d, node(d, phases->data.sequence.items.start[i]), w->name, &w->phases[i]) < 0)
            return -1;
        yaml_node_t *fn = get(d, node(d, phases->data.sequence.items.start[i]), "function");
        w->phase_where[i] = where(d, fn);
    }
    return do_variant(d, m, phases, w);
}

/* A backend's `workloads:` list: names, checked against the workloads once
 * the whole config is loaded (check_backend_workloads), since a backend
 * may come before the workloads it names (an include order). */
static int do_backend_workloads(struct doc *d, const yaml_node_t *v, struct pb_backend_conf *b)
{
    if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.start == v->data.sequence.items.top)
        return fail_at(d, v, "in backend '%s': workloads must be a non-empty list of workload "
                       "names, got %s", b->name, node_kind(v));
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
        yaml_node_t *n = node(d, *i);
        if (want_scalar(d, n, "workloads entry") < 0)
            return -1;
        for (size_t j = 0; j < b->nworkloads; j++)
            if (!strcmp(b->workloads[j], scalar(n)))
                return fail_at(d, n, "in backend '%s': workload '%s' listed twice", b->name,
                               scalar(n));
        b->workloads = pb_xrealloc(b->workloads, (b->nworkloads + 1) * sizeof(*b->workloads));
        b->workloads_where = pb_xrealloc(b->workloads_where,
                                         (b->nworkloads + 1) * sizeof(*b->workloads_where));
        b->workloads[b->nworkloads] = pb_xstrdup(scalar(n));
        b->workloads_where[b->nworkloads++] = where(d, n);
    }
    return 0;
}

/* A YAML list of scalars as the JSON array of a PB_OPT_LIST option: plain
 * numbers and booleans keep their type, everything else is a string. NULL
 * after a located error. */
static char *list_json(struct doc *d, const yaml_node_t *v, const char *backend,
                       const char *key)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_adds(&sb, "[");
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
         i++) {
        yaml_node_t *item = node(d, *i);
        if (item->type != YAML_SCALAR_NODE) {
            pb_strbuf_release(&sb);
            fail_at(d, item, "in backend '%s': the items of '%s' must be single values, got %s",
                    backend, key, node_kind(item));
            return NULL;
        }
        const char *t = scalar(item);
        double num;
        if (i > v->data.sequence.items.start)
            pb_strbuf_adds(&sb, ", ");
        if (item->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            (!strcmp(t, "true") || !strcmp(t, "false")))
            pb_strbuf_adds(&sb, t);
        else if (item->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                 pb_parse_double(t, &num) == 0 && isfinite(num))
            pb_strbuf_addf(&sb, "%.17g", num);
        else
            pb_json_quote(&sb, t);
    }
    pb_strbuf_adds(&sb, "]");
    return pb_strbuf_detach(&sb);
}

static int do_backend(struct doc *d, const yaml_node_t *m)
{
    struct pb_config *cfg = d->ld->cfg;
    if (m->type != YAML_MAPPING_NODE)
        return fail_at(d, m, "a backend must be a mapping, got %s", node_kind(m));
    yaml_node_t *name = get(d, m, "name");
    yaml_node_t *kind = get(d, m, "kind");
    const char *shown = name && name->type == YAML_SCALAR_NODE ? scalar(name) : "?";
    if (check_name(d, m, name, "backend", 0) < 0)
        return -1;
    if (!kind)
        return fail_at(d, m, "backend '%s' has no kind", shown);
    if (want_scalar(d, kind, "kind") < 0)
        return -1;
    const struct pb_backend_ops *ops = find_kind(scalar(kind));
    if (!ops) {
        const struct pb_backend_ops *const *r = registry();
        size_t n = 0;
        while (r[n])
            n++;
        const char **kinds = pb_xcalloc(n + 1, sizeof(*kinds));
        for (size_t i = 0; i < n; i++)
            kinds[i] = r[i]->kind;
        const char *s = pb_suggest(scalar(kind), kinds);
        char *all = pb_join(kinds, ", ");
        if (s)
            fail_at(d, kind, "unknown backend kind '%s' (did you mean '%s'?)", scalar(kind), s);
        else
            fail_at(d, kind, "unknown backend kind '%s' (expected: %s)", scalar(kind), all);
        free(all);
        free(kinds);
        return -1;
    }
    size_t nopt = 0;
    while (ops->options && ops->options[nopt].name)
        nopt++;
    const char **keys = pb_xcalloc(nopt + 4, sizeof(*keys));
    keys[0] = "name";
    keys[1] = "kind";
    keys[2] = "workloads";
    for (size_t i = 0; i < nopt; i++)
        keys[i + 3] = ops->options[i].name;
    char what[160];
    snprintf(what, sizeof(what), "backend '%.100s'", shown);
    int rc = check_keys(d, m, keys, what);
    free(keys);
    if (rc < 0)
        return -1;

    cfg->backends = pb_xrealloc(cfg->backends, (cfg->nbackends + 1) * sizeof(*cfg->backends));
    struct pb_backend_conf *b = &cfg->backends[cfg->nbackends++];
    memset(b, 0, sizeof(*b));
    b->name = pb_xstrdup(scalar(name));
    b->ops = ops;
    b->where = where(d, m);
    char why[PB_ERRLEN];
    if (pb_options_init_defaults(&b->options, ops->options, why, sizeof(why)) < 0)
        return fail_at(d, kind, "%s", why);
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(d, p->key), *v = node(d, p->value);
        if (!strcmp(scalar(k), "name") || !strcmp(scalar(k), "kind"))
            continue;
        if (!strcmp(scalar(k), "workloads")) {
            if (do_backend_workloads(d, v, b) < 0)
                return -1;
            continue;
        }
        const struct pb_option_value *ov = pb_options_get(&b->options, scalar(k));
        enum pb_option_type type = ov ? ov->spec->type : PB_OPT_STRING;
        char *text = NULL;
        if (type == PB_OPT_LIST && v->type == YAML_SEQUENCE_NODE) {
            if (!(text = list_json(d, v, b->name, scalar(k))))
                return -1;
        } else if (v->type != YAML_SCALAR_NODE) {
            return fail_at(d, v, "in backend '%s': option '%s' must be a single value%s, got %s",
                           b->name, scalar(k), type == PB_OPT_LIST ? " or a list" : "",
                           node_kind(v));
        } else if (type == PB_OPT_PATH && *scalar(v)) {
            struct stat st;
            text = join_path(d->dir, scalar(v));
            int exists = stat(text, &st) == 0;
            if (!exists || !S_ISREG(st.st_mode)) {
                fail_at(d, v, "in backend '%s': option '%s': %s '%s'", b->name, scalar(k),
                        exists ? "not a file" : "no such file", text);
                free(text);
                return -1;
            }
        } else {
            text = pb_xstrdup(scalar(v));
        }
        int set = pb_options_set(&b->options, scalar(k), text, why, sizeof(why));
        free(text);
        if (set < 0)
            return fail_at(d, v, "in backend '%s': %s", b->name, why);
    }
    const char *bad = NULL;
    if (ops->check && ops->check(&b->options, &bad, why, sizeof(why)) < 0) {
        yaml_node_t *at = bad ? get(d, m, bad) : NULL;
        return fail_at(d, at ? at : m, "in backend '%s': %s", b->name, why);
    }
    return 0;
}

static int do_list(struct doc *d, const yaml_node_t *n, const char *what,
                   int (*fn)(struct doc *, const yaml_node_t *))
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(d, n, "%s must be a list, got %s", what, node_kind(n));
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
        if (fn(d, node(d, *i)) < 0)
            return -1;
    return 0;
}

/* ---------------------------------------------------------------- files */

/* Reject aliases (a billion-laughs document is tiny but expands without
 * bound in any walk) and nesting deeper than MAX_NESTING, and report syntax
 * errors with their position. */
static int scan_events(struct doc *d, const unsigned char *data, size_t len)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int depth = 0, docs = 0, rc = 0;
    if (!yaml_parser_initialize(&p))
        return pb_error(d->ld->err, d->ld->errlen, "%s: out of memory", d->name);
    yaml_parser_set_input_string(&p, data, len);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            size_t line = p.problem_mark.line + 1, col = p.problem_mark.column + 1;
            if (p.error == YAML_READER_ERROR) {
                /* Reader errors (bad encoding) only know their byte offset. */
                line = col = 1;
                for (size_t i = 0; i < p.problem_offset && i < len; i++, col++)
                    if (data[i] == '\n') {
                        line++;
                        col = 0;
                    }
                rc = pb_error(d->ld->err, d->ld->errlen, "%s:%zu:%zu: not valid text: %s",
                              d->name, line, col, p.problem ? p.problem : "bad encoding");
                break;
            }
            rc = pb_error(d->ld->err, d->ld->errlen, "%s:%zu:%zu: yaml syntax error: %s%s%s",
                          d->name, line, col, p.problem ? p.problem : "unknown problem",
                          p.context ? " " : "", p.context ? p.context : "");
            break;
        }
        yaml_event_type_t type = ev.type;
        size_t line = ev.start_mark.line + 1, col = ev.start_mark.column + 1;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
        if (type == YAML_ALIAS_EVENT) {
            rc = pb_error(d->ld->err, d->ld->errlen,
                          "%s:%zu:%zu: aliases (*name) are not supported", d->name, line, col);
            break;
        }
        if (type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            rc = pb_error(d->ld->err, d->ld->errlen,
                          "%s:%zu:%zu: a config holds one YAML document, found another",
                          d->name, line, col);
            break;
        }
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
            if (++depth > MAX_NESTING) {
                rc = pb_error(d->ld->err, d->ld->errlen,
                              "%s:%zu:%zu: nesting deeper than %d levels", d->name, line, col,
                              MAX_NESTING);
                break;
            }
        } else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
    }
    yaml_parser_delete(&p);
    return rc;
}

static void free_interpreters(struct pb_config *cfg)
{
    for (size_t i = 0; i < cfg->ninterpreters; i++)
        free(cfg->interpreters[i]);
    free(cfg->interpreters);
    cfg->interpreters = NULL;
    cfg->ninterpreters = 0;
}

/* `interpreters:` a name or a list of them; replaces an included file's. */
static int do_interpreters(struct doc *d, const yaml_node_t *n)
{
    struct pb_config *cfg = d->ld->cfg;
    if (n->type != YAML_SCALAR_NODE && n->type != YAML_SEQUENCE_NODE)
        return fail_at(d, n, "interpreters must be a name or a list of them, got %s",
                       node_kind(n));
    free_interpreters(cfg);
    size_t count = n->type == YAML_SCALAR_NODE
                       ? 1 : (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (!count)
        return fail_at(d, n, "interpreters is an empty list (leave it out for the pinned one)");
    cfg->interpreters = pb_xcalloc(count, sizeof(char *));
    for (size_t k = 0; k < count; k++) {
        const yaml_node_t *item = n->type == YAML_SCALAR_NODE
                                      ? n : node(d, n->data.sequence.items.start[k]);
        if (want_scalar(d, item, "an interpreter") < 0)
            return -1;
        const char *v = scalar(item);
        if (!*v)
            return fail_at(d, item, "an interpreter needs a name or a path");
        char *name = strchr(v, '/') ? join_path(d->dir, v) : pb_xstrdup(v);
        for (size_t j = 0; j < cfg->ninterpreters; j++)
            if (!strcmp(cfg->interpreters[j], name)) {
                free(name);
                return fail_at(d, item, "interpreter '%s' named twice", v);
            }
        cfg->interpreters[cfg->ninterpreters++] = name;
    }
    return 0;
}

/* `paper: FILE` (paper.h), read and checked now, not after the run. */
static int do_paper(struct doc *d, const yaml_node_t *n)
{
    if (want_scalar(d, n, "paper") < 0)
        return -1;
    struct pb_config *cfg = d->ld->cfg;
    struct pb_paper *paper = pb_xmalloc(sizeof(*paper));
    char *path = join_path(d->dir, scalar(n));
    char why[PB_ERRLEN];
    if (pb_paper_load(path, paper, why, sizeof(why)) < 0) {
        free(paper);
        free(path);
        return fail_at(d, n, "paper: %s", why);
    }
    free(cfg->paper);
    free(cfg->paper_path);
    cfg->paper = paper;
    cfg->paper_path = path;
    return 0;
}

static int walk(struct doc *d)
{
    static const char *const keys[] = { "include", "interpreters", "defaults", "workloads",
                                        "backends", "paper", NULL };
    yaml_node_t *root = yaml_document_get_root_node(&d->yaml);
    if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root) && is_plain(root)))
        return pb_error(d->ld->err, d->ld->errlen, "%s:1:1: empty config", d->name);
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(d, root, "a config must be a mapping with include, defaults, workloads "
                       "and backends, got %s", node_kind(root));
    if (check_keys(d, root, keys, "the config") < 0)
        return -1;
    yaml_node_t *n;
    if ((n = get(d, root, "include")) && do_include(d, n) < 0)
        return -1;
    if ((n = get(d, root, "interpreters")) && do_interpreters(d, n) < 0)
        return -1;
    if ((n = get(d, root, "defaults")) && do_defaults(d, n) < 0)
        return -1;
    if ((n = get(d, root, "workloads")) && do_list(d, n, "workloads", do_workload) < 0)
        return -1;
    if ((n = get(d, root, "backends")) && do_list(d, n, "backends", do_backend) < 0)
        return -1;
    if ((n = get(d, root, "paper")) && do_paper(d, n) < 0)
        return -1;
    return 0;
}

static int load_data(struct loader *ld, const char *shown, const char *dir,
                     const unsigned char *data, size_t len)
{
    struct doc d;
    memset(&d, 0, sizeof(d));
    d.ld = ld;
    d.name = shown;
    d.dir = pb_xstrdup(dir);
    hash_bytes(ld, (const char *)data, len);
    int rc = scan_events(&d, data, len);
    if (rc == 0) {
        yaml_parser_t p;
        if (!yaml_parser_initialize(&p)) {
            free(d.dir);
            return pb_error(ld->err, ld->errlen, "%s: out of memory", shown);
        }
        yaml_parser_set_input_string(&p, data, len);
        if (!yaml_parser_load(&p, &d.yaml)) {
            rc = pb_error(ld->err, ld->errlen, "%s:%zu:%zu: yaml error: %s", shown,
                          p.problem_mark.line + 1, p.problem_mark.column + 1,
                          p.problem ? p.problem : "unknown problem");
        } else {
            rc = walk(&d);
            yaml_document_delete(&d.yaml);
        }
        yaml_parser_delete(&p);
    }
    free(d.dir);
    return rc;
}

static int read_all(const char *path, unsigned char **out, size_t *len, char *why, size_t whylen)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return pb_error(why, whylen, "%s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return pb_error(why, whylen, "is a directory, not a YAML file");
    char *text;
    if (pb_read_file(path, MAX_CONFIG_BYTES, &text, len) < 0) {
        if (errno == EFBIG)
            return pb_error(why, whylen, "larger than %d MB", MAX_CONFIG_BYTES >> 20);
        return pb_error(why, whylen, "%s", errno == EIO ? "read error" : strerror(errno));
    }
    *out = (unsigned char *)text;
    return 0;
}

/* The name of a file in path's folder, ending in one of exts (NULL-
 * terminated), that is nearest to path's own name: a plausible typo. Into
 * out; 0 when found, -1 when none is close. */
static int suggest_file(const char *path, const char *const *exts, char *out, size_t outlen)
{
    char *dir = pb_xstrdup(path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? path + (slash - dir) + 1 : path;
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    DIR *dh = opendir(slash ? dir : ".");
    free(dir);
    if (!dh)
        return -1;
    size_t n = 0, cap = 16;
    char **names = pb_xcalloc(cap + 1, sizeof(*names));
    struct dirent *de;
    while ((de = readdir(dh))) {
        size_t len = strlen(de->d_name);
        for (size_t e = 0; exts[e]; e++) {
            size_t el = strlen(exts[e]);
            if (len <= el || strcmp(de->d_name + len - el, exts[e]))
                continue;
            if (n == cap) {
                cap *= 2;
                names = pb_xrealloc(names, (cap + 1) * sizeof(*names));
            }
            names[n++] = pb_xstrdup(de->d_name);
            names[n] = NULL;
            break;
        }
    }
    closedir(dh);
    const char *s = pb_suggest(base, (const char *const *)names);
    int rc = s && strcmp(s, base) ? 0 : -1;
    if (rc == 0)
        snprintf(out, outlen, "%s", s);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Load path; from/at say where it was included from (NULL for the top). */
static int load_file(struct loader *ld, const char *path, const char *shown,
                     const struct doc *from, const yaml_node_t *at)
{
    char real[PATH_MAX];
    const char *key = realpath(path, real) ? real : path;
    /* Only an included file (from != NULL) can close a cycle or nest too deep. */
    for (int i = 0; from && i < ld->depth; i++) {
        if (strcmp(ld->chain[i], key))
            continue;
        struct pb_strbuf sb = PB_STRBUF_INIT;
        for (int j = i; j < ld->depth; j++)
            pb_strbuf_addf(&sb, "%s -> ", ld->chain[j]);
        pb_strbuf_adds(&sb, key);
        fail_at(from, at, "include cycle: %s", sb.buf);
        pb_strbuf_release(&sb);
        return -1;
    }
    if (from && ld->depth > PB_MAX_INCLUDE_DEPTH)
        return fail_at(from, at, "includes nested deeper than %d files", PB_MAX_INCLUDE_DEPTH);
    unsigned char *data = NULL;
    size_t len = 0;
    char why[PB_ERRLEN];
    if (read_all(path, &data, &len, why, sizeof(why)) < 0) {
        static const char *const yaml_exts[] = { ".yaml", ".yml", NULL };
        char near[256];
        if (from && suggest_file(path, yaml_exts, near, sizeof(near)) == 0)
            return fail_at(from, at, "cannot open include '%s': %s; did you mean '%s'?", shown,
                           why, near);
        if (from)
            return fail_at(from, at, "cannot open include '%s': %s", shown, why);
        return pb_error(ld->err, ld->errlen, "cannot open '%s': %s", shown, why);
    }
    char *dir = pb_xstrdup(key);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else if (slash)
        dir[1] = '\0';
    if (dir[0] != '/') {
        char cwd[PATH_MAX];
        char *abs = join_path(getcwd(cwd, sizeof(cwd)) ? cwd : "/", slash ? dir : ".");
        free(dir);
        dir = abs;
    }
    /* Messages name an included file relative to the includer's folder as
     * the user wrote it joined with that folder, the top file as given. */
    char *name = from ? join_path(from->dir, shown) : pb_xstrdup(shown);
    ld->chain[ld->depth++] = pb_xstrdup(key);
    int rc = load_data(ld, name, dir, data, len);
    free(ld->chain[--ld->depth]);
    free(name);
    free(dir);
    free(data);
    return rc;
}

/* ---------------------------------------------------------------- API */

static void set_defaults(struct pb_config *cfg)
{
    cfg->defaults.rounds = 10;
    cfg->defaults.warmup = 1;
    cfg->defaults.timeout_s = 60;
    cfg->defaults.max_rounds = 40;
    cfg->defaults.max_time_s = 900;
    cfg->defaults.output = pb_xstrdup("results");
    cfg->defaults.seed = 1;
    cfg->defaults.scale = 1.0;
}

/* Every name in a backend's `workloads:` is a workload of the config. */
static int check_backend_workloads(struct loader *ld)
{
    struct pb_config *cfg = ld->cfg;
    const char **names = pb_xcalloc(cfg->nworkloads + 1, sizeof(*names));
    for (size_t i = 0; i < cfg->nworkloads; i++)
        names[i] = cfg->workloads[i].name;
    int rc = 0;
    for (size_t b = 0; rc == 0 && b < cfg->nbackends; b++)
        for (size_t i = 0; rc == 0 && i < cfg->backends[b].nworkloads; i++) {
            const char *w = cfg->backends[b].workloads[i];
            if (pb_config_workload(cfg, w))
                continue;
            const char *s = pb_suggest(w, names);
            char *all = pb_join(names, ", ");
            rc = pb_error(ld->err, ld->errlen, "%s: in backend '%s': no workload '%s' in this "
                          "config (%s%s%s)", cfg->backends[b].workloads_where[i],
                          cfg->backends[b].name, w, s ? "did you mean '" : "expected: ",
                          s ? s : all, s ? "'?" : "");
            free(all);
        }
    free(names);
    return rc;
}

int pb_backend_runs_workload(const struct pb_backend_conf *b, const char *workload)
{
    if (b->nworkloads == 0)
        return 1;
    for (size_t i = 0; i < b->nworkloads; i++)
        if (!strcmp(b->workloads[i], workload))
            return 1;
    return 0;
}

static int finish(struct loader *ld, const char *name, int rc)
{
    struct pb_config *cfg = ld->cfg;
    if (rc == 0 && cfg->nworkloads == 0)
        rc = pb_error(ld->err, ld->errlen, "%s:1:1: no workloads defined", name);
    if (rc == 0 && cfg->nbackends == 0)
        rc = pb_error(ld->err, ld->errlen, "%s:1:1: no backends defined", name);
    if (rc == 0)
        rc = check_backend_workloads(ld);
    for (size_t i = 0; rc == 0 && i < cfg->nworkloads; i++)
        cfg->workloads[i].scale = (ld->own_scale ? ld->own_scale[i] : 1.0) * cfg->defaults.scale;
    free(ld->own_scale);
    if (rc < 0) {
        pb_config_release(cfg);
        return -1;
    }
    char hex[17];
    snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)ld->hash);
    cfg->hash = pb_xstrdup(hex);
    cfg->per_interpreter = cfg->nworkloads;
    return 0;
}

/* A config with its defaults and a loader writing into it. */
static void begin(struct loader *ld, struct pb_config *cfg, const char *name, char *err,
                  size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    set_defaults(cfg);
    cfg->path = pb_xstrdup(name);
    memset(ld, 0, sizeof(*ld));
    ld->cfg = cfg;
    ld->err = err;
    ld->errlen = errlen;
    ld->hash = 0xcbf29ce484222325ULL;   /* FNV-1a offset basis */
}

int pb_config_load(struct pb_config *cfg, const char *path, char *err, size_t errlen)
{
    struct loader ld;
    begin(&ld, cfg, path, err, errlen);
    int rc = load_file(&ld, path, path, NULL, NULL);
    return finish(&ld, path, rc);
}

int pb_config_load_buffer(struct pb_config *cfg, const char *name, const char *data,
                          size_t len, char *err, size_t errlen)
{
    struct loader ld;
    begin(&ld, cfg, name, err, errlen);
    char cwd[PATH_MAX];
    int rc = load_data(&ld, name, getcwd(cwd, sizeof(cwd)) ? cwd : "/",
                       (const unsigned char *)data, len);
    return finish(&ld, name, rc);
}

enum pb_category pb_phase_thread_category(const struct pb_phase *ph, const char *name)
{
    for (size_t i = 0; i < ph->nthreads; i++)
        if (!strcmp(ph->threads[i].name, name))
            return ph->threads[i].category;
    return ph->category;
}

void pb_config_release(struct pb_config *cfg)
{
    for (size_t i = 0; i < cfg->nworkloads; i++) {
        struct pb_workload *w = &cfg->workloads[i];
        if (w->borrowed)
            continue;
        for (size_t p = 0; p < w->nphases; p++) {
            free(w->phases[p].function);
            for (size_t a = 0; a < w->phases[p].nargs; a++)
                free(w->phases[p].args[a].s);
            free(w->phases[p].args);
            for (size_t t = 0; t < w->phases[p].nthreads; t++)
                free(w->phases[p].threads[t].name);
            free(w->phases[p].threads);
            if (w->phase_where)
                free(w->phase_where[p]);
        }
        free(w->phase_where);
        free(w->phases);
        free(w->variant_of);
        free(w->name);
        free(w->file);
        free(w->where);
        free(w->file_where);
    }
    free(cfg->workloads);
    for (size_t i = 0; i < cfg->nbackends; i++) {
        free(cfg->backends[i].name);
        free(cfg->backends[i].where);
        for (size_t w = 0; w < cfg->backends[i].nworkloads; w++) {
            free(cfg->backends[i].workloads[w]);
            free(cfg->backends[i].workloads_where[w]);
        }
        free(cfg->backends[i].workloads);
        free(cfg->backends[i].workloads_where);
        pb_options_release(&cfg->backends[i].options);
    }
    free(cfg->backends);
    free(cfg->defaults.output);
    free(cfg->paper);
    free(cfg->paper_path);
    free(cfg->path);
    free(cfg->hash);
    free_interpreters(cfg);
    memset(cfg, 0, sizeof(*cfg));
}

const struct pb_workload *pb_config_workload(const struct pb_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nworkloads; i++)
        if (!strcmp(cfg->workloads[i].name, name))
            return &cfg->workloads[i];
    return NULL;
}

const struct pb_workload *pb_config_workload_on(const struct pb_config *cfg, const char *name,
                                                size_t interp)
{
    for (size_t i = 0; i < cfg->nworkloads; i++)
        if (cfg->workloads[i].interp == interp && !strcmp(cfg->workloads[i].name, name))
            return &cfg->workloads[i];
    return NULL;
}

void pb_config_set_interpreters(struct pb_config *cfg, const char *const *names, size_t n)
{
    free_interpreters(cfg);
    cfg->interpreters = pb_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        cfg->interpreters[i] = pb_xstrdup(names[i]);
    cfg->ninterpreters = n;
}

size_t pb_config_interpreter_count(const struct pb_config *cfg)
{
    return cfg->ninterpreters ? cfg->ninterpreters : 1;
}

void pb_config_expand_interpreters(struct pb_config *cfg)
{
    size_t ni = pb_config_interpreter_count(cfg), nw = cfg->nworkloads;
    cfg->per_interpreter = nw;
    if (ni < 2 || !nw)
        return;
    struct pb_workload *all = pb_xcalloc(ni * nw, sizeof(*all));
    for (size_t i = 0; i < ni; i++)
        for (size_t k = 0; k < nw; k++) {
            struct pb_workload *w = &all[i * nw + k];
            *w = cfg->workloads[k];
            w->interp = i;
            w->borrowed = i > 0;
            w->base = i * nw + cfg->workloads[k].base;
        }
    free(cfg->workloads);
    cfg->workloads = all;
    cfg->nworkloads = ni * nw;
}

const struct pb_backend_conf *pb_config_backend(const struct pb_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nbackends; i++)
        if (!strcmp(cfg->backends[i].name, name))
            return &cfg->backends[i];
    return NULL;
}

/* ---------------------------------------------------------------- checks */

void pb_module_names_release(struct pb_module_names *names)
{
    free(names->callables);
    free(names->values);
    names->callables = names->values = NULL;
}

/* "FILE:LINE:COL" from a where string, or a fallback. */
static const char *at_or(const char *w, const char *fallback)
{
    return w ? w : fallback;
}

int pb_config_check_files(const struct pb_config *cfg, const int *on, char *err, size_t errlen)
{
    static const char *const py_exts[] = { ".py", NULL };
    for (size_t i = 0; i < cfg->nworkloads; i++) {
        const struct pb_workload *w = &cfg->workloads[i];
        if (on && !on[i])
            continue;
        struct stat st;
        const char *why = NULL;
        if (stat(w->file, &st) < 0)
            why = errno == ENOENT ? "not found" : strerror(errno);
        else if (S_ISDIR(st.st_mode))
            why = "is a directory, not a Python file";
        else if (access(w->file, R_OK) < 0)
            why = strerror(errno);
        if (!why)
            continue;
        char near[256];
        const char *loc = at_or(w->file_where, at_or(w->where, cfg->path));
        if (suggest_file(w->file, py_exts, near, sizeof(near)) == 0)
            return pb_error(err, errlen, "%s: workload '%s': file '%s' %s; did you mean "
                            "'%s'?", loc, w->name, w->file, why, near);
        return pb_error(err, errlen, "%s: workload '%s': file '%s' %s", loc, w->name, w->file,
                        why);
    }
    return 0;
}

/* Is word one of the space-separated words of list? */
static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, word, n))
            return 1;
        p = e ? e + 1 : p + len;
    }
    return 0;
}

/* The space-separated words of list as a NULL-terminated array pointing
 * into *copy (both yours to free). */
static const char **split_words(const char *list, char **copy)
{
    *copy = pb_xstrdup(list ? list : "");
    size_t n = 1;
    for (const char *p = *copy; *p; p++)
        n += *p == ' ';
    const char **words = pb_xcalloc(n + 1, sizeof(*words));
    size_t k = 0;
    for (char *tok = strtok(*copy, " "); tok; tok = strtok(NULL, " "))
        words[k++] = tok;
    return words;
}

int pb_config_check_functions(const struct pb_workload *w, const struct pb_module_names *names,
                              char *err, size_t errlen)
{
    const char *what = w->overhead_only ? "main" : "function";
    if (names->error[0])
        return pb_error(err, errlen, "%s: workload '%s': cannot parse '%s': %s",
                        at_or(w->file_where, at_or(w->where, "?")), w->name, w->file,
                        names->error);
    for (size_t p = 0; p < w->nphases; p++) {
        const struct pb_phase *ph = &w->phases[p];
        const char *loc = at_or(w->phase_where ? w->phase_where[p] : NULL,
                                at_or(w->where, "?"));
        if (w->overhead_only && !strcmp(ph->function, PB_MAIN_SCRIPT))
            continue;
        if (has_word(names->callables, ph->function))
            continue;
        if (has_word(names->values, ph->function))
            return pb_error(err, errlen, "%s: workload '%s': %s '%s' in '%s' is not callable "
                            "(it is assigned a value)", loc, w->name, what, ph->function,
                            w->file);
        if (!names->complete)
            continue;
        char *copy;
        const char **defs = split_words(names->callables, &copy);
        const char *near = pb_suggest(ph->function, defs);
        if (near)
            pb_error(err, errlen, "%s: workload '%s': no %s '%s' in '%s'; did you mean "
                     "'%s'?", loc, w->name, what, ph->function, w->file, near);
        else if (defs[0]) {
            char *all = pb_join(defs, ", ");
            pb_error(err, errlen, "%s: workload '%s': no %s '%s' in '%s' (it defines: %.300s)",
                     loc, w->name, what, ph->function, w->file, all);
            free(all);
        } else {
            pb_error(err, errlen, "%s: workload '%s': no %s '%s' in '%s' (it defines no "
                     "function)", loc, w->name, what, ph->function, w->file);
        }
        free(defs);
        free(copy);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- script */

int pb_config_for_script(struct pb_config *cfg, const char *script, char *const *args,
                         size_t nargs, char *err, size_t errlen)
{
    static const char *const kinds[] = PB_SCRIPT_BACKENDS;
    static const char *const py_exts[] = { ".py", NULL };
    struct loader ld;
    begin(&ld, cfg, script, err, errlen);
    char why[PB_ERRLEN], near[256];
    struct stat st;
    if (stat(script, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(why, sizeof(why), "is a directory, not a Python script");
    else if (access(script, R_OK) < 0)
        snprintf(why, sizeof(why), "%s", strerror(errno));
    else
        why[0] = '\0';
    if (why[0]) {
        if (suggest_file(script, py_exts, near, sizeof(near)) == 0)
            pb_error(err, errlen, "cannot run '%s': %s; did you mean '%s'?", script, why, near);
        else
            pb_error(err, errlen, "cannot run '%s': %s", script, why);
        pb_config_release(cfg);
        return -1;
    }
    /* The hash covers what was asked: the script's path and arguments. */
    hash_bytes(&ld, script, strlen(script) + 1);
    for (size_t i = 0; i < nargs; i++)
        hash_bytes(&ld, args[i], strlen(args[i]) + 1);

    char cwd[PATH_MAX];
    struct pb_workload *w = cfg->workloads = pb_xcalloc(1, sizeof(*cfg->workloads));
    cfg->nworkloads = 1;
    cfg->per_interpreter = 1;
    w->file = join_path(getcwd(cwd, sizeof(cwd)) ? cwd : "/", script);
    const char *base = strrchr(w->file, '/') ? strrchr(w->file, '/') + 1 : w->file;
    size_t blen = strlen(base);
    if (blen > 3 && !strcmp(base + blen - 3, ".py"))
        blen -= 3;
    w->name = pb_xmalloc(blen + 1);
    for (size_t i = 0; i < blen; i++)
        w->name[i] = isalnum((unsigned char)base[i]) || strchr("_.-", base[i]) ? base[i] : '_';
    w->name[blen] = '\0';
    if (!blen) {
        free(w->name);
        w->name = pb_xstrdup("script");
    }
    w->overhead_only = 1;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_addf(&sb, "%s:1:1", script);
    w->where = pb_strbuf_detach(&sb);
    w->phases = pb_xcalloc(1, sizeof(*w->phases));
    w->nphases = 1;
    w->phases[0].function = pb_xstrdup(PB_MAIN_SCRIPT);
    w->phases[0].category = PB_CAT_PYTHON;
    w->phases[0].args = pb_xcalloc(nargs ? nargs : 1, sizeof(struct pb_arg));
    for (size_t i = 0; i < nargs; i++) {
        w->phases[0].args[i].kind = PB_ARG_STRING;
        w->phases[0].args[i].s = pb_xstrdup(args[i]);
        w->phases[0].nargs = i + 1;
    }
    ld.own_scale = pb_xmalloc(sizeof(double));
    ld.own_scale[0] = 1.0;
    cfg->backends = pb_xcalloc(sizeof(kinds) / sizeof(kinds[0]), sizeof(*cfg->backends));
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        const struct pb_backend_ops *ops = find_kind(kinds[k]);
        if (!ops)
            continue;
        struct pb_backend_conf *b = &cfg->backends[cfg->nbackends++];
        b->name = pb_xstrdup(kinds[k]);
        b->ops = ops;
        b->where = pb_xstrdup("(default backends of pyprof-bench run)");
        rc = pb_options_init_defaults(&b->options, ops->options, why, sizeof(why));
        if (rc < 0)
            pb_error(err, errlen, "backend '%s': %s", kinds[k], why);
    }
    return finish(&ld, script, rc);
}

/* ---------------------------------------------------------------- args */

static void python_string(struct pb_strbuf *sb, const char *s)
{
    pb_strbuf_add(sb, "'", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\' || *p == '\'')
            pb_strbuf_addf(sb, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            pb_strbuf_addf(sb, "\\x%02x", *p);
        else
            pb_strbuf_add(sb, (const char *)p, 1);
    }
    pb_strbuf_add(sb, "'", 1);
}

char *pb_phase_args_literal(const struct pb_phase *ph, double scale)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_add(&sb, "(", 1);
    for (size_t i = 0; i < ph->nargs; i++) {
        const struct pb_arg *a = &ph->args[i];
        if (i)
            pb_strbuf_adds(&sb, ", ");
        switch (a->kind) {
        case PB_ARG_INT: {
            long long v = a->i;
            if (scale != 1.0) {
                double x = llround((double)a->i * scale);
                v = (long long)x;
                if (a->i >= 1 && v < 1)
                    v = 1;
            }
            pb_strbuf_addf(&sb, "%lld", v);
            break;
        }
        case PB_ARG_FLOAT: {
            char buf[64];
            pb_format_double(buf, sizeof(buf) - 3, a->f * scale);
            if (!strpbrk(buf, ".eni"))
                memcpy(buf + strlen(buf), ".0", 3);   /* 3 bytes were kept free */
            pb_strbuf_adds(&sb, buf);
            break;
        }
        case PB_ARG_BOOL:
            pb_strbuf_adds(&sb, a->i ? "True" : "False");
            break;
        case PB_ARG_NONE:
            pb_strbuf_adds(&sb, "None");
            break;
        case PB_ARG_STRING:
            python_string(&sb, a->s ? a->s : "");
            break;
        }
    }
    if (ph->nargs == 1)
        pb_strbuf_add(&sb, ",", 1);
    pb_strbuf_add(&sb, ")", 1);
    return pb_strbuf_detach(&sb);
}
