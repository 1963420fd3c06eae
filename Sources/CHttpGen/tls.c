/*
 * The engine's TLS context (OpenSSL), and the words for a failed TLS call. One SSL_CTX per
 * engine, shared read-only by the threads (OpenSSL 3 contexts are thread-safe once
 * configured); one SSL per connection.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

int tls_context_create(struct hg_engine *e, char *message, size_t message_len) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(message, message_len, "TLS: cannot create a context (%s)",
                 ERR_reason_error_string(ERR_get_error()));
        return -1;
    }
    /* Partial writes and a moving buffer: the request is written from a shared buffer at
     * an offset that advances between calls. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (e->tls_verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            snprintf(message, message_len, "TLS: cannot load the system's CA certificates");
            SSL_CTX_free(ctx);
            return -1;
        }
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    e->ssl_ctx = ctx;
    return 0;
}

void tls_context_destroy(struct hg_engine *e) {
    if (e->ssl_ctx) SSL_CTX_free(e->ssl_ctx);
    e->ssl_ctx = NULL;
}

/* OpenSSL's reason for a failed call on @p ssl, in words. */
static void describe_failure(SSL *ssl, int ssl_error, int saved_errno, char *out, size_t out_len) {
    unsigned long code = ERR_peek_last_error();
    if (code != 0 && ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED && ssl) {
        snprintf(out, out_len, "certificate verify failed: %s",
                 X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
    } else if (code != 0) {
        const char *reason = ERR_reason_error_string(code);
        if (reason) {
            snprintf(out, out_len, "%s", reason);
        } else {
            snprintf(out, out_len, "OpenSSL error %lx", code);
        }
    } else if (ssl_error == SSL_ERROR_SYSCALL && saved_errno != 0) {
        char text[96];
        snprintf(out, out_len, "%s", strerror_r(saved_errno, text, sizeof text));
    } else if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN) {
        snprintf(out, out_len, "the peer closed the connection");
    } else {
        snprintf(out, out_len, "SSL_get_error %d", ssl_error);
    }
}

void tls_fail(hg_thread *t, conn *c, hg_error_kind kind, int ssl_error, int64_t now) {
    int saved_errno = errno;
    /* Described only the first time: the error path of a refused handshake repeats
     * thousands of times a second, and only the first reason is kept. */
    if (__atomic_load_n(&t->reasons[kind], __ATOMIC_RELAXED) == 0) {
        describe_failure(c->ssl, ssl_error, saved_errno, t->reason_details[kind], HG_REASON_DETAIL_LEN);
        note_reason(t, kind, HG_REASON_TLS);
    }
    /* The queue is per thread and SSL_get_error reads it: a stale entry would make the next
     * connection's failure look like this one. */
    ERR_clear_error();
    conn_fail(t, c, kind, HG_REASON_TLS, now);
}
