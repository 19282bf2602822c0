/* A unary gRPC response as it arrives: headers and trailers (or one trailers-only block), DATA bytes, and what
 * they mean. Pure: no I/O, so the fuzz target drives it directly. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "google/rpc/status.pb-c.h"
#include "govcase/core/v1/violation.pb-c.h"
#include "internal.h"

void gcd_response_init(gcd_response *r) {
    memset(r, 0, sizeof *r);
    r->grpc_status = -1;
}

void gcd_response_reset(gcd_response *r) {
    free(r->grpc_message);
    free(r->details);
    free(r->rejection);
    free(r->body.data);
    gcd_response_init(r);
}

static bool name_is(const uint8_t *name, size_t len, const char *expected) {
    return len == strlen(expected) && memcmp(name, expected, len) == 0;
}

static void problem(gcd_response *r, const char *what) {
    if (!r->protocol_error) {
        r->protocol_error = true;
        strncpy(r->protocol_problem, what, sizeof r->protocol_problem - 1);
    }
}

void gcd_response_header(gcd_response *r, const uint8_t *name, size_t name_len, const uint8_t *value,
                         size_t value_len) {
    r->headers_seen = true;
    if (name_is(name, name_len, ":status")) {
        int status = 0;
        for (size_t i = 0; i < value_len && i < 4; i++) {
            if (!isdigit(value[i])) { status = -1; break; }
            status = status * 10 + (value[i] - '0');
        }
        if (status <= 0 || value_len != 3) problem(r, "malformed :status");
        else r->http_status = status;
    } else if (name_is(name, name_len, "grpc-status")) {
        int status = 0;
        if (value_len == 0 || value_len > 2) { problem(r, "malformed grpc-status"); return; }
        for (size_t i = 0; i < value_len; i++) {
            if (!isdigit(value[i])) { problem(r, "malformed grpc-status"); return; }
            status = status * 10 + (value[i] - '0');
        }
        r->grpc_status = status;
    } else if (name_is(name, name_len, "grpc-message")) {
        free(r->grpc_message);
        r->grpc_message = gcd_percent_decode((const char *)value, value_len);
    } else if (name_is(name, name_len, "grpc-status-details-bin")) {
        free(r->details);
        r->details = gcd_base64_decode((const char *)value, value_len, &r->details_len);
        if (!r->details) r->details_len = 0;
    } else if (name_is(name, name_len, "govcase-rejection-bin")) {
        free(r->rejection);
        r->rejection = gcd_base64_decode((const char *)value, value_len, &r->rejection_len);
        if (!r->rejection) r->rejection_len = 0;
    } else if (name_is(name, name_len, "grpc-encoding")) {
        if (!name_is(value, value_len, "identity")) problem(r, "the gateway compressed its answer (grpc-encoding)");
    }
}

void gcd_response_data(gcd_response *r, const uint8_t *data, size_t len) {
    if (r->body.len + len > GCD_MAX_MESSAGE + 5) { problem(r, "response message too large"); return; }
    if (!gcd_buf_append(&r->body, (const char *)data, len)) problem(r, "out of memory reading the response");
}

bool gcd_response_message(gcd_response *r, const uint8_t **msg, size_t *len) {
    const uint8_t *b = (const uint8_t *)r->body.data;
    if (r->body.len < 5) { problem(r, "a successful answer without a message"); return false; }
    if (b[0] != 0) { problem(r, "a compressed message the device did not ask for"); return false; }
    uint32_t n = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
    if ((size_t)n != r->body.len - 5) { problem(r, "a message whose length prefix does not match its bytes"); return false; }
    *msg = b + 5;
    *len = n;
    return true;
}

static gcd_code add_violation(gcd_violation **items, size_t *count, const char *field, const char *rule,
                              const char *message, gcd_error *err) {
    gcd_violation *grown = realloc(*items, (*count + 1) * sizeof **items);
    if (!grown) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    *items = grown;
    gcd_violation *v = &grown[*count];
    v->field = gcd_strdup(field ? field : "");
    v->rule = gcd_strdup(rule ? rule : "");
    v->message = gcd_strdup(message ? message : "");
    (*count)++;
    if (!v->field || !v->rule || !v->message) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    /* The standard trailer upper-cases the rule; the gateway's rule names are lower case. */
    for (char *p = v->rule; *p; p++) *p = (char)tolower((unsigned char)*p);
    return GCD_OK;
}

gcd_code gcd_response_violations(const gcd_response *r, gcd_violation **out, size_t *count, gcd_error *err) {
    *out = NULL;
    *count = 0;
    gcd_code code = GCD_OK;
    if (r->details_len > 0) {
        Google__Rpc__Status *status = google__rpc__status__unpack(NULL, r->details_len, r->details);
        if (status) {
            for (size_t i = 0; i < status->n_details && code == GCD_OK; i++) {
                Google__Protobuf__Any *any = status->details[i];
                if (!any->type_url || strcmp(any->type_url, "type.googleapis.com/google.rpc.BadRequest") != 0) continue;
                Google__Rpc__BadRequest *bad = google__rpc__bad_request__unpack(NULL, any->value.len, any->value.data);
                if (!bad) continue;
                for (size_t k = 0; k < bad->n_field_violations && code == GCD_OK; k++) {
                    Google__Rpc__BadRequest__FieldViolation *v = bad->field_violations[k];
                    code = add_violation(out, count, v->field, v->reason, v->description, err);
                }
                google__rpc__bad_request__free_unpacked(bad, NULL);
            }
            google__rpc__status__free_unpacked(status, NULL);
        }
    }
    if (*count == 0 && code == GCD_OK && r->rejection_len > 0) {
        Govcase__Core__V1__Rejection *rejection = govcase__core__v1__rejection__unpack(NULL, r->rejection_len, r->rejection);
        if (rejection) {
            for (size_t k = 0; k < rejection->n_violations && code == GCD_OK; k++) {
                Govcase__Core__V1__FieldViolation *v = rejection->violations[k];
                code = add_violation(out, count, v->field, v->rule, v->message, err);
            }
            govcase__core__v1__rejection__free_unpacked(rejection, NULL);
        }
    }
    if (code != GCD_OK) {
        for (size_t i = 0; i < *count; i++) {
            free((*out)[i].field); free((*out)[i].rule); free((*out)[i].message);
        }
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return code;
}

int gcd_http_to_grpc(int http_status) {
    switch (http_status) {
    case 400: return 13; /* INTERNAL */
    case 401: return 16; /* UNAUTHENTICATED */
    case 403: return 7;  /* PERMISSION_DENIED */
    case 404: return 12; /* UNIMPLEMENTED */
    case 429: case 502: case 503: case 504: return 14; /* UNAVAILABLE */
    default: return 2;   /* UNKNOWN */
    }
}
