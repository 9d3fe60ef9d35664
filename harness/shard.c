/* shard.c: the slicing rule of --shard K/N (see shard.h). */
#include "shard.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "results.h"
#include "util.h"

int pb_shard_parse(const char *text, long *k, long *n, char *err, size_t errlen)
{
    const char *slash = strchr(text, '/');
    char a[32], b[32];
    size_t la = slash ? (size_t)(slash - text) : 0;
    if (!slash || la == 0 || la >= sizeof(a) || strlen(slash + 1) >= sizeof(b))
        return pb_error(err, errlen, "--shard needs K/N such as 2/4, got '%s'", text);
    memcpy(a, text, la);
    a[la] = '\0';
    snprintf(b, sizeof(b), "%s", slash + 1);
    if (pb_parse_long(a, k) < 0 || pb_parse_long(b, n) < 0)
        return pb_error(err, errlen, "--shard needs K/N such as 2/4, got '%s'", text);
    if (*n < 1 || *n > 100000 || *k < 1 || *k > *n)
        return pb_error(err, errlen, "--shard K/N needs 1 <= K <= N <= 100000, got '%s'",
                        text);
    return 0;
}

static size_t count_on(const int *on, size_t n, size_t upto)
{
    size_t c = 0;
    for (size_t i = 0; i < n && i < upto; i++)
        c += on[i] != 0;
    return c;
}

size_t pb_shard_cell_count(const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    return count_on(res->workload_on, cfg->nworkloads, cfg->nworkloads) *
           count_on(res->backend_on, cfg->nbackends, cfg->nbackends);
}

long pb_shard_of(const struct pb_results *res, size_t w, size_t b)
{
    const struct pb_config *cfg = res->cfg;
    if (w >= cfg->nworkloads || b >= cfg->nbackends || !res->workload_on[w] ||
        !res->backend_on[b])
        return 0;
    size_t nb = count_on(res->backend_on, cfg->nbackends, cfg->nbackends);
    size_t c = pb_shard_cell_count(res);
    size_t i = count_on(res->workload_on, cfg->nworkloads, w) * nb +
               count_on(res->backend_on, cfg->nbackends, b);
    long n = res->shard_count > 0 ? res->shard_count : 1;
    if (c == 0)   /* not reached: cell (w, b) is selected, so c >= 1 */
        return 0;
    /* i < c, so i * n / c < n; 128-bit free: c and n are small. */
    return (long)((unsigned long long)i * (unsigned long long)n / c) + 1;
}
