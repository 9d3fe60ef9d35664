/*
 * json_parse.h: a small JSON reader (RFC 8259) for the result files that
 * `compare` reads. Whole document in memory; depth bounded by
 * PB_JSON_MAX_NESTING; \u escapes decoded to UTF-8 (surrogate pairs joined).
 */
#ifndef PB_JSON_PARSE_H
#define PB_JSON_PARSE_H

#include <stddef.h>

#define PB_JSON_MAX_NESTING 64

enum pb_jtype { PB_J_NULL, PB_J_BOOL, PB_J_NUM, PB_J_STR, PB_J_ARR, PB_J_OBJ };

struct pb_jval {
    enum pb_jtype type;
    double num;                 /* PB_J_NUM */
    int b;                      /* PB_J_BOOL */
    char *str;                  /* PB_J_STR, owned */
    struct pb_jval *items;      /* PB_J_ARR and PB_J_OBJ values, owned */
    char **keys;                /* PB_J_OBJ keys, owned */
    size_t n;
};

/* Parse text; 0, or -1 with "line L, column C: message". Release with
 * pb_jval_release() after success. */
int pb_json_parse(const char *text, size_t len, struct pb_jval *out, char *err, size_t errlen);
void pb_jval_release(struct pb_jval *v);

/* Member key of an object (first match), or NULL. */
const struct pb_jval *pb_jval_get(const struct pb_jval *obj, const char *key);
/* The string of member key, or NULL when absent or not a string. */
const char *pb_jval_str(const struct pb_jval *obj, const char *key);

#endif
