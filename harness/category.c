/* category.c: names of the time categories. */
#include "category.h"

#include <string.h>

static const char *const names[PB_CAT_COUNT] = { "python", "native", "system" };

const char *pb_category_name(enum pb_category c)
{
    return (unsigned)c < PB_CAT_COUNT ? names[c] : "?";
}

int pb_category_parse(const char *name)
{
    for (int i = 0; i < PB_CAT_COUNT; i++)
        if (!strcmp(name, names[i]))
            return i;
    return -1;
}
