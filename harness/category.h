/*
 * category.h: the three time categories of docs/METHOD.md.
 *
 * python: on-CPU user mode in the eval loop; native: on-CPU user mode in C
 * code called from Python; system: kernel CPU plus off-CPU time.
 */
#ifndef PB_CATEGORY_H
#define PB_CATEGORY_H

enum pb_category {
    PB_CAT_PYTHON,
    PB_CAT_NATIVE,
    PB_CAT_SYSTEM,
    PB_CAT_COUNT
};

/* Bit for a category in a capability mask. */
#define PB_CAT_BIT(c) (1u << (c))
#define PB_CAT_ALL (PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE) | \
                    PB_CAT_BIT(PB_CAT_SYSTEM))

/* "python", "native", "system". */
const char *pb_category_name(enum pb_category c);
/* Returns the category or -1 when name is not one. */
int pb_category_parse(const char *name);

#endif
