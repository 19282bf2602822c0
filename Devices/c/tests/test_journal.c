/* The journal alone, without a gateway: append, reopen, pop, a torn tail, a damaged entry, a damaged cursor,
 * the cap. Usage: test_journal <empty scratch folder>. Exits 1 on the first failure. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int failures;
#define CHECK(cond, what) do { if (cond) printf("ok  %s\n", what); else { printf("FAILED: %s\n", what); failures++; } } while (0)

static char last_log[8192]; /* every line since the last open_at */
static void capture(void *context, int level, const char *line) {
    (void)context; (void)level;
    size_t n = strlen(last_log);
    snprintf(last_log + n, sizeof last_log - n, "%s\n", line);
}

static gcd_journal *open_at(const char *dir, size_t cap, bool drop, const gcd_logger *logger) {
    gcd_journal_options options = {dir, cap, drop};
    gcd_journal *j = NULL;
    gcd_error err;
    last_log[0] = 0;
    if (gcd_journal_open(&options, logger, &j, &err) != GCD_OK) printf("    (open refused: %s)\n", err.message);
    return j;
}

static off_t size_of(const char *path) { struct stat st; return stat(path, &st) == 0 ? st.st_size : -1; }

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/q", argv[1]);
    gcd_logger logger = {capture, NULL};
    gcd_error err;
    gcd_journal *j = open_at(dir, 100, false, &logger);
    CHECK(j && gcd_journal_pending(j) == 0, "a new queue is empty");
    gcd_journal *second = open_at(dir, 100, false, &logger);
    CHECK(second == NULL, "a second client cannot open a queue in use");
    for (int i = 0; i < 5; i++) {
        char id[16], rec[64];
        snprintf(id, sizeof id, "ID-%d", i);
        snprintf(rec, sizeof rec, "record bytes %d", i);
        gcd_journal_append(j, GCD_KIND_NATIONAL, id, (const uint8_t *)rec, strlen(rec), &err);
    }
    CHECK(gcd_journal_pending(j) == 5, "5 appended");
    gcd_journal_pop(j, &err);
    gcd_journal_pop(j, &err);
    gcd_journal_close(j);
    j = open_at(dir, 100, false, &logger);
    uint8_t *buf;
    gcd_payload p;
    CHECK(j && gcd_journal_pending(j) == 3 && gcd_journal_peek(j, &buf, &p, &err) == GCD_OK &&
          p.external_id_len == 4 && !memcmp(p.external_id, "ID-2", 4) && p.record_len == 14 &&
          !memcmp(p.record, "record bytes 2", 14), "reopened: 3 pending, the oldest is ID-2 with its bytes");
    free(buf);
    gcd_journal_close(j);

    /* A torn tail: a partial entry after the last whole one. */
    snprintf(path, sizeof path, "%s/queue.journal", dir);
    off_t whole = size_of(path);
    size_t len;
    uint8_t *entry = gcd_journal_encode(GCD_KIND_NATIONAL, 1, "TORN", (const uint8_t *)"xxxxxxxxxxxxxxxx", 16, &len);
    for (size_t cut = 1; cut < len; cut += 7) {
        int fd = open(path, O_WRONLY | O_APPEND);
        if (write(fd, entry, cut) != (ssize_t)cut) return 1;
        close(fd);
        j = open_at(dir, 100, false, &logger);
        bool ok = j && gcd_journal_pending(j) == 3 && size_of(path) == whole;
        gcd_journal_close(j);
        ok = ok && strstr(last_log, "torn last entry");
        if (!ok) { printf("FAILED: a torn entry of %zu bytes: %s\n", cut, last_log); failures++; }
    }
    CHECK(failures == 0, "every torn prefix of an entry is dropped and logged, the journal cut back to its whole entries");
    /* A whole entry whose payload was not written (zeros where the data should be): its CRC fails. */
    memset(entry + GCD_ENTRY_HEADER_LEN, 0, len - GCD_ENTRY_HEADER_LEN);
    int fd = open(path, O_WRONLY | O_APPEND);
    if (write(fd, entry, len) != (ssize_t)len) return 1;
    close(fd);
    j = open_at(dir, 100, false, &logger);
    CHECK(j && gcd_journal_pending(j) == 3 && size_of(path) == whole && strstr(last_log, "saved to"),
          "an entry whose bytes never reached the disk (bad CRC): cut off, its bytes saved aside");
    gcd_journal_close(j);
    free(entry);

    /* A damaged cursor: everything is sent again (DUPLICATE at the gateway), nothing lost. */
    snprintf(path, sizeof path, "%s/queue.cursor", dir);
    fd = open(path, O_WRONLY);
    if (pwrite(fd, "garbage!", 8, 8) != 8) return 1;
    close(fd);
    j = open_at(dir, 100, false, &logger);
    CHECK(j && gcd_journal_pending(j) == 5, "a damaged cursor: all 5 entries of the journal are pending again");

    /* The cap. */
    gcd_journal_close(j);
    j = open_at(dir, 5, false, &logger);
    CHECK(gcd_journal_append(j, GCD_KIND_NATIONAL, "OVER", (const uint8_t *)"x", 1, &err) == GCD_ERR_QUEUE_FULL,
          "refuse: a full queue refuses a new record");
    gcd_journal_close(j);
    j = open_at(dir, 5, true, &logger);
    CHECK(gcd_journal_append(j, GCD_KIND_NATIONAL, "OVER", (const uint8_t *)"x", 1, &err) == GCD_OK &&
          gcd_journal_pending(j) == 5 && strstr(last_log, "external id ID-0"), "drop-oldest: the oldest dropped, logged");
    gcd_queue_status s;
    gcd_journal_status(j, &s);
    CHECK(s.dropped == 1 && s.pending == 5, "status counts the dropped record");
    while (gcd_journal_pending(j)) gcd_journal_pop(j, &err);
    snprintf(path, sizeof path, "%s/queue.journal", dir);
    CHECK(size_of(path) == GCD_JOURNAL_HEADER_LEN, "emptied: the journal starts again");
    gcd_journal_close(j);
    return failures ? 1 : 0;
}
