/* Internal declarations shared by the library's files. Not installed. */
#ifndef GCD_INTERNAL_H
#define GCD_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "govcase_device.h"

/* ---- errors and logging (util.c) ---- */
gcd_code gcd_fail(gcd_error *err, gcd_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *gcd_strdup(const char *s);
char *gcd_strndup(const char *s, size_t n);
uint32_t gcd_crc32c(uint32_t crc, const uint8_t *data, size_t len);
/* Decodes standard or URL-safe base64, padded or not. NULL on bad input. */
uint8_t *gcd_base64_decode(const char *text, size_t len, size_t *out_len);
char *gcd_base64_encode(const uint8_t *data, size_t len);
/* Decodes grpc-message's percent-encoding. */
char *gcd_percent_decode(const char *text, size_t len);
/* Appends `text` to `buf` as a JSON string body (no quotes). Returns false when out of memory. */
typedef struct gcd_buf { char *data; size_t len, cap; } gcd_buf;
bool gcd_buf_append(gcd_buf *b, const char *text, size_t len);
bool gcd_buf_printf(gcd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool gcd_buf_json_string(gcd_buf *b, const char *text);
int64_t gcd_now_ms(void);

typedef struct gcd_logger {
    gcd_log_fn fn;
    void *context;
} gcd_logger;
void gcd_log(const gcd_logger *logger, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- gRPC response parsing (grpc_response.c), pure: no I/O ---- */
#define GCD_MAX_MESSAGE (4u * 1024u * 1024u)
typedef struct gcd_response {
    int http_status;       /* :status, 0 until seen */
    int grpc_status;       /* -1 until seen */
    char *grpc_message;
    uint8_t *details;      /* grpc-status-details-bin, decoded */
    size_t details_len;
    uint8_t *rejection;    /* govcase-rejection-bin, decoded */
    size_t rejection_len;
    gcd_buf body;          /* DATA bytes as received */
    bool headers_seen;
    bool protocol_error;
    char protocol_problem[160];
} gcd_response;
void gcd_response_init(gcd_response *r);
void gcd_response_reset(gcd_response *r);
void gcd_response_header(gcd_response *r, const uint8_t *name, size_t name_len, const uint8_t *value, size_t value_len);
/* Appends DATA; a body past the message limit is a protocol error. */
void gcd_response_data(gcd_response *r, const uint8_t *data, size_t len);
/* The single length-prefixed message of a unary response; false (with protocol_problem) when malformed. */
bool gcd_response_message(gcd_response *r, const uint8_t **msg, size_t *len);
/* The violations from grpc-status-details-bin (google.rpc.BadRequest), else from govcase-rejection-bin. */
gcd_code gcd_response_violations(const gcd_response *r, gcd_violation **out, size_t *count, gcd_error *err);
/* HTTP status to gRPC code, as gRPC's spec maps them. */
int gcd_http_to_grpc(int http_status);

/* ---- the connection (transport.c) ---- */
typedef struct gcd_tls_config {
    char *gateway_host;
    char *gateway_port;
    char *server_name;
    char *server_spiffe_id;
    char *ca_path, *cert_path, *key_path;
    int timeout_ms;
} gcd_tls_config;

typedef struct gcd_transport gcd_transport;
gcd_code gcd_transport_new(const gcd_tls_config *config, const gcd_logger *logger, gcd_transport **out, gcd_error *err);
void gcd_transport_free(gcd_transport *t);
/* One unary call. GCD_OK when the gateway answered (any grpc-status, in `response`); otherwise no answer: the
 * record may or may not have been received (a resend is a DUPLICATE at worst). */
gcd_code gcd_transport_unary(gcd_transport *t, const char *path, const uint8_t *request, size_t request_len,
                             gcd_response *response, gcd_error *err);
/* Checks the device certificate's dates now; GCD_ERR_TLS_FILES with a clear message when outside them. */
gcd_code gcd_transport_check_certificate(gcd_transport *t, gcd_error *err);

/* ---- the journal (journal.c) ---- */
enum { GCD_KIND_NATIONAL = 1, GCD_KIND_CULTURE_TOURISM = 2 };
#define GCD_JOURNAL_HEADER "GCDJRNL1"
#define GCD_JOURNAL_HEADER_LEN 8
#define GCD_ENTRY_HEADER_LEN 12
#define GCD_MAX_ENTRY (GCD_MAX_MESSAGE + 4096u)

typedef struct gcd_entry {
    uint64_t offset;     /* of the entry's header in the file */
    uint32_t length;     /* payload length */
    int64_t queued_at;   /* Unix seconds */
    uint8_t kind;
} gcd_entry;

/* A parsed payload (points into the buffer it came from). */
typedef struct gcd_payload {
    uint8_t kind;
    int64_t queued_at;
    const char *external_id;
    size_t external_id_len;
    const uint8_t *record;
    size_t record_len;
} gcd_payload;

/* Pure parsers, fuzzed: */
typedef enum { GCD_SCAN_OK, GCD_SCAN_TORN, GCD_SCAN_CORRUPT } gcd_scan_result;
/* Parses the entry at buf (avail bytes): OK with the entry's total size in *consumed, TORN when it runs past
 * the end (a power cut mid-append), CORRUPT when its length or CRC is wrong. */
gcd_scan_result gcd_journal_parse_entry(const uint8_t *buf, size_t avail, gcd_payload *payload, size_t *consumed);
bool gcd_journal_parse_payload(const uint8_t *buf, size_t len, gcd_payload *payload);
/* Scans a whole journal image from `start`: every good entry to `index` (grown as needed), the offset where
 * good data ends in *valid_end, and whether what follows is torn or corrupt. */
typedef struct gcd_index { gcd_entry *items; size_t count, cap, head; } gcd_index;
gcd_scan_result gcd_journal_scan(const uint8_t *image, size_t len, uint64_t start, gcd_index *index,
                                 uint64_t *valid_end, bool *out_of_memory);
/* Serialises an entry (header + payload) into a new buffer. */
uint8_t *gcd_journal_encode(uint8_t kind, int64_t queued_at, const char *external_id, const uint8_t *record,
                            size_t record_len, size_t *out_len);

typedef struct gcd_journal gcd_journal;
typedef struct gcd_journal_options {
    const char *dir;
    size_t max_records;
    bool drop_oldest;
} gcd_journal_options;
gcd_code gcd_journal_open(const gcd_journal_options *options, const gcd_logger *logger, gcd_journal **out,
                          gcd_error *err);
void gcd_journal_close(gcd_journal *j);
size_t gcd_journal_pending(const gcd_journal *j);
/* Appends and fsyncs. Full: refuses (GCD_ERR_QUEUE_FULL) or drops the oldest (logged), as configured. */
gcd_code gcd_journal_append(gcd_journal *j, uint8_t kind, const char *external_id, const uint8_t *record,
                            size_t record_len, gcd_error *err);
/* Reads the oldest pending entry into a new buffer (free it); *payload points into it. */
gcd_code gcd_journal_peek(gcd_journal *j, uint8_t **buffer, gcd_payload *payload, gcd_error *err);
/* Removes the oldest pending entry (acknowledged or rejected); durable before it returns. */
gcd_code gcd_journal_pop(gcd_journal *j, gcd_error *err);
/* Appends one line to rejected.log (fsync'd). */
gcd_code gcd_journal_reject(gcd_journal *j, const char *line, gcd_error *err);
void gcd_journal_status(const gcd_journal *j, gcd_queue_status *status);

#endif
