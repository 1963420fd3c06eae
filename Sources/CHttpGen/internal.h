/*
 * Internal types of CHttpGen. Not part of the public API.
 */
#ifndef CHTTPGEN_INTERNAL_H
#define CHTTPGEN_INTERNAL_H

#include "CHttpGen.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

/* ---- histogram layout: lowest 1, highest 3.6e9, 3 significant figures ---------------
 * sub_bucket_count = 2^ceil(log2(2 * 10^3)) = 2048, unit_magnitude = log2(1) = 0,
 * bucket_count = 22 (2048 << 21 > 3.6e9), counts_len = (22 + 1) * 1024 = 23552.
 * hist_layout_check() recomputes these from the definition at engine creation. */
#define HIST_UNIT_MAGNITUDE 0
#define HIST_SUB_BUCKET_HALF_COUNT_MAGNITUDE 10
#define HIST_SUB_BUCKET_HALF_COUNT 1024
#define HIST_SUB_BUCKET_MASK 2047LL
#define HIST_COUNTS_LEN 23552

/** Counts index of a value; the value is clamped to [0, HG_HIST_HIGHEST]. */
static inline int32_t hist_index(int64_t value) {
    if (value < 0) value = 0;
    if (value > HG_HIST_HIGHEST) value = HG_HIST_HIGHEST;
    int pow2ceiling = 64 - __builtin_clzll((uint64_t)value | (uint64_t)HIST_SUB_BUCKET_MASK);
    int bucket = pow2ceiling - HIST_UNIT_MAGNITUDE - (HIST_SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1);
    int32_t sub = (int32_t)(value >> (bucket + HIST_UNIT_MAGNITUDE));
    return ((bucket + 1) << HIST_SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (sub - HIST_SUB_BUCKET_HALF_COUNT);
}

/** Recomputes the layout constants from the HdrHistogram definition; 0 when they match. */
int hist_layout_check(void);

/* ---- relaxed single-writer counters ----------------------------------------------------
 * Each value is written by exactly one thread (its owner) and read by snapshot readers.
 * A relaxed load + store compiles to a plain add on x86-64 and keeps the C11 memory model
 * happy; no read-modify-write instruction and no lock are needed with one writer. */
#define BUMP(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#define STORE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* ---- response parser -------------------------------------------------------------------- */

/** Result of feeding bytes to the parser. */
typedef enum parse_result {
    PARSE_MORE = 0,  /**< Needs more bytes. */
    PARSE_DONE = 1,  /**< A complete response ended at *consumed. */
    PARSE_ERROR = 2  /**< Not HTTP/1.x. */
} parse_result;

/** Incremental HTTP/1.x response parser that never buffers: state survives between reads. */
typedef struct parser {
    uint64_t remaining;      /* body or chunk bytes still to skip; Content-Length / chunk size being parsed */
    uint16_t status;
    uint8_t state;
    uint8_t pos;             /* position within the token being matched */
    uint8_t candidates;      /* header names still possible (bit per known name) */
    uint8_t header;          /* the known header whose value is being read */
    uint8_t flags;           /* PF_* */
    uint8_t digits;          /* digits seen in the number being parsed */
} parser;

#define PF_CHUNKED 0x01
#define PF_CLOSE 0x02
#define PF_HAVE_LENGTH 0x04
#define PF_HEAD 0x08         /* response to HEAD: no body whatever the headers say */
#define PF_UNTIL_EOF 0x10    /* body delimited by the connection closing */

/** Prepare for the next response; @p head for a HEAD request. */
void parser_reset(parser *p, int head);

/** Feed @p len bytes. On PARSE_DONE, *consumed is the number of bytes the response used. */
parse_result parser_feed(parser *p, const char *buf, size_t len, size_t *consumed);

/** The peer closed: PARSE_DONE if the body was delimited by close, else PARSE_ERROR. */
parse_result parser_eof(parser *p);

/* ---- connections ------------------------------------------------------------------------ */

enum conn_state {
    CS_CLOSED = 0,    /* no socket; waits for a (re)connect */
    CS_CONNECTING,    /* non-blocking connect in progress */
    CS_HANDSHAKE,     /* TLS handshake in progress */
    CS_IDLE,          /* connected, no request in flight */
    CS_WRITING,       /* request partly written */
    CS_READING        /* request written, response not complete */
};

/** One connection. Kept small: 19,000 of them must fit in a few hundred kilobytes. */
typedef struct conn {
    int fd;
    uint8_t state;
    uint8_t failures;        /* consecutive connect failures (backoff) */
    uint8_t counted_open;    /* counted in the open-connections gauge */
    uint8_t pad;
    uint32_t slot;           /* index within its thread: its place in the rate schedule */
    uint32_t written;        /* bytes of the request written so far */
    uint32_t source;         /* index into the engine's source addresses */
    uint64_t next_k;         /* next request number in this connection's schedule */
    int64_t t_intended;      /* when the in-flight request should have been sent (ns) */
    int64_t t_sent;          /* when it was sent (ns); while idle, since when it is free */
    int64_t deadline;        /* connect or response deadline (ns); 0 = none */
    SSL *ssl;
    parser parser;
} conn;

/** Cumulative counters of one thread. Only that thread writes them. */
typedef struct counters {
    uint64_t requests;
    uint64_t bytes_read;
    uint64_t bytes_written;
    uint64_t connects;
    uint64_t errors[HG_ERR_KIND_COUNT];
    int64_t latency_min;
    int64_t latency_max;
    int64_t lag_max;
    uint32_t open;
    uint64_t status[HG_STATUS_LIMIT];
} counters;

typedef struct hg_thread {
    struct hg_engine *engine;
    pthread_t tid;
    int started;
    int epfd;
    conn *conns;
    uint32_t nconns;
    uint32_t next_connect;   /* initial connects are started in bounded batches */
    uint32_t connecting;     /* connects in flight */
    uint32_t busy;           /* requests in flight (CS_WRITING or CS_READING) */
    /* rate schedule: slot s belongs to connection (s % nconns) at t0 + s * slot_ns, rounded
     * down to the engine's send window (slot_time) */
    int scheduled;           /* initial connects done; the schedule has started */
    int released;            /* the start time has passed */
    int64_t t0;
    double slot_ns;
    uint64_t next_slot;
    int64_t next_scan;
    char *rbuf;
    size_t rbuf_len;
    int64_t *latency_counts;
    int64_t *lag_counts;
    /* The first error of each kind: written once, on the error path, by the owner thread;
     * the detail before the reason (release), so a snapshot that sees the reason (acquire)
     * sees the whole detail. */
    int32_t reasons[HG_ERR_KIND_COUNT];
    char reason_details[HG_ERR_KIND_COUNT][HG_REASON_DETAIL_LEN];
    counters stats __attribute__((aligned(64)));
} hg_thread;

struct hg_engine {
    struct sockaddr_storage target;
    socklen_t target_len;
    struct sockaddr_storage *sources;
    uint32_t source_count;
    char *request;
    uint32_t request_len;
    int head_request;
    int close_each;
    int tls_verify;
    char *tls_name;          /* host name for SNI and verification; NULL for an address */
    char *tls_address;       /* the host when it is a numeric address, for verification */
    SSL_CTX *ssl_ctx;
    uint32_t connections;
    uint32_t thread_count;
    double rate;
    int64_t window_ns;       /* rate mode: the schedule's quantum; 0 = none */
    int64_t timeout_ns;
    int64_t scan_ns;
    int64_t t0;
    int stop_fd;
    atomic_int draining;     /* no new requests; threads end once in-flight ones finish */
    _Atomic int64_t drain_deadline;
    int state;               /* 0 created, 1 running, 2 stopped */
    pthread_mutex_t lifecycle;
    hg_thread *threads;
};

#define NS_PER_S 1000000000LL

/** CLOCK_MONOTONIC in ns; vDSO, no system call. */
static inline int64_t clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/** Stopping: no new request, no new connection. */
static inline int draining(const hg_thread *t) {
    return atomic_load_explicit(&t->engine->draining, memory_order_relaxed);
}

/** Counts one value (µs) in a histogram its thread owns (on every request: inline). */
static inline void hist_record(int64_t *counts, int64_t value_us) {
    int32_t i = hist_index(value_us);
    BUMP(counts[i], 1);
}

/** Keeps @p reason (an errno or hg_reason) as the thread's first reason for @p kind. Error
 * path only: the reason is set once and never changes. */
static inline void note_reason(hg_thread *t, hg_error_kind kind, int32_t reason) {
    if (reason == 0 || __atomic_load_n(&t->reasons[kind], __ATOMIC_RELAXED) != 0) return;
    __atomic_store_n(&t->reasons[kind], reason, __ATOMIC_RELEASE);
}

/* Connections (conn.c). */
void conn_open(hg_thread *t, conn *c, int64_t now);
void conn_close(hg_thread *t, conn *c);
/** Counts an error of @p kind for @p reason (an errno or hg_reason), closes and reopens. */
void conn_fail(hg_thread *t, conn *c, hg_error_kind kind, int32_t reason, int64_t now);
void on_event(hg_thread *t, conn *c, uint32_t events, int64_t now);
/** Sends the next request now; latency will be timed from @p intended. */
void conn_send(hg_thread *t, conn *c, int64_t intended, int64_t now);

/** Starts the connection's next request if its schedule allows it now (loop.c). */
void kick(hg_thread *t, conn *c);

/** Thread entry point (loop.c). */
static inline int conn_busy(const conn *c) { return c->state == CS_WRITING || c->state == CS_READING; }

void *loop_main(void *arg);

/* TLS helpers (tls.c). Return 0 on success, -1 with a message on failure. */
int tls_context_create(struct hg_engine *e, char *message, size_t message_len);
void tls_context_destroy(struct hg_engine *e);
/** A TLS call on @p c failed (SSL_get_error gave @p ssl_error): keeps OpenSSL's reason if it
 * is the thread's first of @p kind (the error queue is per thread and read now, before
 * SSL_free), empties the queue, then fails the connection as conn_fail does. */
void tls_fail(hg_thread *t, conn *c, hg_error_kind kind, int ssl_error, int64_t now);

#endif /* CHTTPGEN_INTERNAL_H */
