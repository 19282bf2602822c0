/* The client: configuration, submit (straight to the gateway, or through the queue when it holds records or
 * the gateway cannot take them), drain and status. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "govcase/gateway/v1/ingest.pb-c.h"
#include "internal.h"

#define NATIONAL_SUBMIT "/govcase.gateway.v1.NationalIngestService/Submit"
#define CULTURE_TOURISM_SUBMIT "/govcase.gateway.v1.CultureTourismIngestService/Submit"

struct gcd_client {
    gcd_tls_config tls;
    char *queue_dir;
    size_t max_records;
    bool drop_oldest;
    gcd_logger logger;
    FILE *log_file; /* owned when not stderr */
    bool log_owned;
    gcd_transport *transport;
    gcd_journal *journal;
};

/* ---- names ---- */

const char *gcd_outcome_name(gcd_outcome outcome) {
    switch (outcome) {
    case GCD_OUTCOME_ACCEPTED: return "ACCEPTED";
    case GCD_OUTCOME_DUPLICATE: return "DUPLICATE";
    case GCD_OUTCOME_REJECTED: return "REJECTED";
    case GCD_OUTCOME_QUEUED: return "QUEUED";
    }
    return "UNKNOWN";
}

const char *gcd_grpc_status_name(int code) {
    static const char *names[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
                                  "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
                                  "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
                                  "UNAUTHENTICATED"};
    return code >= 0 && code <= 16 ? names[code] : "UNKNOWN";
}

/* ---- logging ---- */

static void log_to_file(void *context, int level, const char *line) {
    FILE *f = context;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "%s govcase-device %s: %s\n", when, level == 0 ? "info" : level == 1 ? "warning" : "error", line);
    fflush(f);
}

void gcd_client_set_log(gcd_client *client, gcd_log_fn fn, void *context) {
    if (!client) return;
    client->logger.fn = fn;
    client->logger.context = context;
}

/* ---- configuration ---- */

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) *--end = 0;
    return s;
}

/* A path relative to the configuration file's folder. */
static char *resolve(const char *base_dir, const char *value) {
    if (value[0] == '/' || !base_dir[0]) return gcd_strdup(value);
    size_t n = strlen(base_dir) + strlen(value) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", base_dir, value);
    return p;
}

static gcd_code parse_config(gcd_client *c, const char *path, char **log_target, gcd_error *err) {
    FILE *f = fopen(path, "r");
    if (!f) return gcd_fail(err, GCD_ERR_CONFIG, "cannot read the configuration %s: %s", path, strerror(errno));
    char base[4096] = "";
    const char *slash = strrchr(path, '/');
    if (slash) snprintf(base, sizeof base, "%.*s", (int)(slash - path), path);
    if (slash == path) strcpy(base, "/");
    char line[4096];
    int number = 0;
    gcd_code code = GCD_OK;
    char *gateway = NULL;
    c->tls.timeout_ms = 10000;
    c->max_records = 10000;
    while (code == GCD_OK && fgets(line, sizeof line, f)) {
        number++;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *text = trim(line);
        if (!*text) continue;
        char *eq = strchr(text, '=');
        if (!eq) { code = gcd_fail(err, GCD_ERR_CONFIG, "%s:%d: expected `key = value`", path, number); break; }
        *eq = 0;
        char *key = trim(text), *value = trim(eq + 1);
        char **target = NULL;
        bool is_path = false;
        if (!strcmp(key, "gateway")) target = &gateway;
        else if (!strcmp(key, "server_name")) target = &c->tls.server_name;
        else if (!strcmp(key, "server_spiffe_id")) target = &c->tls.server_spiffe_id;
        else if (!strcmp(key, "ca")) { target = &c->tls.ca_path; is_path = true; }
        else if (!strcmp(key, "certificate")) { target = &c->tls.cert_path; is_path = true; }
        else if (!strcmp(key, "key")) { target = &c->tls.key_path; is_path = true; }
        else if (!strcmp(key, "queue_dir")) { target = &c->queue_dir; is_path = true; }
        else if (!strcmp(key, "log")) target = log_target;
        else if (!strcmp(key, "queue_max_records") || !strcmp(key, "timeout_ms")) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(value, &end, 10);
            if (errno || *end || !*value || v == 0 || v > 100000000ULL) {
                code = gcd_fail(err, GCD_ERR_CONFIG, "%s:%d: %s must be a whole number from 1, not `%s`", path, number,
                                key, value);
                break;
            }
            if (!strcmp(key, "timeout_ms")) c->tls.timeout_ms = (int)(v > 3600000 ? 3600000 : v);
            else c->max_records = (size_t)v;
            continue;
        } else if (!strcmp(key, "queue_full")) {
            if (!strcmp(value, "refuse")) c->drop_oldest = false;
            else if (!strcmp(value, "drop-oldest")) c->drop_oldest = true;
            else code = gcd_fail(err, GCD_ERR_CONFIG, "%s:%d: queue_full is refuse or drop-oldest, not `%s`", path,
                                 number, value);
            continue;
        } else {
            code = gcd_fail(err, GCD_ERR_CONFIG, "%s:%d: unknown key `%s`", path, number, key);
            break;
        }
        if (!*value) { code = gcd_fail(err, GCD_ERR_CONFIG, "%s:%d: %s has no value", path, number, key); break; }
        free(*target);
        *target = is_path ? resolve(base, value) : gcd_strdup(value);
        if (!*target) code = gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    }
    fclose(f);
    if (code == GCD_OK) {
        const char *missing = !gateway ? "gateway" : !c->tls.ca_path ? "ca" : !c->tls.cert_path ? "certificate"
                              : !c->tls.key_path ? "key" : NULL;
        if (missing) code = gcd_fail(err, GCD_ERR_CONFIG, "%s: the key `%s` is required", path, missing);
    }
    if (code == GCD_OK) {
        char *colon = strrchr(gateway, ':');
        if (!colon || colon == gateway || !colon[1]) {
            code = gcd_fail(err, GCD_ERR_CONFIG, "%s: gateway must be host:port, not `%s`", path, gateway);
        } else {
            char *host = gateway, *port = colon + 1;
            *colon = 0;
            if (host[0] == '[' && colon[-1] == ']') { host++; colon[-1] = 0; }
            c->tls.gateway_host = gcd_strdup(host);
            c->tls.gateway_port = gcd_strdup(port);
            if (!c->tls.server_name) c->tls.server_name = gcd_strdup(host);
            if (!c->queue_dir) c->queue_dir = resolve(base, "queue");
            if (!c->tls.gateway_host || !c->tls.gateway_port || !c->tls.server_name || !c->queue_dir)
                code = gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
        }
    }
    free(gateway);
    return code;
}

gcd_code gcd_client_open(const char *config_path, gcd_client **out, gcd_error *err) {
    gcd_error local;
    if (!err) err = &local;
    err->code = GCD_OK;
    err->message[0] = 0;
    if (!out || !config_path) return gcd_fail(err, GCD_ERR_ARGUMENT, "gcd_client_open needs a path and an out pointer");
    *out = NULL;
    gcd_client *c = calloc(1, sizeof *c);
    if (!c) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    char *log_target = NULL;
    gcd_code code = parse_config(c, config_path, &log_target, err);
    if (code == GCD_OK) {
        if (!log_target || !strcmp(log_target, "stderr")) {
            c->log_file = stderr;
        } else if (strcmp(log_target, "none") != 0) {
            c->log_file = fopen(log_target, "a");
            c->log_owned = c->log_file != NULL;
            if (!c->log_file) code = gcd_fail(err, GCD_ERR_CONFIG, "cannot open the log file %s: %s", log_target, strerror(errno));
        }
        if (c->log_file) { c->logger.fn = log_to_file; c->logger.context = c->log_file; }
    }
    free(log_target);
    if (code == GCD_OK) code = gcd_transport_new(&c->tls, &c->logger, &c->transport, err);
    if (code == GCD_OK) {
        gcd_error cert;
        if (gcd_transport_check_certificate(c->transport, &cert) != GCD_OK) gcd_log(&c->logger, 1, "%s", cert.message);
        gcd_journal_options options = {c->queue_dir, c->max_records, c->drop_oldest};
        code = gcd_journal_open(&options, &c->logger, &c->journal, err);
    }
    if (code != GCD_OK) {
        gcd_client_close(c);
        return code;
    }
    *out = c;
    return GCD_OK;
}

void gcd_client_close(gcd_client *c) {
    if (!c) return;
    gcd_transport_free(c->transport);
    gcd_journal_close(c->journal);
    if (c->log_owned) fclose(c->log_file);
    free(c->tls.gateway_host);
    free(c->tls.gateway_port);
    free(c->tls.server_name);
    free(c->tls.server_spiffe_id);
    free(c->tls.ca_path);
    free(c->tls.cert_path);
    free(c->tls.key_path);
    free(c->queue_dir);
    free(c);
}

void gcd_result_free(gcd_result *r) {
    if (!r) return;
    free(r->external_id);
    free(r->case_id);
    free(r->message);
    for (size_t i = 0; i < r->violation_count; i++) {
        free(r->violations[i].field);
        free(r->violations[i].rule);
        free(r->violations[i].message);
    }
    free(r->violations);
    memset(r, 0, sizeof *r);
}

/* ---- sending one record ---- */

typedef enum { SENT_COMMITTED, SENT_REFUSED, SENT_RETRY } sent_kind;

static bool retryable(int status) {
    /* UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED; UNAUTHENTICATED: the device's identity, not
     * the record, is what the gateway refused: keep the record until that is fixed. */
    return status == 14 || status == 4 || status == 8 || status == 10 || status == 16;
}

static const char *kind_name(uint8_t kind) { return kind == GCD_KIND_NATIONAL ? "national" : "culture-tourism"; }

/* Sends the wrapper message `bytes` and says what became of it in `r` (outcome, case id, status, violations).
 * *transport_code is the transport's error when SENT_RETRY came from no answer. */
static gcd_code send_one(gcd_client *c, uint8_t kind, const uint8_t *bytes, size_t len, gcd_result *r,
                         sent_kind *sent, gcd_code *transport_code, gcd_error *err) {
    gcd_response response;
    gcd_response_init(&response);
    gcd_error terr;
    *transport_code = GCD_OK;
    gcd_code code = gcd_transport_unary(c->transport, kind == GCD_KIND_NATIONAL ? NATIONAL_SUBMIT : CULTURE_TOURISM_SUBMIT,
                                        bytes, len, &response, &terr);
    free(r->message);
    r->message = NULL;
    if (code != GCD_OK) {
        *sent = SENT_RETRY;
        *transport_code = code;
        r->grpc_status = 14;
        r->message = gcd_strdup(terr.message);
        gcd_response_reset(&response);
        return r->message ? GCD_OK : gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    }
    code = GCD_OK;
    r->grpc_status = response.grpc_status;
    if (response.grpc_status == 0) {
        const uint8_t *msg;
        size_t msg_len;
        Govcase__Gateway__V1__RecordAck *ack = NULL;
        if (gcd_response_message(&response, &msg, &msg_len))
            ack = govcase__gateway__v1__record_ack__unpack(NULL, msg_len, msg);
        if (!ack) {
            *sent = SENT_RETRY;
            *transport_code = GCD_ERR_PROTOCOL;
            char text[256];
            snprintf(text, sizeof text, "the gateway's acknowledgement did not decode (%s)",
                     response.protocol_error ? response.protocol_problem : "not a RecordAck");
            r->message = gcd_strdup(text);
        } else {
            if (ack->outcome == GOVCASE__GATEWAY__V1__RECORD_OUTCOME__RECORD_OUTCOME_ACCEPTED ||
                ack->outcome == GOVCASE__GATEWAY__V1__RECORD_OUTCOME__RECORD_OUTCOME_DUPLICATE) {
                *sent = SENT_COMMITTED;
                r->outcome = ack->outcome == GOVCASE__GATEWAY__V1__RECORD_OUTCOME__RECORD_OUTCOME_ACCEPTED
                                 ? GCD_OUTCOME_ACCEPTED : GCD_OUTCOME_DUPLICATE;
                free(r->case_id);
                r->case_id = gcd_strdup(ack->case_id);
            } else {
                *sent = SENT_REFUSED;
                r->outcome = GCD_OUTCOME_REJECTED;
                r->grpc_status = ack->error_code ? ack->error_code : 3;
                r->message = gcd_strdup(ack->error_message[0] ? ack->error_message : "refused in its acknowledgement");
                for (size_t i = 0; ack->rejection && i < ack->rejection->n_violations; i++) {
                    Govcase__Core__V1__FieldViolation *v = ack->rejection->violations[i];
                    gcd_violation *grown = realloc(r->violations, (r->violation_count + 1) * sizeof *grown);
                    if (!grown) break;
                    r->violations = grown;
                    grown[r->violation_count++] = (gcd_violation){gcd_strdup(v->field), gcd_strdup(v->rule), gcd_strdup(v->message)};
                }
            }
            govcase__gateway__v1__record_ack__free_unpacked(ack, NULL);
        }
    } else if (retryable(response.grpc_status)) {
        *sent = SENT_RETRY;
        *transport_code = response.grpc_status == 16 ? GCD_ERR_PEER : GCD_ERR_NETWORK;
        char text[600];
        snprintf(text, sizeof text, "the gateway answered %s: %s", gcd_grpc_status_name(response.grpc_status),
                 response.grpc_message ? response.grpc_message : "");
        r->message = gcd_strdup(text);
    } else {
        *sent = SENT_REFUSED;
        r->outcome = GCD_OUTCOME_REJECTED;
        r->message = gcd_strdup(response.grpc_message ? response.grpc_message : "");
        code = gcd_response_violations(&response, &r->violations, &r->violation_count, err);
    }
    gcd_response_reset(&response);
    return code;
}

/* One line of rejected.log: when, which record, why, every violation, and the record itself (base64). */
static gcd_code write_rejected(gcd_client *c, uint8_t kind, const gcd_result *r, const uint8_t *bytes, size_t len,
                               gcd_error *err) {
    gcd_buf b = {0};
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *record = gcd_base64_encode(bytes, len);
    bool ok = record && gcd_buf_printf(&b, "{\"rejected_at\":\"%s\",\"kind\":\"%s\",\"external_id\":", when, kind_name(kind)) &&
              gcd_buf_json_string(&b, r->external_id) &&
              gcd_buf_printf(&b, ",\"grpc_status\":%d,\"status\":\"%s\",\"message\":", r->grpc_status,
                             gcd_grpc_status_name(r->grpc_status)) &&
              gcd_buf_json_string(&b, r->message) && gcd_buf_printf(&b, ",\"violations\":[");
    for (size_t i = 0; ok && i < r->violation_count; i++) {
        ok = gcd_buf_printf(&b, "%s{\"field\":", i ? "," : "") && gcd_buf_json_string(&b, r->violations[i].field) &&
             gcd_buf_printf(&b, ",\"rule\":") && gcd_buf_json_string(&b, r->violations[i].rule) &&
             gcd_buf_printf(&b, ",\"message\":") && gcd_buf_json_string(&b, r->violations[i].message) &&
             gcd_buf_printf(&b, "}");
    }
    ok = ok && gcd_buf_printf(&b, "],\"record\":\"%s\"}", record);
    free(record);
    gcd_code code = ok ? gcd_journal_reject(c->journal, b.data, err) : gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    free(b.data);
    if (code == GCD_OK)
        gcd_log(&c->logger, 1, "record %s refused with %s (%zu violations): written to %s/rejected.log", r->external_id,
                gcd_grpc_status_name(r->grpc_status), r->violation_count, c->queue_dir);
    return code;
}

/* ---- drain ---- */

/* Sends queued records in order. When `mine` is set, the result of the entry at `mine_offset_index` (the
 * number of records sent before it) is copied there. */
static gcd_code drain(gcd_client *c, gcd_drain_report *report, size_t mine_at, gcd_result *mine, gcd_error *err) {
    memset(report, 0, sizeof *report);
    size_t position = 0;
    while (gcd_journal_pending(c->journal) > 0) {
        uint8_t *buffer;
        gcd_payload payload;
        gcd_code code = gcd_journal_peek(c->journal, &buffer, &payload, err);
        if (code != GCD_OK) { report->remaining = gcd_journal_pending(c->journal); return code; }
        gcd_result r = {0};
        r.external_id = gcd_strndup(payload.external_id, payload.external_id_len);
        sent_kind sent;
        gcd_code transport_code;
        code = r.external_id ? send_one(c, payload.kind, payload.record, payload.record_len, &r, &sent, &transport_code, err)
                             : gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
        if (code == GCD_OK && sent == SENT_REFUSED)
            code = write_rejected(c, payload.kind, &r, payload.record, payload.record_len, err);
        free(buffer);
        if (code == GCD_OK && sent == SENT_RETRY) {
            report->remaining = gcd_journal_pending(c->journal);
            code = gcd_fail(err, transport_code == GCD_ERR_PROTOCOL ? GCD_ERR_PROTOCOL
                                 : transport_code == GCD_ERR_TLS_FILES ? GCD_ERR_TLS_FILES
                                 : transport_code == GCD_ERR_PEER ? GCD_ERR_PEER : GCD_ERR_NETWORK,
                            "%zu records stay queued: %s", report->remaining, r.message ? r.message : "");
            if (mine && position <= mine_at) {
                mine->outcome = GCD_OUTCOME_QUEUED;
                free(mine->message);
                mine->message = gcd_strdup(r.message);
            }
            gcd_result_free(&r);
            return code;
        }
        if (code == GCD_OK) code = gcd_journal_pop(c->journal, err);
        if (code != GCD_OK) {
            gcd_result_free(&r);
            report->remaining = gcd_journal_pending(c->journal);
            return code;
        }
        if (sent == SENT_COMMITTED) {
            report->sent++;
            if (r.outcome == GCD_OUTCOME_DUPLICATE) report->duplicates++;
        } else {
            report->rejected++;
        }
        if (mine && position == mine_at) {
            char *id = mine->external_id;
            mine->external_id = NULL;
            gcd_result_free(mine);
            *mine = r;
            free(mine->external_id);
            mine->external_id = id;
        } else {
            gcd_result_free(&r);
        }
        position++;
    }
    return GCD_OK;
}

gcd_code gcd_drain(gcd_client *c, gcd_drain_report *report, gcd_error *err) {
    gcd_error local;
    if (!err) err = &local;
    gcd_drain_report ignored;
    if (!report) report = &ignored;
    memset(report, 0, sizeof *report);
    if (!c) return gcd_fail(err, GCD_ERR_ARGUMENT, "no client");
    size_t before = gcd_journal_pending(c->journal);
    gcd_code code = drain(c, report, 0, NULL, err);
    if (before > 0)
        gcd_log(&c->logger, code == GCD_OK ? 0 : 1, "drain: %zu sent (%zu duplicates), %zu rejected, %zu remaining",
                report->sent, report->duplicates, report->rejected, report->remaining);
    return code;
}

/* ---- submit ---- */

static gcd_code submit(gcd_client *c, uint8_t kind, const char *external_id, const uint8_t *bytes, size_t len,
                       gcd_result *r, gcd_error *err) {
    gcd_code code;
    r->external_id = gcd_strdup(external_id);
    if (!r->external_id) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    size_t ahead = gcd_journal_pending(c->journal);
    if (ahead > 0) {
        /* Records wait: this one goes behind them, on disk first. */
        if ((code = gcd_journal_append(c->journal, kind, external_id, bytes, len, err)) != GCD_OK) return code;
        ahead = gcd_journal_pending(c->journal) - 1; /* drop-oldest may have made room */
        r->outcome = GCD_OUTCOME_QUEUED;
        gcd_drain_report report;
        gcd_error drain_err;
        if (drain(c, &report, ahead, r, &drain_err) != GCD_OK && r->outcome == GCD_OUTCOME_QUEUED && !r->message)
            r->message = gcd_strdup(drain_err.message);
        return GCD_OK;
    }
    sent_kind sent;
    gcd_code transport_code;
    if ((code = send_one(c, kind, bytes, len, r, &sent, &transport_code, err)) != GCD_OK) return code;
    if (sent == SENT_REFUSED) return write_rejected(c, kind, r, bytes, len, err);
    if (sent == SENT_COMMITTED) return GCD_OK;
    gcd_error queue_err;
    if ((code = gcd_journal_append(c->journal, kind, external_id, bytes, len, &queue_err)) != GCD_OK)
        return gcd_fail(err, code, "not sent (%s) and not queued: %s", r->message ? r->message : "", queue_err.message);
    r->outcome = GCD_OUTCOME_QUEUED;
    gcd_log(&c->logger, 1, "record %s queued: %s", external_id, r->message ? r->message : "");
    return GCD_OK;
}

gcd_code gcd_submit_national(gcd_client *c, const Govcase__Sources__National__V1__EvaluationRecord *record,
                             gcd_result *r, gcd_error *err) {
    gcd_error local;
    if (!err) err = &local;
    if (r) memset(r, 0, sizeof *r);
    if (!c || !record || !r) return gcd_fail(err, GCD_ERR_ARGUMENT, "gcd_submit_national needs a client, a record and a result");
    Govcase__Gateway__V1__NationalRecord wrapper = GOVCASE__GATEWAY__V1__NATIONAL_RECORD__INIT;
    wrapper.record_case = GOVCASE__GATEWAY__V1__NATIONAL_RECORD__RECORD_EVALUATION;
    wrapper.evaluation = (Govcase__Sources__National__V1__EvaluationRecord *)record;
    size_t len = govcase__gateway__v1__national_record__get_packed_size(&wrapper);
    if (len > GCD_MAX_MESSAGE) return gcd_fail(err, GCD_ERR_ARGUMENT, "the record is %zu bytes, over the gateway's 4 MiB", len);
    uint8_t *bytes = malloc(len ? len : 1);
    if (!bytes) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    govcase__gateway__v1__national_record__pack(&wrapper, bytes);
    gcd_code code = submit(c, GCD_KIND_NATIONAL, record->evaluation_id ? record->evaluation_id : "", bytes, len, r, err);
    free(bytes);
    if (code != GCD_OK) gcd_result_free(r); /* an error leaves nothing to free */
    return code;
}

gcd_code gcd_submit_culture_tourism(gcd_client *c, const Govcase__Sources__Culturetourism__V1__ApprovalEvaluation *record,
                                    gcd_result *r, gcd_error *err) {
    gcd_error local;
    if (!err) err = &local;
    if (r) memset(r, 0, sizeof *r);
    if (!c || !record || !r)
        return gcd_fail(err, GCD_ERR_ARGUMENT, "gcd_submit_culture_tourism needs a client, a record and a result");
    Govcase__Gateway__V1__CultureTourismRecord wrapper = GOVCASE__GATEWAY__V1__CULTURE_TOURISM_RECORD__INIT;
    wrapper.record_case = GOVCASE__GATEWAY__V1__CULTURE_TOURISM_RECORD__RECORD_APPROVAL_EVALUATION;
    wrapper.approval_evaluation = (Govcase__Sources__Culturetourism__V1__ApprovalEvaluation *)record;
    size_t len = govcase__gateway__v1__culture_tourism_record__get_packed_size(&wrapper);
    if (len > GCD_MAX_MESSAGE) return gcd_fail(err, GCD_ERR_ARGUMENT, "the record is %zu bytes, over the gateway's 4 MiB", len);
    uint8_t *bytes = malloc(len ? len : 1);
    if (!bytes) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    govcase__gateway__v1__culture_tourism_record__pack(&wrapper, bytes);
    gcd_code code = submit(c, GCD_KIND_CULTURE_TOURISM, record->evaluation_id ? record->evaluation_id : "", bytes, len, r, err);
    free(bytes);
    if (code != GCD_OK) gcd_result_free(r); /* an error leaves nothing to free */
    return code;
}

gcd_code gcd_queue_status_get(gcd_client *c, gcd_queue_status *status, gcd_error *err) {
    if (!c || !status) return gcd_fail(err, GCD_ERR_ARGUMENT, "gcd_queue_status_get needs a client and a status");
    gcd_journal_status(c->journal, status);
    return GCD_OK;
}
