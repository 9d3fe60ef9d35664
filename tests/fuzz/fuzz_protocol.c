/* fuzz_protocol.c: libFuzzer target for the worker line protocol. Parsing any
 * line must not crash; a parsed message re-encoded must parse to the same
 * tag and fields; the parent's run decoder (run_codec.c) takes any parsed
 * message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/protocol.h"
#include "../../harness/run_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_proto_msg m, again;
    char err[256];
    if (pb_proto_parse((const char *)data, size, &m, err, sizeof(err)) < 0)
        return 0;
    static struct pb_run run;
    memset(&run, 0, sizeof(run));
    run.nphases = PB_MAX_PHASES;
    pb_run_decode_msg(&run, &m);
    if (run.nthreads + run.ntasks > 1)   /* one message: at most one record */
        abort();
    pb_run_release(&run);
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_proto_begin(&sb, m.tag);
    for (size_t i = 0; i < m.nfields; i++)
        pb_proto_add_str(&sb, m.fields[i].key, m.fields[i].value);
    pb_proto_end(&sb);
    if (pb_proto_parse(sb.buf, sb.len, &again, err, sizeof(err)) < 0)
        abort();
    if (strcmp(m.tag, again.tag) || m.nfields != again.nfields)
        abort();
    for (size_t i = 0; i < m.nfields; i++)
        if (strcmp(m.fields[i].key, again.fields[i].key) ||
            strcmp(m.fields[i].value, again.fields[i].value))
            abort();
    pb_proto_msg_release(&again);
    pb_proto_msg_release(&m);
    pb_strbuf_release(&sb);
    return 0;
}
