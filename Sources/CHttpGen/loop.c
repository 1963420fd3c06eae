/*
 * The per-thread event loop: connections, requests, responses, the rate schedule.
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
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 512
/* Connects in flight per thread while the initial connections open: a burst of 19,000
 * SYNs overflows listen backlogs and turns into one-second SYN retransmits. */
#define CONNECT_BATCH 256
#define NS_PER_S 1000000000LL

static inline int64_t clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t hg_now_ns(void) { return clock_ns(); }

static void conn_open(hg_thread *t, conn *c, int64_t now);
static void kick(hg_thread *t, conn *c);

static void record(int64_t *counts, int64_t value_us) {
    int32_t i = hist_index(value_us);
    BUMP(counts[i], 1);
}

static inline int draining(const hg_thread *t) {
    return atomic_load_explicit(&t->engine->draining, memory_order_relaxed);
}

static void conn_close(hg_thread *t, conn *c) {
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
static void conn_fail(hg_thread *t, conn *c, hg_error_kind kind, int64_t now) {
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

static void conn_open(hg_thread *t, conn *c, int64_t now) {
    hg_engine *e = t->engine;
    if (draining(t)) return;
    int fd = socket(e->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) goto fail;
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
fail_fd:
    close(fd);
fail:
    conn_fail(t, c, HG_ERR_CONNECT, now);
}

static void drive_handshake(hg_thread *t, conn *c, int64_t now) {
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        conn_ready(t, c);
        return;
    }
    int err = SSL_get_error(c->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    conn_fail(t, c, HG_ERR_CONNECT, now);
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
        conn_fail(t, c, HG_ERR_CONNECT, now);
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

static void do_read(hg_thread *t, conn *c, uint32_t events);

static void do_write(hg_thread *t, conn *c) {
    hg_engine *e = t->engine;
    while (c->written < e->request_len) {
        ssize_t n;
        if (c->ssl) {
            n = SSL_write(c->ssl, e->request + c->written, (int)(e->request_len - c->written));
            if (n <= 0) {
                int err = SSL_get_error(c->ssl, (int)n);
                if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) return;
                conn_fail(t, c, HG_ERR_WRITE, clock_ns());
                return;
            }
        } else {
            n = send(c->fd, e->request + c->written, e->request_len - c->written, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return; /* EPOLLOUT edge follows */
                if (errno == EINTR) continue;
                conn_fail(t, c, HG_ERR_WRITE, clock_ns());
                return;
            }
        }
        c->written += (uint32_t)n;
        BUMP(t->stats.bytes_written, (uint64_t)n);
    }
    c->state = CS_READING;
}

/* Start the connection's next request if its schedule allows it now. */
static void kick(hg_thread *t, conn *c) {
    hg_engine *e = t->engine;
    if (draining(t)) return;
    int64_t now = clock_ns();
    if (now < e->t0) return; /* before the start time: connected, waiting (see release) */
    if (e->rate > 0) {
        if (!t->scheduled) return; /* the schedule starts once the thread's connections are up */
        int64_t intended = t->t0 + (int64_t)(((double)c->next_k * t->nconns + c->slot) * t->slot_ns);
        if (intended > now) return; /* its slot comes later */
        c->next_k++;
        /* Lag is the engine's own lateness: from when both the slot had come and the
         * connection was free (t_sent holds "free since" while idle). A connection held
         * up by a slow server is the server's latency, already in the histogram. */
        int64_t ready = intended > c->t_sent ? intended : c->t_sent;
        int64_t lag = now - ready;
        record(t->lag_counts, lag / 1000);
        if (lag / 1000 > t->stats.lag_max) STORE(t->stats.lag_max, lag / 1000);
        c->t_intended = intended;
    } else {
        c->t_intended = now;
    }
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
    record(t->latency_counts, us);
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
            conn_fail(t, c, HG_ERR_READ, clock_ns());
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
                conn_fail(t, c, HG_ERR_READ, clock_ns());
                return;
            }
        } else {
            n = recv(c->fd, t->rbuf, t->rbuf_len, 0);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                if (errno == EINTR) continue;
                conn_fail(t, c, HG_ERR_READ, clock_ns());
                return;
            }
            if (n == 0) {
                on_eof(t, c);
                return;
            }
        }
        BUMP(t->stats.bytes_read, (uint64_t)n);
        if (c->state != CS_READING && c->state != CS_WRITING) {
            conn_fail(t, c, HG_ERR_PARSE, clock_ns()); /* bytes nobody asked for */
            return;
        }
        size_t used = 0;
        parse_result r = parser_feed(&c->parser, t->rbuf, (size_t)n, &used);
        if (r == PARSE_ERROR) {
            conn_fail(t, c, HG_ERR_PARSE, clock_ns());
            return;
        }
        if (r == PARSE_DONE) {
            if (used != (size_t)n) {
                /* More than one response for one request: count it, then start afresh. */
                c->parser.flags |= PF_CLOSE;
                complete(t, c);
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

static void on_event(hg_thread *t, conn *c, uint32_t events, int64_t now) {
    switch (c->state) {
    case CS_CONNECTING:
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err || (events & (EPOLLERR | EPOLLHUP))) {
                conn_fail(t, c, HG_ERR_CONNECT, now);
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

/* Open the initial connections in bounded batches; start the schedule when all are done. */
static void pump_connects(hg_thread *t, int64_t now) {
    while (t->next_connect < t->nconns && t->connecting < CONNECT_BATCH) {
        conn *c = &t->conns[t->next_connect++];
        conn_open(t, c, now);
    }
    if (!t->scheduled && t->next_connect == t->nconns && t->connecting == 0) {
        hg_engine *e = t->engine;
        t->t0 = e->t0 ? e->t0 : clock_ns();
        t->scheduled = 1;
    }
}

/* The start time has come: closed-loop connections that were connected and waiting send
 * their first request. (In rate mode the schedule does this.) */
static void release(hg_thread *t) {
    t->released = 1;
    if (t->engine->rate > 0) return;
    for (uint32_t i = 0; i < t->nconns; i++)
        if (t->conns[i].state == CS_IDLE) kick(t, &t->conns[i]);
}

/* Rate mode: visit the connections whose slots have come. A connection still busy with
 * its previous request catches up as soon as that one completes, timed from its slot. */
static void dispatch(hg_thread *t, int64_t now) {
    if (now < t->t0) return;
    uint64_t due = (uint64_t)((double)(now - t->t0) / t->slot_ns) + 1;
    if (due <= t->next_slot) return;
    if (due - t->next_slot >= t->nconns) {
        for (uint32_t i = 0; i < t->nconns; i++)
            if (t->conns[i].state == CS_IDLE) kick(t, &t->conns[i]);
    } else {
        for (uint64_t s = t->next_slot; s < due; s++) {
            conn *c = &t->conns[s % t->nconns];
            if (c->state == CS_IDLE) kick(t, c);
        }
    }
    t->next_slot = due;
}

/* Deadlines and reconnects, checked every scan interval rather than kept in a timer
 * structure: the precision needed is a fraction of the timeout, not microseconds. */
static void scan(hg_thread *t, int64_t now) {
    for (uint32_t i = 0; i < t->next_connect; i++) {
        conn *c = &t->conns[i];
        switch (c->state) {
        case CS_CLOSED:
            conn_open(t, c, now);
            break;
        case CS_CONNECTING:
        case CS_HANDSHAKE:
            if (c->deadline && now > c->deadline) conn_fail(t, c, HG_ERR_CONNECT, now);
            break;
        case CS_WRITING:
        case CS_READING:
            if (c->deadline && now > c->deadline) conn_fail(t, c, HG_ERR_TIMEOUT, now);
            break;
        default:
            break;
        }
    }
}

void *loop_main(void *arg) {
    hg_thread *t = arg;
    hg_engine *e = t->engine;
    /* Default timer slack (50 us) would make every scheduled send that late. */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    struct epoll_event events[MAX_EVENTS];
    int64_t now = clock_ns();
    t->next_scan = now + e->scan_ns;
    pump_connects(t, now);
    for (;;) {
        int64_t wake = t->next_scan;
        if (draining(t)) {
            if (t->busy == 0) break;
            int64_t deadline = atomic_load_explicit(&e->drain_deadline, memory_order_relaxed);
            if (now >= deadline) {
                /* In flight for the whole drain window, which is the request timeout. */
                BUMP(t->stats.errors[HG_ERR_TIMEOUT], t->busy);
                break;
            }
            if (deadline < wake) wake = deadline;
        } else if (!t->released) {
            if (e->t0 < wake) wake = e->t0;
        } else if (e->rate > 0 && t->scheduled) {
            int64_t slot_time = t->t0 + (int64_t)((double)t->next_slot * t->slot_ns);
            if (slot_time < wake) wake = slot_time;
        }
        int64_t wait = wake - now;
        if (wait < 0) wait = 0;
        struct timespec timeout = {.tv_sec = wait / NS_PER_S, .tv_nsec = wait % NS_PER_S};
        int n = epoll_pwait2(t->epfd, events, MAX_EVENTS, &timeout, NULL);
        if (n < 0 && errno != EINTR) break;
        now = clock_ns();
        for (int i = 0; i < n; i++) {
            conn *c = events[i].data.ptr;
            if (c) on_event(t, c, events[i].events, now);
        }
        if (!t->scheduled) pump_connects(t, now);
        now = clock_ns();
        if (!t->released && now >= e->t0 && !draining(t)) release(t);
        if (e->rate > 0 && t->scheduled && !draining(t)) dispatch(t, now);
        if (now >= t->next_scan) {
            scan(t, now);
            t->next_scan = now + e->scan_ns;
        }
    }
    for (uint32_t i = 0; i < t->nconns; i++) conn_close(t, &t->conns[i]);
    return NULL;
}
