/*
 * Engine lifecycle: configuration checks, resolution, the request, threads, snapshots.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#define READ_BUFFER_SIZE (64 * 1024)
/* File descriptors the process needs besides the connections (stdio, epoll, logs). */
#define FD_RESERVE 32
#define MAX_BODY_SIZE (256ULL * 1024 * 1024)

static hg_status failf(hg_status status, char *message, size_t message_len, const char *format, ...) {
    if (message && message_len) {
        va_list args;
        va_start(args, format);
        vsnprintf(message, message_len, format, args);
        va_end(args);
    }
    return status;
}

static int is_token(const char *s) {
    if (!s || !*s) return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s)) return 0;
    return 1;
}

static int has_header(const char *headers, const char *name) {
    size_t len = strlen(name);
    for (const char *line = headers; line && *line;) {
        if (strncasecmp(line, name, len) == 0 && line[len] == ':') return 1;
        const char *next = strstr(line, "\r\n");
        line = next ? next + 2 : NULL;
    }
    return 0;
}

static hg_status check_config(const hg_config *c, char *message, size_t message_len) {
    if (!c->host || !*c->host) return failf(HG_EINVAL, message, message_len, "host: empty");
    if (c->port == 0) return failf(HG_EINVAL, message, message_len, "port: must be 1-65535, got 0");
    if (!c->path || (c->path[0] != '/' && strcmp(c->path, "*") != 0))
        return failf(HG_EINVAL, message, message_len, "path: must start with '/'");
    for (const char *p = c->path; *p; p++)
        if (*p <= ' ' || *p == 127) return failf(HG_EINVAL, message, message_len, "path: contains a space or control character");
    if (!is_token(c->method)) return failf(HG_EINVAL, message, message_len, "method: \"%s\" is not an HTTP token", c->method ? c->method : "");
    if (c->connections == 0) return failf(HG_EINVAL, message, message_len, "connections: must be at least 1");
    if (c->threads == 0) return failf(HG_EINVAL, message, message_len, "threads: must be at least 1");
    if (c->threads > c->connections)
        return failf(HG_EINVAL, message, message_len,
                     "threads: %u threads for %u connections; each thread needs at least one connection",
                     c->threads, c->connections);
    if (!isfinite(c->rate) || c->rate < 0) return failf(HG_EINVAL, message, message_len, "rate: must be a positive number or 0");
    if (c->rate > 0 && c->rate < c->threads)
        return failf(HG_EINVAL, message, message_len,
                     "rate: %g requests/s is below the thread count %u; each thread needs at least 1 request/s",
                     c->rate, c->threads);
    if (c->send_window_us > 1000000)
        return failf(HG_EINVAL, message, message_len, "send window: %llu us is more than the 1 s limit",
                     (unsigned long long)c->send_window_us);
    if (c->send_window_us > 0 && c->rate == 0)
        return failf(HG_EINVAL, message, message_len, "send window: only a rate has a schedule to quantize");
    if (c->body_size > MAX_BODY_SIZE)
        return failf(HG_EINVAL, message, message_len, "body size: %llu bytes is more than the 256 MiB limit",
                     (unsigned long long)c->body_size);
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        (uint64_t)c->connections + FD_RESERVE > (uint64_t)limit.rlim_cur)
        return failf(HG_EINVAL, message, message_len,
                     "connections: %u connections need %u file descriptors, the limit is %llu; raise it with "
                     "'ulimit -n' or use fewer connections",
                     c->connections, c->connections + FD_RESERVE, (unsigned long long)limit.rlim_cur);
    return HG_OK;
}

static hg_status parse_sources(hg_engine *e, const hg_config *c, char *message, size_t message_len) {
    if (!c->sources || c->source_count == 0) return HG_OK;
    e->sources = calloc(c->source_count, sizeof *e->sources);
    if (!e->sources) return failf(HG_ENOMEM, message, message_len, "out of memory");
    for (uint32_t i = 0; i < c->source_count; i++) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)&e->sources[i];
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&e->sources[i];
        if (inet_pton(AF_INET, c->sources[i], &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
        } else if (inet_pton(AF_INET6, c->sources[i], &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
        } else {
            return failf(HG_EINVAL, message, message_len, "source: \"%s\" is not a numeric IPv4 or IPv6 address",
                         c->sources[i]);
        }
        if (i > 0 && e->sources[i].ss_family != e->sources[0].ss_family)
            return failf(HG_EINVAL, message, message_len, "source: mixes IPv4 and IPv6 addresses");
    }
    e->source_count = c->source_count;
    return HG_OK;
}

static hg_status resolve(hg_engine *e, const hg_config *c, char *message, size_t message_len) {
    char port[8];
    snprintf(port, sizeof port, "%u", c->port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    hints.ai_family = e->source_count ? e->sources[0].ss_family : AF_UNSPEC;
    struct addrinfo *result = NULL;
    int rc = getaddrinfo(c->host, port, &hints, &result);
    if (rc != 0 || !result) {
        return failf(HG_ERESOLVE, message, message_len, "cannot resolve host \"%s\"%s: %s", c->host,
                     e->source_count ? " for the family of the source addresses" : "", gai_strerror(rc));
    }
    memcpy(&e->target, result->ai_addr, result->ai_addrlen);
    e->target_len = result->ai_addrlen;
    freeaddrinfo(result);
    return HG_OK;
}

static hg_status build_request(hg_engine *e, const hg_config *c, char *message, size_t message_len) {
    const char *headers = c->headers ? c->headers : "";
    int host = !has_header(headers, "host");
    char length[48] = "";
    if (c->body_size > 0 && !has_header(headers, "content-length"))
        snprintf(length, sizeof length, "Content-Length: %llu\r\n", (unsigned long long)c->body_size);
    int close_header = c->close_each && !has_header(headers, "connection");
    size_t head_len = strlen(c->method) + 1 + strlen(c->path) + 11 +
                      (host ? 8 + strlen(c->host_header ? c->host_header : c->host) : 0) + strlen(headers) +
                      strlen(length) + (close_header ? 19 : 0) + 2;
    size_t total = head_len + c->body_size;
    if (total > UINT32_MAX) return failf(HG_EINVAL, message, message_len, "request: too large");
    e->request = malloc(total + 1);
    if (!e->request) return failf(HG_ENOMEM, message, message_len, "out of memory for a %zu-byte request", total);
    int n = snprintf(e->request, head_len + 1, "%s %s HTTP/1.1\r\n%s%s%s%s%s%s\r\n", c->method, c->path,
                     host ? "Host: " : "", host ? (c->host_header ? c->host_header : c->host) : "", host ? "\r\n" : "",
                     headers, length, close_header ? "Connection: close\r\n" : "");
    if (n < 0 || (size_t)n != head_len) return failf(HG_EINVAL, message, message_len, "request: cannot be formatted");
    memset(e->request + head_len, 'x', c->body_size);
    e->request_len = (uint32_t)total;
    e->head_request = strcasecmp(c->method, "HEAD") == 0;
    return HG_OK;
}

static hg_status setup_threads(hg_engine *e, char *message, size_t message_len) {
    e->threads = calloc(e->thread_count, sizeof *e->threads);
    if (!e->threads) return failf(HG_ENOMEM, message, message_len, "out of memory");
    for (uint32_t i = 0; i < e->thread_count; i++) {
        hg_thread *t = &e->threads[i];
        t->engine = e;
        t->epfd = -1;
        t->nconns = e->connections / e->thread_count + (i < e->connections % e->thread_count ? 1 : 0);
        t->conns = calloc(t->nconns, sizeof *t->conns);
        t->rbuf_len = READ_BUFFER_SIZE;
        t->rbuf = malloc(t->rbuf_len);
        t->latency_counts = calloc(HIST_COUNTS_LEN, sizeof(int64_t));
        t->lag_counts = calloc(HIST_COUNTS_LEN, sizeof(int64_t));
        if (!t->conns || !t->rbuf || !t->latency_counts || !t->lag_counts)
            return failf(HG_ENOMEM, message, message_len, "out of memory for %u connections", t->nconns);
        t->stats.latency_min = INT64_MAX;
        /* The thread's share of the rate is proportional to its share of connections. */
        if (e->rate > 0) t->slot_ns = 1e9 / (e->rate * (double)t->nconns / (double)e->connections);
        for (uint32_t j = 0; j < t->nconns; j++) {
            conn *c = &t->conns[j];
            c->fd = -1;
            c->slot = j;
            /* Global connection number j * threads + i spreads sources evenly overall. */
            c->source = e->source_count ? (j * e->thread_count + i) % e->source_count : 0;
        }
        t->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (t->epfd < 0) return failf(HG_ESYS, message, message_len, "epoll_create1: %s", strerror(errno));
        /* Edge-triggered: each write wakes every thread once; the flags say what for. */
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = NULL};
        if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, e->stop_fd, &ev) < 0)
            return failf(HG_ESYS, message, message_len, "epoll_ctl: %s", strerror(errno));
    }
    return HG_OK;
}

hg_status hg_engine_create(const hg_config *config, hg_engine **out, char *message, size_t message_len) {
    char scratch[8];
    if (!message || message_len == 0) {
        message = scratch;
        message_len = sizeof scratch;
    }
    message[0] = '\0';
    if (!out || !config) return failf(HG_EINVAL, message, message_len, "config: missing");
    *out = NULL;
    if (hist_layout_check() != 0) return failf(HG_EINVAL, message, message_len, "internal: histogram layout mismatch");
    hg_status status = check_config(config, message, message_len);
    if (status != HG_OK) return status;

    hg_engine *e = calloc(1, sizeof *e);
    if (!e) return failf(HG_ENOMEM, message, message_len, "out of memory");
    e->stop_fd = -1;
    pthread_mutex_init(&e->lifecycle, NULL);
    e->connections = config->connections;
    e->thread_count = config->threads;
    e->rate = config->rate;
    e->window_ns = (int64_t)config->send_window_us * 1000;
    e->close_each = config->close_each;
    e->tls_verify = config->tls_verify;
    e->timeout_ns = (int64_t)config->timeout_us * 1000;
    /* Deadlines are checked every tenth of the timeout, between 10 ms and 250 ms. */
    e->scan_ns = e->timeout_ns ? e->timeout_ns / 10 : 250000000LL;
    if (e->scan_ns < 10000000LL) e->scan_ns = 10000000LL;
    if (e->scan_ns > 250000000LL) e->scan_ns = 250000000LL;

    if ((status = parse_sources(e, config, message, message_len)) != HG_OK) goto fail;
    if ((status = resolve(e, config, message, message_len)) != HG_OK) goto fail;
    if ((status = build_request(e, config, message, message_len)) != HG_OK) goto fail;
    if (config->tls) {
        struct in6_addr scratch_addr;
        int numeric = inet_pton(AF_INET, config->host, &scratch_addr) == 1 ||
                      inet_pton(AF_INET6, config->host, &scratch_addr) == 1;
        /* SNI must not carry an address (RFC 6066); verify an address against the IP SAN. */
        if (numeric) {
            e->tls_address = strdup(config->host);
        } else {
            e->tls_name = strdup(config->host);
        }
        if (tls_context_create(e, message, message_len) != 0) {
            status = HG_ETLS;
            goto fail;
        }
    }
    e->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->stop_fd < 0) {
        status = failf(HG_ESYS, message, message_len, "eventfd: %s", strerror(errno));
        goto fail;
    }
    if ((status = setup_threads(e, message, message_len)) != HG_OK) goto fail;
    *out = e;
    return HG_OK;
fail:
    hg_engine_destroy(e);
    return status;
}

hg_status hg_engine_start(hg_engine *e, int64_t start_ns, char *message, size_t message_len) {
    if (!e) return failf(HG_EINVAL, message, message_len, "engine: missing");
    pthread_mutex_lock(&e->lifecycle);
    if (e->state != 0) {
        pthread_mutex_unlock(&e->lifecycle);
        return failf(HG_ESTATE, message, message_len, "engine: already started");
    }
    e->t0 = start_ns;
    e->state = 1;
    for (uint32_t i = 0; i < e->thread_count; i++) {
        hg_thread *t = &e->threads[i];
        int rc = pthread_create(&t->tid, NULL, loop_main, t);
        if (rc != 0) {
            pthread_mutex_unlock(&e->lifecycle);
            hg_engine_stop(e);
            return failf(HG_ESYS, message, message_len, "pthread_create: %s", strerror(rc));
        }
        t->started = 1;
        char name[16];
        snprintf(name, sizeof name, "hg-loop-%u", i % 10000u);
        pthread_setname_np(t->tid, name);
    }
    pthread_mutex_unlock(&e->lifecycle);
    return HG_OK;
}

void hg_engine_stop(hg_engine *e) {
    if (!e) return;
    pthread_mutex_lock(&e->lifecycle);
    if (e->state == 1) {
        /* Drain: no new requests; those in flight get up to the request timeout. */
        int64_t window = e->timeout_ns ? e->timeout_ns : 2000000000LL;
        atomic_store(&e->drain_deadline, hg_now_ns() + window);
        atomic_store(&e->draining, 1);
        uint64_t one = 1;
        if (write(e->stop_fd, &one, sizeof one) < 0) {
            /* Cannot overflow with a few writes; the loops also see the flag at their
             * next scan. */
        }
        for (uint32_t i = 0; i < e->thread_count; i++)
            if (e->threads[i].started) pthread_join(e->threads[i].tid, NULL);
    }
    e->state = 2;
    pthread_mutex_unlock(&e->lifecycle);
}

void hg_engine_destroy(hg_engine *e) {
    if (!e) return;
    hg_engine_stop(e);
    if (e->threads) {
        for (uint32_t i = 0; i < e->thread_count; i++) {
            hg_thread *t = &e->threads[i];
            if (t->epfd >= 0) close(t->epfd);
            free(t->conns);
            free(t->rbuf);
            free(t->latency_counts);
            free(t->lag_counts);
        }
        free(e->threads);
    }
    if (e->stop_fd >= 0) close(e->stop_fd);
    tls_context_destroy(e);
    free(e->tls_name);
    free(e->tls_address);
    free(e->request);
    free(e->sources);
    pthread_mutex_destroy(&e->lifecycle);
    free(e);
}

void hg_engine_snapshot(const hg_engine *e, hg_snapshot *s) {
    int64_t *latency = s->latency_counts;
    int64_t *lag = s->lag_counts;
    memset(s, 0, sizeof *s);
    s->latency_counts = latency;
    s->lag_counts = lag;
    s->latency_min_us = INT64_MAX;
    if (latency) memset(latency, 0, HIST_COUNTS_LEN * sizeof(int64_t));
    if (lag) memset(lag, 0, HIST_COUNTS_LEN * sizeof(int64_t));
    if (!e) return;
    for (uint32_t i = 0; i < e->thread_count; i++) {
        hg_thread *t = &e->threads[i];
        s->requests += LOAD(t->stats.requests);
        s->bytes_read += LOAD(t->stats.bytes_read);
        s->bytes_written += LOAD(t->stats.bytes_written);
        s->connects += LOAD(t->stats.connects);
        for (int k = 0; k < HG_ERR_KIND_COUNT; k++) s->errors[k] += LOAD(t->stats.errors[k]);
        for (int k = 0; k < HG_STATUS_LIMIT; k++) s->status_codes[k] += LOAD(t->stats.status[k]);
        int64_t min = LOAD(t->stats.latency_min), max = LOAD(t->stats.latency_max), lag_max = LOAD(t->stats.lag_max);
        if (min < s->latency_min_us) s->latency_min_us = min;
        if (max > s->latency_max_us) s->latency_max_us = max;
        if (lag_max > s->lag_max_us) s->lag_max_us = lag_max;
        s->open_connections += LOAD(t->stats.open);
        /* The first thread (in thread order) that saw a kind of error explains it. */
        for (int k = 0; k < HG_ERR_KIND_COUNT; k++) {
            if (s->error_reasons[k] != HG_REASON_NONE) continue;
            int32_t reason = __atomic_load_n(&t->reasons[k], __ATOMIC_ACQUIRE);
            if (reason == HG_REASON_NONE) continue;
            s->error_reasons[k] = reason;
            if (reason == HG_REASON_TLS) memcpy(s->error_details[k], t->reason_details[k], HG_REASON_DETAIL_LEN);
        }
        if (latency)
            for (int k = 0; k < HIST_COUNTS_LEN; k++) latency[k] += LOAD(t->latency_counts[k]);
        if (lag)
            for (int k = 0; k < HIST_COUNTS_LEN; k++) lag[k] += LOAD(t->lag_counts[k]);
    }
}
