/* govcase-device: the library from the command line, for vendors trying it and for the tests.
 *
 *   govcase-device submit --config FILE [record options] [--repeat N]
 *   govcase-device submit --config FILE --record FILE [--type national|culture-tourism]
 *   govcase-device drain  --config FILE
 *   govcase-device status --config FILE
 *
 * Exit status: 0 done (ACCEPTED or DUPLICATE; a drain that emptied the queue), 3 queued (records wait for the
 * gateway), 4 rejected (submit only), 1 an error, 2 a usage error. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "govcase_device.h"

static void usage(FILE *to) {
    fprintf(to,
            "usage: govcase-device submit --config FILE [--record FILE [--type national|culture-tourism]]\n"
            "                             [--id ID] [--revision N] [--level 1-5] [--region CODE] [--matter ID]\n"
            "                             [--channel CODE] [--device DEVICE] [--text TEXT] [--detail CODE]...\n"
            "                             [--item-code C] [--item-name N] [--org-name N] [--org-credit-code C]\n"
            "                             [--evaluated-at UNIX-SECONDS] [--repeat N]\n"
            "       govcase-device drain --config FILE\n"
            "       govcase-device status --config FILE\n"
            "--repeat N submits N records, IDs <ID>-0 ... <ID>-(N-1), and prints one line each. A resend must be\n"
            "byte-identical to be a DUPLICATE: give --evaluated-at (default: an hour ago, from the clock).\n"
            "Exit: 0 stored, 3 queued, 4 rejected, 1 error, 2 usage.\n");
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *grown = realloc(buf, cap *= 2);
            if (!grown) { free(buf); buf = NULL; }
            buf = grown;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static void print_result(const gcd_result *r) {
    switch (r->outcome) {
    case GCD_OUTCOME_ACCEPTED:
    case GCD_OUTCOME_DUPLICATE:
        printf("%s %s case %s\n", gcd_outcome_name(r->outcome), r->external_id, r->case_id ? r->case_id : "");
        break;
    case GCD_OUTCOME_REJECTED:
        printf("REJECTED %s %s: %s\n", r->external_id, gcd_grpc_status_name(r->grpc_status), r->message ? r->message : "");
        for (size_t i = 0; i < r->violation_count; i++)
            printf("  %s (%s): %s\n", r->violations[i].field, r->violations[i].rule, r->violations[i].message);
        break;
    case GCD_OUTCOME_QUEUED:
        printf("QUEUED %s: %s\n", r->external_id, r->message ? r->message : "");
        break;
    }
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) { usage(argc < 2 ? stderr : stdout); return argc < 2 ? 2 : 0; }
    const char *command = argv[1];
    const char *config = NULL, *record_file = NULL, *type = "national";
    const char *id = NULL, *region = "510104", *matter = NULL, *channel = "8", *device = "PJQ-0001", *text = NULL;
    const char *item_code = "11510104MB1234567X4000117009000", *item_name = "食品经营许可";
    const char *org_name = "成都市锦江区行政审批局", *org_credit_code = "91440300708461136T";
    long revision = 1, level = 5, repeat = 1;
    long long evaluated_at = (long long)time(NULL) - 3600;
    char *details[32];
    size_t n_details = 0;
    static const struct option options[] = {
        {"config", required_argument, 0, 'c'}, {"record", required_argument, 0, 'f'}, {"type", required_argument, 0, 't'},
        {"id", required_argument, 0, 'i'}, {"revision", required_argument, 0, 'r'}, {"level", required_argument, 0, 'l'},
        {"region", required_argument, 0, 'g'}, {"matter", required_argument, 0, 'm'}, {"channel", required_argument, 0, 'h'},
        {"device", required_argument, 0, 'd'}, {"text", required_argument, 0, 'x'}, {"detail", required_argument, 0, 'D'},
        {"item-code", required_argument, 0, 'I'}, {"item-name", required_argument, 0, 'N'},
        {"org-name", required_argument, 0, 'O'}, {"org-credit-code", required_argument, 0, 'C'},
        {"evaluated-at", required_argument, 0, 'a'}, {"repeat", required_argument, 0, 'n'}, {0, 0, 0, 0}};
    optind = 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'f': record_file = optarg; break;
        case 't': type = optarg; break;
        case 'i': id = optarg; break;
        case 'r': revision = strtol(optarg, NULL, 10); break;
        case 'l': level = strtol(optarg, NULL, 10); break;
        case 'g': region = optarg; break;
        case 'm': matter = optarg; break;
        case 'h': channel = optarg; break;
        case 'd': device = optarg; break;
        case 'x': text = optarg; break;
        case 'D': if (n_details < 32) details[n_details++] = optarg; break;
        case 'I': item_code = optarg; break;
        case 'N': item_name = optarg; break;
        case 'O': org_name = optarg; break;
        case 'C': org_credit_code = optarg; break;
        case 'a': evaluated_at = strtoll(optarg, NULL, 10); break;
        case 'n': repeat = strtol(optarg, NULL, 10); break;
        default: usage(stderr); return 2;
        }
    }
    if (!config || (strcmp(command, "submit") && strcmp(command, "drain") && strcmp(command, "status")) || repeat < 1) {
        usage(stderr);
        return 2;
    }
    gcd_error err;
    gcd_client *client;
    if (gcd_client_open(config, &client, &err) != GCD_OK) {
        fprintf(stderr, "govcase-device: %s\n", err.message);
        return 1;
    }
    int status = 0;
    if (!strcmp(command, "status")) {
        gcd_queue_status s;
        gcd_queue_status_get(client, &s, &err);
        char when[32] = "-";
        if (s.oldest_queued_at) {
            time_t t = (time_t)s.oldest_queued_at;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        printf("pending %zu (%llu bytes), oldest queued at %s, rejected %zu, dropped %zu, cap %zu\n", s.pending,
               (unsigned long long)s.pending_bytes, when, s.rejected, s.dropped, s.max_records);
        status = s.pending ? 3 : 0;
    } else if (!strcmp(command, "drain")) {
        gcd_drain_report report;
        gcd_code code = gcd_drain(client, &report, &err);
        printf("sent %zu (%zu duplicates), rejected %zu, remaining %zu\n", report.sent, report.duplicates, report.rejected,
               report.remaining);
        if (code != GCD_OK) fprintf(stderr, "govcase-device: %s\n", err.message);
        status = code == GCD_OK ? 0 : report.remaining ? 3 : 1;
    } else if (record_file) {
        size_t len = 0;
        uint8_t *bytes = read_file(record_file, &len);
        gcd_result r;
        gcd_code code = GCD_ERR_ARGUMENT;
        if (!bytes) {
            snprintf(err.message, sizeof err.message, "cannot read %s", record_file);
        } else if (!strcmp(type, "national")) {
            Govcase__Sources__National__V1__EvaluationRecord *rec =
                govcase__sources__national__v1__evaluation_record__unpack(NULL, len, bytes);
            if (rec) code = gcd_submit_national(client, rec, &r, &err);
            else snprintf(err.message, sizeof err.message, "%s is not a serialised EvaluationRecord", record_file);
            govcase__sources__national__v1__evaluation_record__free_unpacked(rec, NULL);
        } else {
            Govcase__Sources__Culturetourism__V1__ApprovalEvaluation *rec =
                govcase__sources__culturetourism__v1__approval_evaluation__unpack(NULL, len, bytes);
            if (rec) code = gcd_submit_culture_tourism(client, rec, &r, &err);
            else snprintf(err.message, sizeof err.message, "%s is not a serialised ApprovalEvaluation", record_file);
            govcase__sources__culturetourism__v1__approval_evaluation__free_unpacked(rec, NULL);
        }
        free(bytes);
        if (code != GCD_OK) {
            fprintf(stderr, "govcase-device: %s\n", err.message);
            status = 1;
        } else {
            print_result(&r);
            status = r.outcome == GCD_OUTCOME_QUEUED ? 3 : r.outcome == GCD_OUTCOME_REJECTED ? 4 : 0;
            gcd_result_free(&r);
        }
    } else {
        char default_id[64];
        if (!id) {
            snprintf(default_id, sizeof default_id, "PJQ-%ld-%d", (long)time(NULL), (int)(clock() % 100000));
            id = default_id;
        }
        time_t when = (time_t)evaluated_at;
        Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
        at.seconds = when;
        Govcase__Sources__National__V1__ServiceItem item = GOVCASE__SOURCES__NATIONAL__V1__SERVICE_ITEM__INIT;
        item.item_code = (char *)item_code;
        item.item_name = (char *)item_name;
        item.org_name = (char *)org_name;
        item.org_credit_code = (char *)org_credit_code;
        Govcase__Sources__National__V1__Evaluator evaluator = GOVCASE__SOURCES__NATIONAL__V1__EVALUATOR__INIT;
        evaluator.party_type = "1"; /* a natural person, anonymous: no name or document */
        for (long k = 0; k < repeat && status != 1; k++) {
            char record_id[256], matter_id[300];
            if (repeat == 1) snprintf(record_id, sizeof record_id, "%s", id);
            else snprintf(record_id, sizeof record_id, "%s-%ld", id, k);
            snprintf(matter_id, sizeof matter_id, "%s", matter ? matter : record_id);
            if (!matter) snprintf(matter_id, sizeof matter_id, "BJ-%s", record_id);
            Govcase__Sources__National__V1__EvaluationRecord rec = GOVCASE__SOURCES__NATIONAL__V1__EVALUATION_RECORD__INIT;
            rec.evaluation_id = record_id;
            rec.revision = (uint64_t)revision;
            rec.matter_id = matter_id;
            rec.item = &item;
            rec.region_code = (char *)region;
            rec.channel = (char *)channel;
            rec.level = (int32_t)level;
            rec.n_detail_items = n_details;
            rec.detail_items = details;
            if (text) rec.text = (char *)text;
            rec.evaluator = &evaluator;
            rec.evaluation_type = "1";
            rec.matter_completed_at = &at;
            rec.evaluated_at = &at;
            rec.device_number = (char *)device;
            gcd_result r;
            if (gcd_submit_national(client, &rec, &r, &err) != GCD_OK) {
                fprintf(stderr, "govcase-device: %s: %s\n", record_id, err.message);
                status = 1;
                break;
            }
            print_result(&r);
            int s = r.outcome == GCD_OUTCOME_QUEUED ? 3 : r.outcome == GCD_OUTCOME_REJECTED ? 4 : 0;
            if (s > status) status = s;
            gcd_result_free(&r);
        }
    }
    gcd_client_close(client);
    return status;
}
