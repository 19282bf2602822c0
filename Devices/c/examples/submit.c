/* A vendor's evaluator firmware in miniature: open a client, submit a culture-tourism approval evaluation
 * made at a window device (channel 05), wait, submit another, close. Build it against the installed library:
 *
 *     cc submit.c $(pkg-config --cflags --libs govcase_device libprotobuf-c libnghttp2 openssl) -o submit
 *
 * Usage: submit <config> <id prefix> [seconds between the two] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "govcase_device.h"

static int submit_one(gcd_client *client, const char *id, int level) {
    Google__Protobuf__Timestamp approved = GOOGLE__PROTOBUF__TIMESTAMP__INIT, evaluated = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    approved.seconds = time(NULL) - 7200;
    evaluated.seconds = time(NULL) - 3600;
    Govcase__Sources__Culturetourism__V1__Person evaluator = GOVCASE__SOURCES__CULTURETOURISM__V1__PERSON__INIT;
    evaluator.party_type = "1"; /* a natural person, anonymous */
    Govcase__Sources__Culturetourism__V1__ApprovalEvaluation record =
        GOVCASE__SOURCES__CULTURETOURISM__V1__APPROVAL_EVALUATION__INIT;
    record.evaluation_id = (char *)id;
    record.revision = 1;
    record.matter_id = (char *)id;
    record.item_code = "000125006000";
    record.item_name = "旅行社业务经营许可";
    record.department = "四川省文化和旅游厅";
    record.department_credit_code = "12100000400000624D";
    record.region_code = "510000";
    record.channel = "05";
    record.level = level;
    record.evaluator = &evaluator;
    record.approved_at = &approved;
    record.evaluated_at = &evaluated;
    record.device_number = "PJQ-0001";

    gcd_result result;
    gcd_error err;
    if (gcd_submit_culture_tourism(client, &record, &result, &err) != GCD_OK) {
        fprintf(stderr, "%s not stored: %s\n", id, err.message);
        return 1;
    }
    printf("%s %s", gcd_outcome_name(result.outcome), id);
    if (result.case_id) printf(" case %s", result.case_id);
    if (result.message) printf(": %s", result.message);
    printf("\n");
    for (size_t i = 0; i < result.violation_count; i++)
        printf("  %s (%s): %s\n", result.violations[i].field, result.violations[i].rule, result.violations[i].message);
    int status = result.outcome == GCD_OUTCOME_ACCEPTED || result.outcome == GCD_OUTCOME_DUPLICATE ? 0 : 3;
    gcd_result_free(&result);
    return status;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <config> <id prefix> [seconds between]\n", argv[0]);
        return 2;
    }
    gcd_error err;
    gcd_client *client;
    if (gcd_client_open(argv[1], &client, &err) != GCD_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    char id[128];
    snprintf(id, sizeof id, "%s-culture-0", argv[2]);
    int status = submit_one(client, id, 5);
    if (argc > 3) sleep((unsigned)atoi(argv[3]));
    snprintf(id, sizeof id, "%s-culture-1", argv[2]);
    status |= submit_one(client, id, 4);
    gcd_client_close(client);
    return status;
}
