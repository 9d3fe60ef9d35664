/* fuzz_tools.c: libFuzzer target for the parsers of real tools' files: the
 * first byte chooses chrome_trace.c (viztracer's Chrome trace JSON) or
 * scalene_json.c (scalene's JSON), the rest is the file. Any input must be
 * accepted or refused with a message naming the format, never crash; an
 * accepted report passes pb_report_check (finite, not negative times). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../backends/chrome_trace.h"
#include "../../backends/scalene_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    struct pb_report r;
    pb_report_init(&r);
    char err[512] = "";
    size_t events;
    int chrome = data[0] & 1;
    int rc = chrome ? pb_chrome_trace_read(text, len, &r, &events, err, sizeof(err))
                    : pb_scalene_json_read(text, len, &r, err, sizeof(err));
    if (rc < 0 && !strstr(err, chrome ? "chrome trace: " : "scalene JSON: "))
        abort();
    if (rc == 0 && pb_report_check(&r, err, sizeof(err)) < 0)
        abort();
    pb_report_release(&r);
    return 0;
}
