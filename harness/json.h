/*
 * json.h: a small JSON emitter into a pb_strbuf, two-space indented.
 * Non-finite numbers are written as null. Strings are escaped per RFC 8259;
 * bytes that are not valid UTF-8 are replaced by U+FFFD.
 *
 *   struct pb_json j; pb_json_init(&j);
 *   pb_json_object_begin(&j, NULL);
 *   pb_json_key_string(&j, "name", "x"); ...
 *   pb_json_object_end(&j);
 *   char *text = pb_json_finish(&j);   // you own it
 */
#ifndef PB_JSON_H
#define PB_JSON_H

#include "util.h"

#define PB_JSON_MAX_DEPTH 32

struct pb_json {
    struct pb_strbuf sb;
    int depth;
    int count[PB_JSON_MAX_DEPTH];   /* values written at each depth */
};

void pb_json_init(struct pb_json *j);
/* key is NULL inside arrays and at the top level. */
void pb_json_object_begin(struct pb_json *j, const char *key);
void pb_json_object_end(struct pb_json *j);
void pb_json_array_begin(struct pb_json *j, const char *key);
void pb_json_array_end(struct pb_json *j);
void pb_json_string(struct pb_json *j, const char *key, const char *value); /* NULL -> null */
void pb_json_number(struct pb_json *j, const char *key, double value);
void pb_json_int(struct pb_json *j, const char *key, long long value);
void pb_json_bool(struct pb_json *j, const char *key, int value);
void pb_json_null(struct pb_json *j, const char *key);
/* The document with a final newline; you own it. */
char *pb_json_finish(struct pb_json *j);

/* Append s as a JSON string literal (quotes included). */
void pb_json_quote(struct pb_strbuf *sb, const char *s);

#endif
