/*
 * Connections: open, TLS handshake, write the request, read and parse the response, count
 * it, fail and reconnect. Called from the thread's event loop (loop.c) only.
 *
 * Sockets are registered once, edge-triggered, for both directions. A request is written
 * with send() straight away (the socket buffer nearly always has room), and a response
 * is read until recv() returns less than the buffer: for TCP a short read means the
 * receive queue was empty, and anything arriving later raises a new edge. That is one
 * send, one recv and a share of one epoll_pwait2 per request, where wrk re-arms write
 * interest on every request and spends four to five system calls.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static void do_read(hg_thread *t, conn *c, uint32_t events);

void conn_close(hg_thread *t, conn *c) {
    if (c->state == CS_CONNECTING && t->connecting > 0) t->connecting--;
    if (conn_busy(c)) t->busy--;
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd); /* also leaves the epoll set */
        c->fd = -1;
    }
    if (c->counted_open) {
        STORE(t->stats.open, t->stats.open - 1);
        c->counted_open = 0;
    }
    c->state = CS_CLOSED;
    c->deadline = 0;
}

/* Count an error, drop the connection, and open a new one. After repeated connect
 * failures the new attempt waits for the next scan instead, so a closed port costs a
 * few attempts per second per connection rather than a busy loop. */
void conn_fail(hg_thread *t, conn *c, hg_error_kind kind, int32_t reason, int64_t now) {
    note_reason(t, kind, reason);
    BUMP(t->stats.errors[kind], 1);
    conn_close(t, c);
    if (kind == HG_ERR_CONNECT) {
        if (c->failures < 255) c->failures++;
        if (c->failures > 1) return;
    }
    if (!draining(t)) conn_open(t, c, now);
}

static void conn_ready(hg_thread *t, conn *c) {
    c->state = CS_IDLE;
    c->deadline = 0;
    c->failures = 0;
    c->counted_open = 1;
    c->t_sent = clock_ns();
    STORE(t->stats.open, t->stats.open + 1);
    BUMP(t->stats.connects, 1);
    kick(t, c);
}

void conn_open(hg_thread *t, conn *c, int64_t now) {
    hg_engine *e = t->engine;
    if (draining(t)) return;
    int fd = socket(e->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        conn_fail(t, c, HG_ERR_CONNECT, errno, now);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (e->source_count) {
        /* Let connect() pick the port for the whole 4-tuple, not bind() for the address
         * alone: otherwise one source address gives one port range for all targets. */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        const struct sockaddr_storage *src = &e->sources[c->source];
        socklen_t len = src->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        if (bind(fd, (const struct sockaddr *)src, len) < 0) goto fail_fd;
    }
    if (connect(fd, (const struct sockaddr *)&e->target, e->target_len) < 0 && errno != EINPROGRESS) goto fail_fd;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) goto fail_fd;
    c->fd = fd;
    c->state = CS_CONNECTING;
    c->deadline = e->timeout_ns ? now + e->timeout_ns : 0;
    t->connecting++;
    return;
fail_fd:;
    int reason = errno; /* before close() can change it */
    close(fd);
    conn_fail(t, c, HG_ERR_CONNECT, reason, now);
}

static void drive_handshake(hg_thread *t, conn *c, int64_t now) {
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        conn_ready(t, c);
        return;
    }
    int err = SSL_get_error(c->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    tls_fail(t, c, HG_ERR_CONNECT, err, now);
}

static void on_connected(hg_thread *t, conn *c, int64_t now) {
    hg_engine *e = t->engine;
    if (t->connecting > 0) t->connecting--;
    if (!e->ssl_ctx) {
        conn_ready(t, c);
        return;
    }
    c->ssl = SSL_new(e->ssl_ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        tls_fail(t, c, HG_ERR_CONNECT, SSL_ERROR_SSL, now);
        return;
    }
    if (e->tls_name) SSL_set_tlsext_host_name(c->ssl, e->tls_name);
    if (e->tls_verify) {
        if (e->tls_name) {
            SSL_set1_host(c->ssl, e->tls_name);
        } else {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), e->tls_address);
        }
    }
    SSL_set_connect_state(c->ssl);
    c->state = CS_HANDSHAKE;
    drive_handshake(t, c, now);
}



static void do_write(hg_thread *t, conn *c) {
    hg_engine *e = t->engine;
    while (c->written < e->request_len) {
        ssize_t n;
        if (c->ssl) {
            n = SSL_write(c->ssl, e->request + c->written, (int)(e->request_len - c->written));
            if (n <= 0) {
                int err = SSL_get_error(c->ssl, (int)n);
                if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) return;
                tls_fail(t, c, HG_ERR_WRITE, err, clock_ns());
                return;
            }
        } else {
            n = send(c->fd, e->request + c->written, e->request_len - c->written, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return; /* EPOLLOUT edge follows */
                if (errno == EINTR) continue;
                conn_fail(t, c, HG_ERR_WRITE, errno, clock_ns());
                return;
            }
        }
        c->written += (uint32_t)n;
        BUMP(t->stats.bytes_written, (uint64_t)n);
    }
    c->state = CS_READING;
}

void conn_send(hg_thread *t, conn *c, int64_t intended, int64_t now) {
    hg_engine *e = t->engine;
    c->t_intended = intended;
    c->t_sent = now;
    c->written = 0;
    c->state = CS_WRITING;
    t->busy++;
    c->deadline = e->timeout_ns ? now + e->timeout_ns : 0;
    parser_reset(&c->parser, e->head_request);
    do_write(t, c);
}

static void complete(hg_thread *t, conn *c) {
    hg_engine *e = t->engine;
    int64_t now = clock_ns();
    int64_t us = (now - c->t_intended) / 1000;
    hist_record(t->latency_counts, us);
    if (us < t->stats.latency_min) STORE(t->stats.latency_min, us);
    if (us > t->stats.latency_max) STORE(t->stats.latency_max, us);
    BUMP(t->stats.requests, 1);
    uint16_t status = c->parser.status;
    BUMP(t->stats.status[status < HG_STATUS_LIMIT && status >= 100 ? status : 0], 1);
    if (status < 200 || status >= 400) BUMP(t->stats.errors[HG_ERR_STATUS], 1);
    c->state = CS_IDLE;
    t->busy--;
    if (e->close_each || (c->parser.flags & PF_CLOSE)) {
        conn_close(t, c);
        conn_open(t, c, now);
    } else {
        c->deadline = 0;
        c->t_sent = now;
        kick(t, c);
    }
}

static void on_eof(hg_thread *t, conn *c) {
    if (c->state == CS_READING || c->state == CS_WRITING) {
        if (parser_eof(&c->parser) == PARSE_DONE) {
            c->parser.flags |= PF_CLOSE;
            complete(t, c);
        } else {
            conn_fail(t, c, HG_ERR_READ, HG_REASON_CLOSED, clock_ns());
        }
        return;
    }
    /* The server closed an idle keep-alive connection: not an error, open another. */
    conn_close(t, c);
    conn_open(t, c, clock_ns());
}

static void do_read(hg_thread *t, conn *c, uint32_t events) {
    /* With a hang-up pending, read to the end: no further edge would announce it. */
    int drain_all = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0 || c->ssl != NULL;
    for (;;) {
        ssize_t n;
        if (c->ssl) {
            n = SSL_read(c->ssl, t->rbuf, (int)t->rbuf_len);
            if (n <= 0) {
                int err = SSL_get_error(c->ssl, (int)n);
                if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
                if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && n == 0)) {
                    on_eof(t, c);
                    return;
                }
                tls_fail(t, c, HG_ERR_READ, err, clock_ns());
                return;
            }
        } else {
            n = recv(c->fd, t->rbuf, t->rbuf_len, 0);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                if (errno == EINTR) continue;
                conn_fail(t, c, HG_ERR_READ, errno, clock_ns());
                return;
            }
            if (n == 0) {
                on_eof(t, c);
                return;
            }
        }
        BUMP(t->stats.bytes_read, (uint64_t)n);
        if (c->state != CS_READING && c->state != CS_WRITING) {
            conn_fail(t, c, HG_ERR_PARSE, HG_REASON_UNSOLICITED, clock_ns()); /* bytes nobody asked for */
            return;
        }
        size_t used = 0;
        parse_result r = parser_feed(&c->parser, t->rbuf, (size_t)n, &used);
        if (r == PARSE_ERROR) {
            conn_fail(t, c, HG_ERR_PARSE, HG_REASON_INVALID, clock_ns());
            return;
        }
        if (r == PARSE_DONE) {
            if (used != (size_t)n) {
                /* More than one response for one request: count it, then start afresh. */
                c->parser.flags |= PF_CLOSE;
                complete(t, c);
                note_reason(t, HG_ERR_PARSE, HG_REASON_UNSOLICITED);
                BUMP(t->stats.errors[HG_ERR_PARSE], 1);
                return;
            }
            int was_writing = c->state == CS_WRITING;
            if (was_writing) c->parser.flags |= PF_CLOSE; /* the request was cut short */
            complete(t, c);
            if (!drain_all || c->fd < 0) return;
            /* A hang-up was pending: keep reading so the close is seen. */
            continue;
        }
        if (!drain_all && (size_t)n < t->rbuf_len) return;
    }
}

void on_event(hg_thread *t, conn *c, uint32_t events, int64_t now) {
    switch (c->state) {
    case CS_CONNECTING:
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err || (events & (EPOLLERR | EPOLLHUP))) {
                conn_fail(t, c, HG_ERR_CONNECT, err ? err : HG_REASON_CLOSED, now);
            } else {
                on_connected(t, c, now);
            }
        }
        break;
    case CS_HANDSHAKE:
        drive_handshake(t, c, now);
        break;
    case CS_WRITING:
        do_write(t, c);
        if ((c->state == CS_READING || c->state == CS_WRITING) &&
            (c->ssl || (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))))
            do_read(t, c, events);
        break;
    case CS_READING:
    case CS_IDLE:
        if (c->ssl || (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) do_read(t, c, events);
        break;
    default:
        break;
    }
}
