/*
 * CHttpGen: an HTTP/1.1 load engine.
 *
 * One epoll loop per pthread; connections are spread over the threads and never move.
 * Each thread owns its connections, its counters and its latency histograms: nothing on
 * the request path takes a lock, allocates or writes memory another thread writes.
 * Readers (hg_engine_snapshot) sum the per-thread cumulative values with relaxed atomic
 * loads, so interval snapshots are taken while the load runs and no sample is lost: a
 * sample missed by one snapshot is in the next one.
 *
 * Latencies are recorded in microseconds into an HdrHistogram-compatible bucket layout
 * (lowest 1, highest 3,600,000,000 = 1 hour, 3 significant figures), so the counts can be
 * handed to any HdrHistogram implementation with the same parameters.
 *
 * With a rate set, every connection follows its own send schedule and latency is timed
 * from the *intended* send time (coordinated omission corrected, as wrk2 does); how late
 * the engine itself sends is kept apart as "lag".
 *
 * The engine knows nothing of Swift, JSON or ZeroMQ.
 */
#ifndef CHTTPGEN_H
#define CHTTPGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Histogram layout ------------------------------------------------------------- */

/** Lowest discernible value of the latency histograms, in microseconds. */
#define HG_HIST_LOWEST 1
/** Highest trackable value, in microseconds (one hour). Larger values are clamped. */
#define HG_HIST_HIGHEST 3600000000LL
/** Significant decimal figures kept by the latency histograms. */
#define HG_HIST_SIGFIGS 3

/** Number of counts in the layout (the length of the arrays hg_engine_snapshot fills). */
int32_t hg_hist_counts_len(void);

/** Index of @p value (microseconds, clamped to [0, HG_HIST_HIGHEST]) in the counts array. */
int32_t hg_hist_index(int64_t value);

/** The smallest value that falls into counts index @p index (the inverse of hg_hist_index). */
int64_t hg_hist_value_at_index(int32_t index);

/* ---- Configuration ---------------------------------------------------------------- */

/** Status of the calls that can fail. */
typedef enum hg_status {
    HG_OK = 0,        /**< Success. */
    HG_EINVAL = 1,    /**< The configuration cannot work; the message says which field and why. */
    HG_ERESOLVE = 2,  /**< The host name did not resolve. */
    HG_ENOMEM = 3,    /**< Out of memory. */
    HG_ETLS = 4,      /**< The TLS library could not be set up (certificates, context). */
    HG_ESYS = 5,      /**< A system call failed (epoll, eventfd, pthread); the message names it. */
    HG_ESTATE = 6     /**< The call is not valid in the engine's current state. */
} hg_status;

/** Kinds of errors, kept apart in hg_snapshot.errors. */
typedef enum hg_error_kind {
    HG_ERR_CONNECT = 0, /**< connect() refused, unreachable, failed or timed out; TLS handshake failures. */
    HG_ERR_READ = 1,    /**< recv() failed, or the peer closed before the response was complete. */
    HG_ERR_WRITE = 2,   /**< send() failed. */
    HG_ERR_TIMEOUT = 3, /**< No complete response within the request timeout. */
    HG_ERR_STATUS = 4,  /**< A complete response whose status is not 2xx or 3xx. */
    HG_ERR_PARSE = 5,   /**< A response that is not valid HTTP/1.x. */
    HG_ERR_KIND_COUNT = 6
} hg_error_kind;

/**
 * Why the first error of a kind happened (hg_snapshot.error_reasons). Positive values are
 * the errno of the failed system call (ECONNREFUSED, ECONNRESET, ETIMEDOUT for a connect or
 * handshake past the timeout, ...); the engine's own reasons are negative.
 */
typedef enum hg_reason {
    HG_REASON_NONE = 0,         /**< No error of this kind yet. */
    HG_REASON_CLOSED = -1,      /**< The peer closed the connection before the response was complete. */
    HG_REASON_TLS = -2,         /**< TLS failed; hg_snapshot.error_details holds OpenSSL's reason. */
    HG_REASON_TIMEOUT = -3,     /**< No complete response within the request timeout. */
    HG_REASON_INVALID = -4,     /**< The response is not valid HTTP/1.x. */
    HG_REASON_UNSOLICITED = -5  /**< Bytes arrived with no request outstanding, or a second response. */
} hg_reason;

/** Room for one error detail, with its terminating NUL. */
#define HG_REASON_DETAIL_LEN 120

/** Status codes are counted in an array indexed by code; index 0 holds codes outside 100..599. */
#define HG_STATUS_LIMIT 600

/** What to load and how. Strings are copied by hg_engine_create; the caller may free them after. */
typedef struct hg_config {
    const char *host;           /**< Name or numeric address of the target. */
    uint16_t port;              /**< Target port (1-65535). */
    const char *path;           /**< Request target, e.g. "/index.html?x=1". */
    const char *host_header;    /**< Value of the Host header (e.g. "example.com:8080"). */
    const char *method;         /**< Request method, e.g. "GET". */
    const char *headers;        /**< Extra header lines, each ending in "\r\n"; NULL for none. */
    uint64_t body_size;         /**< Bytes of request body sent with each request (0: none). */
    bool tls;                   /**< Speak TLS (https). */
    bool tls_verify;            /**< Verify the server certificate and host name. */
    bool close_each;            /**< One connection per request ("Connection: close"). */
    uint32_t connections;       /**< Concurrent connections, >= threads. */
    uint32_t threads;           /**< Event-loop threads, >= 1. */
    double rate;                /**< Total requests per second over all connections; 0 = as fast as possible. */
    uint64_t timeout_us;        /**< Per-request (and per-connect) timeout in microseconds; 0 = none. */
    const char *const *sources; /**< Numeric local addresses to bind, used round-robin per connection; NULL for any. */
    uint32_t source_count;      /**< Entries in sources. */
    /** Rate mode only: the schedule's quantum in microseconds; 0 = none. Requests whose
     *  places in the schedule fall in the same window (counted from the start) are all due at
     *  the window's start and go out together; latency and lag are timed from that start, so
     *  the engine's own lateness still counts (coordinated omission stays corrected). The
     *  server then sees the rate as a burst every window, as from wrk2's millisecond timers,
     *  and both ends pay one wake-up per burst instead of one per request. */
    uint64_t send_window_us;
} hg_config;

/** Opaque engine. */
typedef struct hg_engine hg_engine;

/**
 * Validate @p config, resolve the host, prepare the request and the TLS context, and
 * allocate every connection. No thread starts and no socket opens.
 * On failure *out is NULL and @p message (if not NULL) holds one line saying what is wrong.
 */
hg_status hg_engine_create(const hg_config *config, hg_engine **out, char *message, size_t message_len);

/**
 * Start the threads: connections open at once, and requests flow from @p start_ns on
 * CLOCK_MONOTONIC (0: as soon as each thread's connections are up). A start time in the
 * future lets many agents open their connections first and begin loading together. With a
 * rate, the send schedule starts at that time. Callable once.
 */
hg_status hg_engine_start(hg_engine *engine, int64_t start_ns, char *message, size_t message_len);

/**
 * Stop the load gracefully: no new request is sent; requests in flight get up to the
 * request timeout (2 s when none is set) to complete, and those still in flight then are
 * counted as timeouts. Every request the server saw is therefore accounted for. Sockets
 * close. Blocks until every thread has joined, so call it off any latency-sensitive
 * thread. Idempotent.
 */
void hg_engine_stop(hg_engine *engine);

/** Free everything. Stops first if needed. NULL is ignored. */
void hg_engine_destroy(hg_engine *engine);

/** Cumulative totals since start, summed over threads. */
typedef struct hg_snapshot {
    uint64_t requests;                       /**< Complete responses, any status. */
    uint64_t bytes_read;                     /**< Bytes received (headers and bodies). */
    uint64_t bytes_written;                  /**< Bytes sent. */
    uint64_t connects;                       /**< Connections established. */
    uint64_t errors[HG_ERR_KIND_COUNT];      /**< Errors by hg_error_kind. */
    uint64_t status_codes[HG_STATUS_LIMIT];  /**< Responses by status code. */
    int64_t latency_min_us;                  /**< Exact smallest latency; INT64_MAX when none. */
    int64_t latency_max_us;                  /**< Exact largest latency; 0 when none. */
    int64_t lag_max_us;                      /**< Largest lateness of a send against its schedule. */
    uint32_t open_connections;               /**< Connections open right now (a gauge). */
    int32_t error_reasons[HG_ERR_KIND_COUNT];  /**< Per hg_error_kind, the first error's hg_reason or errno. */
    char error_details[HG_ERR_KIND_COUNT][HG_REASON_DETAIL_LEN]; /**< With HG_REASON_TLS, OpenSSL's text; else "". */
    int64_t *latency_counts;                 /**< In: caller's array of hg_hist_counts_len(), or NULL. Out: cumulative counts. */
    int64_t *lag_counts;                     /**< In: same for send lag (rate mode only), or NULL. */
} hg_snapshot;

/**
 * Fill @p snapshot with cumulative totals. Safe to call from any one thread while the
 * engine runs; values of different threads may be a few microseconds apart in time.
 * After hg_engine_stop returns, the totals are exact and final.
 */
void hg_engine_snapshot(const hg_engine *engine, hg_snapshot *snapshot);

/** CLOCK_MONOTONIC in nanoseconds (the engine's clock). */
int64_t hg_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* CHTTPGEN_H */
