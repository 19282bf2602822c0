/* libFuzzer target: a journal image as a power cut, a failing disk or anyone may leave it. The scan must end
 * at the first entry that is not whole and intact, and every entry it accepts must parse again to the same
 * payload (what the drain reads back). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gcd_index index = {0};
    uint64_t valid_end = 0;
    bool oom = false;
    gcd_scan_result r = gcd_journal_scan(data, size, 0, &index, &valid_end, &oom);
    if (valid_end > size) abort();
    if (r == GCD_SCAN_OK && valid_end != size) abort();
    for (size_t i = 0; i < index.count; i++) {
        gcd_entry *e = &index.items[i];
        if (e->offset + GCD_ENTRY_HEADER_LEN + e->length > valid_end) abort();
        gcd_payload p;
        size_t consumed;
        if (gcd_journal_parse_entry(data + e->offset, size - e->offset, &p, &consumed) != GCD_SCAN_OK) abort();
        if (p.record + p.record_len > data + size || p.external_id_len > 0xFFFF) abort();
        /* Re-encoding an accepted entry gives its bytes back. */
        char *id = gcd_strndup(p.external_id, p.external_id_len);
        size_t len;
        uint8_t *again = id && memchr(p.external_id, 0, p.external_id_len) == NULL
                             ? gcd_journal_encode(p.kind, p.queued_at, id, p.record, p.record_len, &len) : NULL;
        if (again && (len != consumed || memcmp(again, data + e->offset, len) != 0)) abort();
        free(again);
        free(id);
    }
    free(index.items);
    return 0;
}
