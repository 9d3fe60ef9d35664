/*
 * option.h: declarative backend options.
 *
 * Each backend kind lists the options it accepts as a table of
 * struct pb_option_spec ending in a {NULL} entry. The config loader validates
 * YAML values against the table (type, range, enum values) in the parent;
 * the worker receives the canonical text form ("interval=0.001") and parses it
 * again with the same function, so both sides agree by construction.
 */
#ifndef PB_OPTION_H
#define PB_OPTION_H

#include <stddef.h>

enum pb_option_type {
    PB_OPT_BOOL,     /* true / false */
    PB_OPT_DURATION, /* seconds; accepts unit suffixes ("1ms") */
    PB_OPT_NUMBER,   /* double */
    PB_OPT_INT,      /* long */
    PB_OPT_ENUM,     /* one of choices */
    PB_OPT_STRING,   /* free text */
    PB_OPT_LIST,     /* a list of scalars; canonical text a JSON array of
                        strings, numbers and booleans (a YAML list in a
                        config: config.c writes the JSON) */
    PB_OPT_PATH,     /* a file; in a config relative to the config file,
                        made absolute and checked to exist by config.c */
};

struct pb_option_spec {
    const char *name;
    enum pb_option_type type;
    const char *default_text;        /* canonical default, parsed like input */
    double min, max;                 /* inclusive range for DURATION/NUMBER/INT;
                                        ignored when min > max */
    const char *const *choices;      /* ENUM: NULL-terminated */
    const char *help;                /* one line for --list and the README */
};

struct pb_option_value {
    const struct pb_option_spec *spec;
    char *text;                      /* canonical text, owned */
    union {
        int b;
        double d;                    /* DURATION (seconds) and NUMBER */
        long i;
        int choice;                  /* ENUM: index into spec->choices */
    } v;
};

/* All options of one backend instance, one value per spec entry (defaults
 * filled in). */
struct pb_options {
    struct pb_option_value *values;
    size_t count;
};

/* Parse text for spec into *out (out->text is set to a canonical copy).
 * Returns 0, or -1 with a message such as "must be between 100us and 100ms". */
int pb_option_parse(const struct pb_option_spec *spec, const char *text,
                    struct pb_option_value *out, char *err, size_t errlen);

/* Fill opts with the defaults of every spec. */
int pb_options_init_defaults(struct pb_options *opts, const struct pb_option_spec *specs,
                             char *err, size_t errlen);
/* Set one option from "name=value" or (name, value). */
int pb_options_set(struct pb_options *opts, const char *name, const char *text,
                   char *err, size_t errlen);
void pb_options_release(struct pb_options *opts);

/* Lookup by name; NULL when the backend has no such option (a bug). */
const struct pb_option_value *pb_options_get(const struct pb_options *opts, const char *name);
int pb_options_bool(const struct pb_options *opts, const char *name);
double pb_options_double(const struct pb_options *opts, const char *name);
long pb_options_int(const struct pb_options *opts, const char *name);
const char *pb_options_text(const struct pb_options *opts, const char *name);

/* NULL-terminated array of the spec names (for suggestions); you own the
 * array, not the strings. */
const char **pb_option_names(const struct pb_option_spec *specs);
const char *pb_option_type_name(enum pb_option_type t);

#endif
