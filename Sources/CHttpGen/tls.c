/*
 * The engine's TLS context (OpenSSL). One SSL_CTX per engine, shared read-only by the
 * threads (OpenSSL 3 contexts are thread-safe once configured); one SSL per connection.
 */
#include "internal.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>

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
