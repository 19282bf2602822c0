/* libFuzzer target: a gateway's answer as the device parses it. The input is a header block and a body:
 * lines "name: value" up to an empty line (values may be anything, including grpc-status-details-bin and
 * govcase-rejection-bin in base64 or not), then DATA bytes. Every parsing path the transport feeds runs:
 * headers, the 5-byte framed message, the RecordAck, and the violations from either trailer. */
#include <stdlib.h>
#include <string.h>

#include "govcase/gateway/v1/ingest.pb-c.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gcd_response r;
    gcd_response_init(&r);
    size_t at = 0;
    while (at < size) {
        const uint8_t *line = data + at;
        const uint8_t *end = memchr(line, '\n', size - at);
        size_t len = end ? (size_t)(end - line) : size - at;
        at += len + (end ? 1 : 0);
        if (len == 0) break;
        const uint8_t *colon = memchr(line, ':', len > 1 ? len - 1 : 0);
        if (line[0] == ':' && len > 1) colon = memchr(line + 1, ':', len - 1); /* pseudo-headers */
        size_t name_len = colon ? (size_t)(colon - line) : len;
        size_t value_at = colon ? name_len + 1 : len;
        while (value_at < len && line[value_at] == ' ') value_at++;
        gcd_response_header(&r, line, name_len, line + value_at, len - value_at);
    }
    /* The body arrives in two chunks, as DATA frames split it. */
    size_t half = (size - at) / 2;
    gcd_response_data(&r, data + at, half);
    gcd_response_data(&r, data + at + half, size - at - half);
    const uint8_t *msg;
    size_t msg_len;
    if (gcd_response_message(&r, &msg, &msg_len)) {
        Govcase__Gateway__V1__RecordAck *ack = govcase__gateway__v1__record_ack__unpack(NULL, msg_len, msg);
        if (ack) govcase__gateway__v1__record_ack__free_unpacked(ack, NULL);
    }
    gcd_violation *violations;
    size_t count;
    gcd_error err;
    if (gcd_response_violations(&r, &violations, &count, &err) == GCD_OK) {
        for (size_t i = 0; i < count; i++) {
            free(violations[i].field);
            free(violations[i].rule);
            free(violations[i].message);
        }
        free(violations);
    }
    gcd_response_reset(&r);
    return 0;
}
