/* One mutual-TLS HTTP/2 connection to the gateway and unary gRPC calls on it: OpenSSL (ALPN h2, the gateway's
 * identity checked before anything is sent) under nghttp2, on a non-blocking socket with poll() for deadlines.
 * The connection is kept for the next call; a GOAWAY or a closed connection makes the next call reconnect. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "internal.h"

struct gcd_transport {
    const gcd_tls_config *config;
    const gcd_logger *logger;
    SSL_CTX *ctx;
    BIO_METHOD *bio_method;
    char authority[300];
    /* the connection */
    int fd;
    SSL *ssl;
    nghttp2_session *h2;
    bool goaway, closed, write_blocked;
    unsigned calls;
    /* the call in flight */
    int32_t stream_id;
    bool stream_closed;
    uint32_t stream_error;
    gcd_response *response;
    uint8_t *request;
    size_t request_len, request_sent;
    char io_problem[512];
};

/* ---- a socket BIO that never raises SIGPIPE ---- */

static int bio_write(BIO *bio, const char *data, int len) {
    int fd = (int)(intptr_t)BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    ssize_t n = send(fd, data, (size_t)len, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(bio);
    return (int)n;
}

static int bio_read(BIO *bio, char *data, int len) {
    int fd = (int)(intptr_t)BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    ssize_t n = recv(fd, data, (size_t)len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(bio);
    return (int)n;
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr) {
    (void)bio; (void)num; (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *bio) { BIO_set_init(bio, 1); return 1; }

/* ---- errors ---- */

static const char *openssl_reason(char *buf, size_t len) {
    unsigned long e = ERR_peek_last_error();
    if (!e) return "no further detail";
    ERR_error_string_n(e, buf, len);
    const char *reason = ERR_reason_error_string(e);
    if (reason) snprintf(buf, len, "%s", reason);
    return buf;
}

static gcd_code tls_files_fail(gcd_error *err, const char *what, const char *path) {
    char reason[200];
    openssl_reason(reason, sizeof reason);
    ERR_clear_error();
    return gcd_fail(err, GCD_ERR_TLS_FILES, "%s %s: %s", what, path, reason);
}

gcd_code gcd_transport_check_certificate(gcd_transport *t, gcd_error *err) {
    X509 *cert = SSL_CTX_get0_certificate(t->ctx);
    if (!cert) return gcd_fail(err, GCD_ERR_TLS_FILES, "no device certificate loaded from %s", t->config->cert_path);
    char when[64] = "?";
    BIO *mem = BIO_new(BIO_s_mem());
    const ASN1_TIME *not_after = X509_get0_notAfter(cert), *not_before = X509_get0_notBefore(cert);
    bool expired = X509_cmp_current_time(not_after) < 0, early = X509_cmp_current_time(not_before) > 0;
    if (mem && (expired || early)) {
        ASN1_TIME_print(mem, expired ? not_after : not_before);
        int n = BIO_read(mem, when, sizeof when - 1);
        when[n > 0 ? n : 0] = 0;
    }
    BIO_free(mem);
    if (expired)
        return gcd_fail(err, GCD_ERR_TLS_FILES, "the device certificate %s expired on %s: the gateway refuses it; "
                        "install a renewed certificate (nothing was sent)", t->config->cert_path, when);
    if (early)
        return gcd_fail(err, GCD_ERR_TLS_FILES, "the device certificate %s is not valid before %s: check the device's "
                        "clock (nothing was sent)", t->config->cert_path, when);
    return GCD_OK;
}

/* ---- set-up ---- */

gcd_code gcd_transport_new(const gcd_tls_config *config, const gcd_logger *logger, gcd_transport **out, gcd_error *err) {
    *out = NULL;
    gcd_transport *t = calloc(1, sizeof *t);
    if (!t) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    t->config = config;
    t->logger = logger;
    t->fd = -1;
    snprintf(t->authority, sizeof t->authority, "%s:%s", config->gateway_host, config->gateway_port);
    gcd_code code = GCD_OK;
    ERR_clear_error();
    t->ctx = SSL_CTX_new(TLS_client_method());
    t->bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "govcase-device socket");
    if (!t->ctx || !t->bio_method) { code = gcd_fail(err, GCD_ERR_MEMORY, "cannot create the TLS context"); goto done; }
    BIO_meth_set_write(t->bio_method, bio_write);
    BIO_meth_set_read(t->bio_method, bio_read);
    BIO_meth_set_ctrl(t->bio_method, bio_ctrl);
    BIO_meth_set_create(t->bio_method, bio_create);
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(t->ctx, config->cert_path) != 1) {
        code = tls_files_fail(err, "cannot read the device certificate (certificate =)", config->cert_path);
        goto done;
    }
    if (SSL_CTX_use_PrivateKey_file(t->ctx, config->key_path, SSL_FILETYPE_PEM) != 1) {
        code = tls_files_fail(err, "cannot read the device key (key =)", config->key_path);
        goto done;
    }
    if (SSL_CTX_check_private_key(t->ctx) != 1) {
        code = tls_files_fail(err, "the key does not belong to the device certificate: key =", config->key_path);
        goto done;
    }
    /* Only the configured CA: never the system store. */
    if (SSL_CTX_load_verify_locations(t->ctx, config->ca_path, NULL) != 1) {
        code = tls_files_fail(err, "cannot read the gateway's CA (ca =)", config->ca_path);
        goto done;
    }
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    static const unsigned char alpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(t->ctx, alpn, sizeof alpn);
done:
    if (code != GCD_OK) gcd_transport_free(t);
    else *out = t;
    return code;
}

static void disconnect(gcd_transport *t) {
    if (t->h2) nghttp2_session_del(t->h2);
    if (t->ssl) SSL_free(t->ssl); /* frees its BIO */
    if (t->fd >= 0) close(t->fd);
    t->h2 = NULL;
    t->ssl = NULL;
    t->fd = -1;
    t->goaway = t->closed = t->write_blocked = false;
    t->calls = 0;
}

void gcd_transport_free(gcd_transport *t) {
    if (!t) return;
    disconnect(t);
    SSL_CTX_free(t->ctx);
    BIO_meth_free(t->bio_method);
    free(t);
}

/* ---- nghttp2 callbacks ---- */

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *user) {
    (void)s; (void)flags;
    gcd_transport *t = user;
    ERR_clear_error();
    int n = SSL_write(t->ssl, data, (int)(len > 65536 ? 65536 : len));
    if (n > 0) return n;
    int e = SSL_get_error(t->ssl, n);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
        t->write_blocked = e == SSL_ERROR_WANT_WRITE;
        return NGHTTP2_ERR_WOULDBLOCK;
    }
    char reason[160];
    snprintf(t->io_problem, sizeof t->io_problem, "writing to the gateway failed: %s",
             e == SSL_ERROR_SYSCALL ? strerror(errno) : openssl_reason(reason, sizeof reason));
    t->closed = true;
    return NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t name_len,
                     const uint8_t *value, size_t value_len, uint8_t flags, void *user) {
    (void)s; (void)flags;
    gcd_transport *t = user;
    if (t->response && frame->hd.stream_id == t->stream_id) gcd_response_header(t->response, name, name_len, value, value_len);
    return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len, void *user) {
    (void)s; (void)flags;
    gcd_transport *t = user;
    if (t->response && stream_id == t->stream_id) gcd_response_data(t->response, data, len);
    return 0;
}

static int on_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *user) {
    (void)s;
    gcd_transport *t = user;
    if (stream_id == t->stream_id) {
        t->stream_closed = true;
        t->stream_error = error_code;
    }
    return 0;
}

static int on_frame(nghttp2_session *s, const nghttp2_frame *frame, void *user) {
    (void)s;
    gcd_transport *t = user;
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        t->goaway = true;
        gcd_log(t->logger, 0, "gateway %s sent GOAWAY (last stream %d, code %u): the next call reconnects",
                t->authority, frame->goaway.last_stream_id, frame->goaway.error_code);
    }
    return 0;
}

static ssize_t read_request(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t len, uint32_t *flags,
                            nghttp2_data_source *source, void *user) {
    (void)s; (void)stream_id; (void)source;
    gcd_transport *t = user;
    size_t n = t->request_len - t->request_sent;
    if (n > len) n = len;
    memcpy(buf, t->request + t->request_sent, n);
    t->request_sent += n;
    if (t->request_sent == t->request_len) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* ---- connecting ---- */

static int remaining_ms(int64_t deadline) {
    int64_t left = deadline - gcd_now_ms();
    return left < 0 ? 0 : (int)left;
}

static gcd_code tcp_connect(gcd_transport *t, int64_t deadline, gcd_error *err) {
    struct addrinfo hints = {0}, *addrs = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rv = getaddrinfo(t->config->gateway_host, t->config->gateway_port, &hints, &addrs);
    if (rv != 0)
        return gcd_fail(err, GCD_ERR_NETWORK, "cannot resolve the gateway %s: %s", t->authority, gai_strerror(rv));
    int last = ECONNREFUSED;
    for (struct addrinfo *a = addrs; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) { last = errno; continue; }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            last = errno;
            close(fd);
            continue;
        }
        struct pollfd p = {fd, POLLOUT, 0};
        int ready = poll(&p, 1, remaining_ms(deadline));
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (ready <= 0) soerr = ready == 0 ? ETIMEDOUT : errno;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) soerr = errno;
        if (soerr != 0) {
            last = soerr;
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        t->fd = fd;
        freeaddrinfo(addrs);
        return GCD_OK;
    }
    freeaddrinfo(addrs);
    return gcd_fail(err, GCD_ERR_NETWORK, "cannot reach the gateway %s: %s", t->authority, strerror(last));
}

static bool is_ip_address(const char *name) {
    unsigned char buf[16];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* The gateway's certificate must carry the configured SPIFFE id as a URI SAN. */
static bool has_uri_san(X509 *cert, const char *expected) {
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    bool found = false;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && !found; i++) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        if (name->type != GEN_URI) continue;
        const ASN1_IA5STRING *uri = name->d.uniformResourceIdentifier;
        found = (size_t)uri->length == strlen(expected) && memcmp(uri->data, expected, (size_t)uri->length) == 0;
    }
    GENERAL_NAMES_free(names);
    return found;
}

static gcd_code handshake_fail(gcd_transport *t, int ssl_error, gcd_error *err) {
    long verify = SSL_get_verify_result(t->ssl);
    if (verify != X509_V_OK) {
        const char *expected = t->config->server_name;
        return gcd_fail(err, GCD_ERR_PEER, "refused the gateway at %s before sending anything: its certificate failed "
                        "the check (%s; expected server_name %s, signed by ca %s)", t->authority,
                        X509_verify_cert_error_string(verify), expected, t->config->ca_path);
    }
    char reason[200];
    if (ssl_error == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
        return gcd_fail(err, GCD_ERR_NETWORK, "the gateway %s closed the connection during the TLS handshake%s%s",
                        t->authority, errno ? ": " : "", errno ? strerror(errno) : "");
    openssl_reason(reason, sizeof reason);
    if (strstr(reason, "certificate expired"))
        return gcd_fail(err, GCD_ERR_PEER, "the gateway %s refused the device certificate as expired (TLS alert: %s): "
                        "install a renewed certificate", t->authority, reason);
    if (strstr(reason, "alert"))
        return gcd_fail(err, GCD_ERR_PEER, "the gateway %s refused the TLS handshake (%s): check the device "
                        "certificate and key", t->authority, reason);
    return gcd_fail(err, GCD_ERR_PEER, "TLS handshake with the gateway %s failed: %s", t->authority, reason);
}

static gcd_code connect_gateway(gcd_transport *t, gcd_error *err) {
    disconnect(t);
    gcd_code code = gcd_transport_check_certificate(t, err);
    if (code != GCD_OK) return code;
    int64_t deadline = gcd_now_ms() + t->config->timeout_ms;
    if ((code = tcp_connect(t, deadline, err)) != GCD_OK) return code;
    ERR_clear_error();
    t->ssl = SSL_new(t->ctx);
    BIO *bio = t->ssl ? BIO_new(t->bio_method) : NULL;
    if (!bio) { disconnect(t); return gcd_fail(err, GCD_ERR_MEMORY, "cannot create a TLS connection"); }
    BIO_set_data(bio, (void *)(intptr_t)t->fd);
    SSL_set_bio(t->ssl, bio, bio);
    SSL_set_connect_state(t->ssl);
    const char *name = t->config->server_name;
    if (is_ip_address(name)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), name);
    } else {
        SSL_set_tlsext_host_name(t->ssl, name);
        SSL_set1_host(t->ssl, name);
    }
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int rv = SSL_do_handshake(t->ssl);
        if (rv == 1) break;
        int e = SSL_get_error(t->ssl, rv);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            code = handshake_fail(t, e, err);
            disconnect(t);
            return code;
        }
        struct pollfd p = {t->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, 0};
        if (poll(&p, 1, remaining_ms(deadline)) <= 0) {
            disconnect(t);
            return gcd_fail(err, GCD_ERR_NETWORK, "no TLS handshake with the gateway %s within %d ms", t->authority,
                            t->config->timeout_ms);
        }
    }
    const unsigned char *proto = NULL;
    unsigned proto_len = 0;
    SSL_get0_alpn_selected(t->ssl, &proto, &proto_len);
    if (proto_len != 2 || memcmp(proto, "h2", 2) != 0) {
        disconnect(t);
        return gcd_fail(err, GCD_ERR_PEER, "the gateway %s did not agree to HTTP/2 (ALPN h2): it is not a gRPC server",
                        t->authority);
    }
    if (t->config->server_spiffe_id) {
        X509 *peer = SSL_get1_peer_certificate(t->ssl);
        bool ok = peer && has_uri_san(peer, t->config->server_spiffe_id);
        X509_free(peer);
        if (!ok) {
            disconnect(t);
            return gcd_fail(err, GCD_ERR_PEER, "refused the gateway at %s before sending anything: its certificate "
                            "does not carry server_spiffe_id %s", t->authority, t->config->server_spiffe_id);
        }
    }
    nghttp2_session_callbacks *callbacks;
    if (nghttp2_session_callbacks_new(&callbacks) != 0) { disconnect(t); return gcd_fail(err, GCD_ERR_MEMORY, "out of memory"); }
    nghttp2_session_callbacks_set_send_callback(callbacks, on_send);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame);
    int rv = nghttp2_session_client_new(&t->h2, callbacks, t);
    nghttp2_session_callbacks_del(callbacks);
    if (rv != 0) { disconnect(t); return gcd_fail(err, GCD_ERR_MEMORY, "cannot start HTTP/2: %s", nghttp2_strerror(rv)); }
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}, {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 0}};
    nghttp2_submit_settings(t->h2, NGHTTP2_FLAG_NONE, settings, 2);
    gcd_log(t->logger, 0, "connected to the gateway %s (%s, identity checked)", t->authority, SSL_get_version(t->ssl));
    return GCD_OK;
}

/* ---- I/O ---- */

/* Reads what the socket holds into nghttp2. false when the connection ended (t->io_problem says how). */
static bool pump_read(gcd_transport *t) {
    uint8_t buf[16384];
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int n = SSL_read(t->ssl, buf, sizeof buf);
        if (n > 0) {
            ssize_t rv = nghttp2_session_mem_recv(t->h2, buf, (size_t)n);
            if (rv < 0) {
                snprintf(t->io_problem, sizeof t->io_problem, "the gateway broke HTTP/2: %s", nghttp2_strerror((int)rv));
                t->closed = true;
                return false;
            }
            continue;
        }
        int e = SSL_get_error(t->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
        char reason[200];
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0 && ERR_peek_last_error() == 0))
            snprintf(t->io_problem, sizeof t->io_problem, "the gateway closed the connection");
        else if (e == SSL_ERROR_SYSCALL && errno)
            snprintf(t->io_problem, sizeof t->io_problem, "the connection to the gateway failed: %s", strerror(errno));
        else if (strstr(openssl_reason(reason, sizeof reason), "certificate expired"))
            snprintf(t->io_problem, sizeof t->io_problem, "the gateway refused the device certificate as expired "
                     "(TLS alert: %s): install a renewed certificate", reason);
        else
            snprintf(t->io_problem, sizeof t->io_problem, "the gateway ended the TLS connection: %s", reason);
        t->closed = true;
        return false;
    }
}

static bool pump_write(gcd_transport *t) {
    if (t->write_blocked) return true;
    int rv = nghttp2_session_send(t->h2);
    if (rv != 0 && rv != NGHTTP2_ERR_WOULDBLOCK) {
        if (!t->io_problem[0])
            snprintf(t->io_problem, sizeof t->io_problem, "HTTP/2 send failed: %s", nghttp2_strerror(rv));
        t->closed = true;
        return false;
    }
    return true;
}

/* Frames that arrived while the connection was idle (GOAWAY, a close): read them before reusing it. */
static void settle_idle(gcd_transport *t) {
    if (!t->h2) return;
    struct pollfd p = {t->fd, POLLIN, 0};
    if (poll(&p, 1, 0) > 0) pump_read(t);
    if (!nghttp2_session_want_read(t->h2) && !nghttp2_session_want_write(t->h2)) t->closed = true;
}

static gcd_code call_once(gcd_transport *t, const char *path, gcd_response *response, bool *unprocessed, gcd_error *err) {
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%dm", t->config->timeout_ms);
#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE}
    nghttp2_nv headers[] = {
        NV(":method", "POST"), NV(":scheme", "https"), NV(":path", path), NV(":authority", t->authority),
        NV("content-type", "application/grpc+proto"), NV("te", "trailers"), NV("grpc-timeout", timeout),
        NV("user-agent", "govcase-device/" GCD_VERSION " nghttp2/" NGHTTP2_VERSION),
    };
#undef NV
    nghttp2_data_provider provider = {.read_callback = read_request};
    t->response = response;
    t->stream_closed = false;
    t->stream_error = 0;
    t->request_sent = 0;
    t->io_problem[0] = 0;
    *unprocessed = false;
    t->stream_id = nghttp2_submit_request(t->h2, NULL, headers, sizeof headers / sizeof headers[0], &provider, t);
    if (t->stream_id < 0) {
        *unprocessed = true;
        return gcd_fail(err, GCD_ERR_NETWORK, "cannot open a stream to the gateway: %s", nghttp2_strerror(t->stream_id));
    }
    t->calls++;
    int64_t deadline = gcd_now_ms() + t->config->timeout_ms;
    while (!t->stream_closed) {
        if (!pump_write(t)) break;
        if (t->stream_closed) break;
        if (!nghttp2_session_want_read(t->h2) && !nghttp2_session_want_write(t->h2)) {
            snprintf(t->io_problem, sizeof t->io_problem, "the gateway ended the HTTP/2 session");
            t->closed = true;
            break;
        }
        int left = remaining_ms(deadline);
        if (left == 0) {
            nghttp2_submit_rst_stream(t->h2, NGHTTP2_FLAG_NONE, t->stream_id, NGHTTP2_CANCEL);
            pump_write(t);
            t->response = NULL;
            return gcd_fail(err, GCD_ERR_NETWORK, "no answer from the gateway %s within %d ms (DEADLINE_EXCEEDED)",
                            t->authority, t->config->timeout_ms);
        }
        struct pollfd p = {t->fd, (short)(POLLIN | (t->write_blocked ? POLLOUT : 0)), 0};
        int ready = poll(&p, 1, left);
        if (ready < 0 && errno != EINTR) {
            snprintf(t->io_problem, sizeof t->io_problem, "poll failed: %s", strerror(errno));
            t->closed = true;
            break;
        }
        if (ready > 0 && (p.revents & POLLOUT)) t->write_blocked = false;
        if (ready > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP)) && !pump_read(t)) break;
    }
    t->response = NULL;
    if (!t->stream_closed) {
        /* Nothing heard back: if no header came, the gateway never answered this stream. */
        *unprocessed = !response->headers_seen;
        return gcd_fail(err, GCD_ERR_NETWORK, "%s", t->io_problem[0] ? t->io_problem : "the connection ended");
    }
    if (response->grpc_status < 0) {
        if (t->stream_error == NGHTTP2_REFUSED_STREAM) {
            *unprocessed = true;
            return gcd_fail(err, GCD_ERR_NETWORK, "the gateway %s refused the stream unprocessed (GOAWAY or "
                            "REFUSED_STREAM)", t->authority);
        }
        if (t->stream_error != 0)
            return gcd_fail(err, GCD_ERR_NETWORK, "the gateway reset the call (HTTP/2 error %u, %s)", t->stream_error,
                            nghttp2_http2_strerror(t->stream_error));
        if (response->http_status != 0 && response->http_status != 200) {
            response->grpc_status = gcd_http_to_grpc(response->http_status);
            if (!response->grpc_message) {
                char text[64];
                snprintf(text, sizeof text, "HTTP status %d without a gRPC status", response->http_status);
                response->grpc_message = gcd_strdup(text);
            }
            return GCD_OK;
        }
        return gcd_fail(err, GCD_ERR_PROTOCOL, "the gateway %s answered without a grpc-status%s%s", t->authority,
                        response->protocol_error ? ": " : "", response->protocol_problem);
    }
    return GCD_OK;
}

gcd_code gcd_transport_unary(gcd_transport *t, const char *path, const uint8_t *request, size_t request_len,
                             gcd_response *response, gcd_error *err) {
    free(t->request);
    t->request = malloc(request_len + 5);
    if (!t->request) return gcd_fail(err, GCD_ERR_MEMORY, "out of memory");
    t->request[0] = 0;
    t->request[1] = (uint8_t)(request_len >> 24);
    t->request[2] = (uint8_t)(request_len >> 16);
    t->request[3] = (uint8_t)(request_len >> 8);
    t->request[4] = (uint8_t)request_len;
    if (request_len) memcpy(t->request + 5, request, request_len);
    t->request_len = request_len + 5;
    gcd_code code = GCD_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        settle_idle(t);
        if (!t->h2 || t->goaway || t->closed) {
            if ((code = connect_gateway(t, err)) != GCD_OK) break;
        }
        bool reused = t->calls > 0, unprocessed = false;
        gcd_response_reset(response);
        code = call_once(t, path, response, &unprocessed, err);
        if (code == GCD_OK) break;
        disconnect(t);
        /* A connection the gateway closed while idle, or a stream it refused: it never saw the record; once more. */
        if (!(unprocessed && (reused || attempt == 0))) break;
        gcd_log(t->logger, 0, "retrying on a new connection: %s", err->message);
    }
    free(t->request);
    t->request = NULL;
    return code;
}
