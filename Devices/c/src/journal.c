/* The offline queue: an append-only journal of length- and CRC-framed entries, a cursor naming the oldest entry
 * not yet acknowledged, and a rejected file.
 *
 *   queue.journal   "GCDJRNL1", then entries: "GCDE", u32 payload length, u32 CRC-32C of (length, payload), payload
 *                   payload: u8 kind, u8 0, u16 external id length, i64 queued-at (Unix s), external id, record bytes
 *   queue.cursor    "GCDC", u32 0, u64 offset of the oldest pending entry, u64 records dropped, u32 CRC-32C, u32 0
 *   rejected.log    one JSON object a line per refused record, with its violations and the record itself
 *   lock            flock()ed by the one client that owns the directory
 *
 * An append is written and fsync'd before it returns. A power cut can tear only the last entry: at open an entry
 * that runs past the end of the file, or whose CRC does not match, ends the journal there; it is logged, cut off
 * and never read as a record. A cursor that does not read back whole means "from the start": records are resent
 * and the gateway answers DUPLICATE, nothing is lost. Little-endian throughout. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define ENTRY_MAGIC "GCDE"
#define CURSOR_MAGIC "GCDC"
#define CURSOR_LEN 32
#define PAYLOAD_FIXED 12

struct gcd_journal {
    char *dir;
    int dir_fd, lock_fd, journal_fd, cursor_fd;
    gcd_index index;
    uint64_t end;     /* size of the journal: where the next entry goes */
    uint64_t dropped; /* records dropped by drop-oldest, over the queue's life */
    size_t rejected;
    size_t max_records;
    bool drop_oldest;
    const gcd_logger *logger;
};

static void put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_u64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t get_u32(const uint8_t *p) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = v << 8 | p[i]; return v; }
static uint64_t get_u64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = v << 8 | p[i]; return v; }

/* ---- pure encoding and parsing ---- */

uint8_t *gcd_journal_encode(uint8_t kind, int64_t queued_at, const char *external_id, const uint8_t *record,
                            size_t record_len, size_t *out_len) {
    size_t id_len = strlen(external_id);
    if (id_len > 0xFFFF) id_len = 0xFFFF;
    size_t payload_len = PAYLOAD_FIXED + id_len + record_len;
    if (payload_len > GCD_MAX_ENTRY) return NULL;
    uint8_t *buf = malloc(GCD_ENTRY_HEADER_LEN + payload_len);
    if (!buf) return NULL;
    uint8_t *p = buf + GCD_ENTRY_HEADER_LEN;
    p[0] = kind;
    p[1] = 0;
    p[2] = (uint8_t)id_len;
    p[3] = (uint8_t)(id_len >> 8);
    put_u64(p + 4, (uint64_t)queued_at);
    memcpy(p + PAYLOAD_FIXED, external_id, id_len);
    if (record_len) memcpy(p + PAYLOAD_FIXED + id_len, record, record_len);
    memcpy(buf, ENTRY_MAGIC, 4);
    put_u32(buf + 4, (uint32_t)payload_len);
    uint32_t crc = gcd_crc32c(0, buf + 4, 4);
    put_u32(buf + 8, gcd_crc32c(crc, p, payload_len));
    *out_len = GCD_ENTRY_HEADER_LEN + payload_len;
    return buf;
}

bool gcd_journal_parse_payload(const uint8_t *buf, size_t len, gcd_payload *payload) {
    if (len < PAYLOAD_FIXED) return false;
    size_t id_len = (size_t)buf[2] | (size_t)buf[3] << 8;
    if (buf[1] != 0 || PAYLOAD_FIXED + id_len > len) return false;
    if (buf[0] != GCD_KIND_NATIONAL && buf[0] != GCD_KIND_CULTURE_TOURISM) return false;
    payload->kind = buf[0];
    payload->queued_at = (int64_t)get_u64(buf + 4);
    payload->external_id = (const char *)buf + PAYLOAD_FIXED;
    payload->external_id_len = id_len;
    payload->record = buf + PAYLOAD_FIXED + id_len;
    payload->record_len = len - PAYLOAD_FIXED - id_len;
    return true;
}

gcd_scan_result gcd_journal_parse_entry(const uint8_t *buf, size_t avail, gcd_payload *payload, size_t *consumed) {
    if (avail < GCD_ENTRY_HEADER_LEN) {
        /* A header cut short: torn if what is there is a prefix of a header. */
        return memcmp(buf, ENTRY_MAGIC, avail < 4 ? avail : 4) == 0 ? GCD_SCAN_TORN : GCD_SCAN_CORRUPT;
    }
    if (memcmp(buf, ENTRY_MAGIC, 4) != 0) return GCD_SCAN_CORRUPT;
    uint32_t len = get_u32(buf + 4);
    if (len < PAYLOAD_FIXED || len > GCD_MAX_ENTRY) return GCD_SCAN_CORRUPT;
    if ((size_t)len > avail - GCD_ENTRY_HEADER_LEN) return GCD_SCAN_TORN;
    uint32_t crc = gcd_crc32c(gcd_crc32c(0, buf + 4, 4), buf + GCD_ENTRY_HEADER_LEN, len);
    if (crc != get_u32(buf + 8)) return GCD_SCAN_CORRUPT;
    if (!gcd_journal_parse_payload(buf + GCD_ENTRY_HEADER_LEN, len, payload)) return GCD_SCAN_CORRUPT;
    *consumed = GCD_ENTRY_HEADER_LEN + len;
    return GCD_SCAN_OK;
}

static bool index_push(gcd_index *index, gcd_entry entry) {
    if (index->count == index->cap) {
        size_t cap = index->cap ? index->cap * 2 : 64;
        gcd_entry *items = realloc(index->items, cap * sizeof *items);
        if (!items) return false;
        index->items = items;
        index->cap = cap;
    }
    index->items[index->count++] = entry;
    return true;
}

gcd_scan_result gcd_journal_scan(const uint8_t *image, size_t len, uint64_t start, gcd_index *index,
                                 uint64_t *valid_end, bool *out_of_memory) {
    size_t at = 0;
    *out_of_memory = false;
    while (at < len) {
        gcd_payload payload;
        size_t consumed = 0;
        gcd_scan_result r = gcd_journal_parse_entry(image + at, len - at, &payload, &consumed);
        if (r != GCD_SCAN_OK) {
            *valid_end = start + at;
            return r;
        }
        gcd_entry entry = {start + at, (uint32_t)(consumed - GCD_ENTRY_HEADER_LEN), payload.queued_at, payload.kind};
        if (!index_push(index, entry)) {
            *out_of_memory = true;
            *valid_end = start + at;
            return GCD_SCAN_CORRUPT;
        }
        at += consumed;
    }
    *valid_end = start + at;
    return GCD_SCAN_OK;
}

/* ---- files ---- */

static gcd_code io_fail(gcd_error *err, const char *what, const char *path) {
    return gcd_fail(err, GCD_ERR_QUEUE, "%s %s: %s", what, path, strerror(errno));
}

static bool write_all(int fd, const uint8_t *data, size_t len, uint64_t offset) {
    while (len > 0) {
        ssize_t n = pwrite(fd, data, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return true;
}

static bool read_all(int fd, uint8_t *data, size_t len, uint64_t offset) {
    while (len > 0) {
        ssize_t n = pread(fd, data, len, (off_t)offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { if (n == 0) errno = EIO; return false; }
        data += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return true;
}

static uint64_t head_offset(const gcd_journal *j) {
    return j->index.head < j->index.count ? j->index.items[j->index.head].offset : j->end;
}

static gcd_code write_cursor(gcd_journal *j, gcd_error *err) {
    uint8_t c[CURSOR_LEN] = {0};
    memcpy(c, CURSOR_MAGIC, 4);
    put_u64(c + 8, head_offset(j));
    put_u64(c + 16, j->dropped);
    put_u32(c + 24, gcd_crc32c(0, c, 24));
    if (!write_all(j->cursor_fd, c, CURSOR_LEN, 0) || fdatasync(j->cursor_fd) != 0)
        return io_fail(err, "cannot write the queue cursor in", j->dir);
    return GCD_OK;
}

static void save_tail(gcd_journal *j, uint64_t from, uint64_t size) {
    char name[64];
    snprintf(name, sizeof name, "journal-tail-%llu.bin", (unsigned long long)from);
    int out = openat(j->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) return;
    uint8_t chunk[65536];
    for (uint64_t at = from; at < size;) {
        size_t n = (size - at) < sizeof chunk ? (size_t)(size - at) : sizeof chunk;
        if (!read_all(j->journal_fd, chunk, n, at) || !write_all(out, chunk, n, at - from)) break;
        at += n;
    }
    fsync(out);
    close(out);
    gcd_log(j->logger, 1, "journal: the bytes from offset %llu were saved to %s/%s", (unsigned long long)from, j->dir, name);
}

void gcd_journal_close(gcd_journal *j) {
    if (!j) return;
    if (j->journal_fd >= 0) close(j->journal_fd);
    if (j->cursor_fd >= 0) close(j->cursor_fd);
    if (j->lock_fd >= 0) close(j->lock_fd); /* releases the flock */
    if (j->dir_fd >= 0) close(j->dir_fd);
    free(j->index.items);
    free(j->dir);
    free(j);
}

static gcd_code open_files(gcd_journal *j, gcd_error *err) {
    j->dir_fd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->dir_fd < 0) return io_fail(err, "cannot open the queue directory", j->dir);
    j->lock_fd = openat(j->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (j->lock_fd < 0) return io_fail(err, "cannot create the lock file in", j->dir);
    if (flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return gcd_fail(err, GCD_ERR_QUEUE, "the queue directory %s is in use by another client (one client per "
                            "queue: close the other, or give this one its own queue_dir)", j->dir);
        return io_fail(err, "cannot lock the queue directory", j->dir);
    }
    j->journal_fd = openat(j->dir_fd, "queue.journal", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (j->journal_fd < 0) return io_fail(err, "cannot open queue.journal in", j->dir);
    j->cursor_fd = openat(j->dir_fd, "queue.cursor", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (j->cursor_fd < 0) return io_fail(err, "cannot open queue.cursor in", j->dir);
    return GCD_OK;
}

static gcd_code count_rejected(gcd_journal *j, gcd_error *err) {
    int fd = openat(j->dir_fd, "rejected.log", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? GCD_OK : io_fail(err, "cannot read rejected.log in", j->dir);
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        for (ssize_t i = 0; i < n; i++) j->rejected += chunk[i] == '\n';
    close(fd);
    return GCD_OK;
}

gcd_code gcd_journal_open(const gcd_journal_options *options, const gcd_logger *logger, gcd_journal **out,
                          gcd_error *err) {
    *out = NULL;
    gcd_journal *j = calloc(1, sizeof *j);
    if (!j) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    j->dir_fd = j->lock_fd = j->journal_fd = j->cursor_fd = -1;
    j->logger = logger;
    j->max_records = options->max_records;
    j->drop_oldest = options->drop_oldest;
    j->dir = gcd_strdup(options->dir);
    gcd_code code = GCD_OK;
    uint8_t *image = NULL;
    if (!j->dir) { code = gcd_fail(err, GCD_ERR_MEMORY, "out of memory"); goto done; }
    if (mkdir(j->dir, 0700) != 0 && errno != EEXIST) { code = io_fail(err, "cannot make the queue directory", j->dir); goto done; }
    if ((code = open_files(j, err)) != GCD_OK) goto done;

    struct stat st;
    if (fstat(j->journal_fd, &st) != 0) { code = io_fail(err, "cannot read queue.journal in", j->dir); goto done; }
    uint64_t size = (uint64_t)st.st_size;
    uint8_t header[GCD_JOURNAL_HEADER_LEN] = {0};
    if (size >= GCD_JOURNAL_HEADER_LEN && !read_all(j->journal_fd, header, GCD_JOURNAL_HEADER_LEN, 0)) {
        code = io_fail(err, "cannot read queue.journal in", j->dir);
        goto done;
    }
    if (size < GCD_JOURNAL_HEADER_LEN || memcmp(header, GCD_JOURNAL_HEADER, GCD_JOURNAL_HEADER_LEN) != 0) {
        if (size >= GCD_JOURNAL_HEADER_LEN) {
            code = gcd_fail(err, GCD_ERR_QUEUE, "%s/queue.journal is not a govcase-device journal (its first bytes are "
                            "not %s): move it away to start an empty queue", j->dir, GCD_JOURNAL_HEADER);
            goto done;
        }
        /* New, or cut short while it was being made. */
        if (ftruncate(j->journal_fd, 0) != 0 ||
            !write_all(j->journal_fd, (const uint8_t *)GCD_JOURNAL_HEADER, GCD_JOURNAL_HEADER_LEN, 0) ||
            fsync(j->journal_fd) != 0 || fsync(j->dir_fd) != 0) {
            code = io_fail(err, "cannot write queue.journal in", j->dir);
            goto done;
        }
        size = GCD_JOURNAL_HEADER_LEN;
    }

    uint64_t cursor = GCD_JOURNAL_HEADER_LEN;
    uint8_t c[CURSOR_LEN];
    ssize_t got = pread(j->cursor_fd, c, CURSOR_LEN, 0);
    if (got == CURSOR_LEN && memcmp(c, CURSOR_MAGIC, 4) == 0 && get_u32(c + 24) == gcd_crc32c(0, c, 24)) {
        cursor = get_u64(c + 8);
        j->dropped = get_u64(c + 16);
    } else if (got > 0) {
        gcd_log(logger, 1, "journal: queue.cursor did not read back whole; sending from the start of the journal "
                "(records already stored come back DUPLICATE, none is lost)");
    }
    if (cursor < GCD_JOURNAL_HEADER_LEN || cursor > size) cursor = GCD_JOURNAL_HEADER_LEN;

    size_t image_len = (size_t)(size - cursor);
    image = malloc(image_len ? image_len : 1);
    if (!image) { code = gcd_fail(err, GCD_ERR_MEMORY, "out of memory reading the queue"); goto done; }
    if (image_len && !read_all(j->journal_fd, image, image_len, cursor)) {
        code = io_fail(err, "cannot read queue.journal in", j->dir);
        goto done;
    }
    uint64_t valid_end = cursor;
    bool oom = false;
    gcd_scan_result scan = gcd_journal_scan(image, image_len, cursor, &j->index, &valid_end, &oom);
    if (oom) { code = gcd_fail(err, GCD_ERR_MEMORY, "out of memory indexing the queue"); goto done; }
    if (scan != GCD_SCAN_OK) {
        if (scan == GCD_SCAN_TORN) {
            gcd_log(logger, 1, "journal: dropped a torn last entry at offset %llu (%llu bytes): a power cut while it was "
                    "appended, before its submit returned", (unsigned long long)valid_end,
                    (unsigned long long)(size - valid_end));
        } else {
            gcd_log(logger, 2, "journal: the entry at offset %llu is damaged (bad length or CRC); the journal ends there "
                    "(%llu bytes after it left out)", (unsigned long long)valid_end, (unsigned long long)(size - valid_end));
            save_tail(j, valid_end, size);
        }
        if (ftruncate(j->journal_fd, (off_t)valid_end) != 0 || fsync(j->journal_fd) != 0) {
            code = io_fail(err, "cannot cut the torn entry off queue.journal in", j->dir);
            goto done;
        }
    }
    j->end = valid_end;
    if ((code = write_cursor(j, err)) != GCD_OK) goto done;
    code = count_rejected(j, err);
    if (code == GCD_OK && gcd_journal_pending(j) > 0)
        gcd_log(logger, 0, "journal: %zu records queued from before", gcd_journal_pending(j));
done:
    free(image);
    if (code != GCD_OK) gcd_journal_close(j);
    else *out = j;
    return code;
}

size_t gcd_journal_pending(const gcd_journal *j) { return j->index.count - j->index.head; }

gcd_code gcd_journal_peek(gcd_journal *j, uint8_t **buffer, gcd_payload *payload, gcd_error *err) {
    *buffer = NULL;
    if (gcd_journal_pending(j) == 0) return gcd_fail(err, GCD_ERR_QUEUE, "the queue is empty");
    gcd_entry *e = &j->index.items[j->index.head];
    size_t len = GCD_ENTRY_HEADER_LEN + e->length;
    uint8_t *buf = malloc(len);
    if (!buf) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    if (!read_all(j->journal_fd, buf, len, e->offset)) {
        free(buf);
        return io_fail(err, "cannot read queue.journal in", j->dir);
    }
    size_t consumed;
    if (gcd_journal_parse_entry(buf, len, payload, &consumed) != GCD_SCAN_OK) {
        free(buf);
        return gcd_fail(err, GCD_ERR_QUEUE, "the queued entry at offset %llu of %s/queue.journal changed on disk "
                        "(CRC): the disk is failing", (unsigned long long)e->offset, j->dir);
    }
    *buffer = buf;
    return GCD_OK;
}

gcd_code gcd_journal_pop(gcd_journal *j, gcd_error *err) {
    if (gcd_journal_pending(j) == 0) return GCD_OK;
    j->index.head++;
    if (gcd_journal_pending(j) == 0) {
        /* Empty: start the file again. A cut between the two steps leaves a cursor past the end, read as empty. */
        if (ftruncate(j->journal_fd, GCD_JOURNAL_HEADER_LEN) != 0 || fsync(j->journal_fd) != 0)
            return io_fail(err, "cannot compact queue.journal in", j->dir);
        j->end = GCD_JOURNAL_HEADER_LEN;
        j->index.head = j->index.count = 0;
    } else if (j->index.head > 1024 && j->index.head * 2 > j->index.count) {
        memmove(j->index.items, j->index.items + j->index.head, gcd_journal_pending(j) * sizeof *j->index.items);
        j->index.count -= j->index.head;
        j->index.head = 0;
    }
    return write_cursor(j, err);
}

gcd_code gcd_journal_append(gcd_journal *j, uint8_t kind, const char *external_id, const uint8_t *record,
                            size_t record_len, gcd_error *err) {
    if (j->max_records > 0 && gcd_journal_pending(j) >= j->max_records) {
        if (!j->drop_oldest)
            return gcd_fail(err, GCD_ERR_QUEUE_FULL, "the offline queue is full (%zu records, queue_max_records): the "
                            "record %s was not stored; drain the queue when the gateway is back", gcd_journal_pending(j),
                            external_id);
        uint8_t *buf = NULL;
        gcd_payload oldest;
        gcd_code code = gcd_journal_peek(j, &buf, &oldest, err);
        if (code != GCD_OK) return code;
        char when[32] = "?";
        time_t t = (time_t)oldest.queued_at;
        struct tm tm;
        if (gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        gcd_log(j->logger, 2, "journal: the queue is full (%zu records, queue_full = drop-oldest): dropped the oldest "
                "record, external id %.*s, queued at %s", gcd_journal_pending(j), (int)oldest.external_id_len,
                oldest.external_id, when);
        free(buf);
        j->dropped++;
        if ((code = gcd_journal_pop(j, err)) != GCD_OK) return code;
    }
    size_t len = 0;
    uint8_t *entry = gcd_journal_encode(kind, (int64_t)time(NULL), external_id, record, record_len, &len);
    if (!entry) return gcd_fail(err, GCD_ERR_ARGUMENT, "the record is too large for the queue");
    gcd_payload payload;
    size_t consumed;
    gcd_journal_parse_entry(entry, len, &payload, &consumed);
    if (!write_all(j->journal_fd, entry, len, j->end) || fdatasync(j->journal_fd) != 0) {
        gcd_code code = io_fail(err, "cannot append to queue.journal in", j->dir);
        if (ftruncate(j->journal_fd, (off_t)j->end) == 0) fdatasync(j->journal_fd);
        free(entry);
        return code;
    }
    free(entry);
    gcd_entry e = {j->end, (uint32_t)(len - GCD_ENTRY_HEADER_LEN), payload.queued_at, kind};
    if (!index_push(&j->index, e)) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    j->end += len;
    return GCD_OK;
}

gcd_code gcd_journal_reject(gcd_journal *j, const char *line, gcd_error *err) {
    int fd = openat(j->dir_fd, "rejected.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return io_fail(err, "cannot open rejected.log in", j->dir);
    size_t len = strlen(line);
    bool ok = true;
    for (size_t at = 0; ok && at < len;) {
        ssize_t n = write(fd, line + at, len - at);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) at += (size_t)n;
    }
    ok = ok && write(fd, "\n", 1) == 1 && fdatasync(fd) == 0;
    close(fd);
    if (!ok) return io_fail(err, "cannot write rejected.log in", j->dir);
    j->rejected++;
    return GCD_OK;
}

void gcd_journal_status(const gcd_journal *j, gcd_queue_status *status) {
    memset(status, 0, sizeof *status);
    status->pending = gcd_journal_pending(j);
    status->pending_bytes = j->end - head_offset(j);
    status->oldest_queued_at = status->pending ? j->index.items[j->index.head].queued_at : 0;
    status->rejected = j->rejected;
    status->dropped = (size_t)j->dropped;
    status->max_records = j->max_records;
}
