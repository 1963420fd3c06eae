/* CCurl: one blocking HTTP exchange through libcurl, for the controller's OpenStack calls.
 *
 * Swift cannot call curl_easy_setopt (variadic), so every option is set here. A kb_curl handle
 * keeps libcurl's connection cache between exchanges (keep-alive); one handle serves one
 * exchange at a time. The caller runs kb_curl_perform on a thread of its own: it blocks. */
#ifndef CCURL_H
#define CCURL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kb_curl kb_curl;

/* What one exchange produced. Buffers are malloc'd; free them with kb_curl_reply_free. */
typedef struct kb_curl_reply {
    long status;           /* HTTP status; 0 when no reply arrived */
    int error_code;        /* 0, or the CURLcode of a transport failure */
    int timed_out;         /* 1 when the failure was the timeout */
    int aborted;           /* kb_curl_upload: 1 when the progress callback stopped it */
    int read_errno;        /* kb_curl_upload: errno of a failed read of the body's file */
    char error[256];       /* libcurl's message for error_code */
    char *headers;         /* the reply's header lines, as received ("Name: value\r\n"...) */
    size_t headers_length;
    char *body;
    size_t body_length;
} kb_curl_reply;

/* Initialises libcurl once for the process (thread-safe); returns 0 on success. */
int kb_curl_global_init(void);

/* A handle, or NULL when libcurl cannot allocate one. */
kb_curl *kb_curl_create(void);

/* Frees the handle and closes its cached connections. */
void kb_curl_destroy(kb_curl *handle);

/* Performs one exchange: `method` on `url` with `header_count` "Name: value" lines, an optional
 * body, a total timeout in milliseconds and an optional CA bundle file. Fills `reply`; returns
 * 0 when a reply arrived (whatever its status), -1 on a transport failure (see error_code). */
int kb_curl_perform(kb_curl *handle, const char *method, const char *url,
                    const char *const *headers, size_t header_count,
                    const void *body, size_t body_length, long timeout_ms,
                    const char *ca_file, kb_curl_reply *reply);

/* Called while an upload runs (at least once a second, and as bytes go out) with the bytes of
 * the body sent so far; a non-zero return aborts the transfer (reply->aborted is then 1). */
typedef int (*kb_curl_progress_fn)(void *context, unsigned long long sent);

/* What an upload sends and how it may go. */
typedef struct kb_curl_upload_options {
    int fd;                          /* read from its current offset; never closed here */
    unsigned long long length;       /* bytes of the body (Content-Length) */
    long long max_bytes_per_second;  /* 0: as fast as the link goes */
    long stall_seconds;              /* abort when under 1 byte/s for this long; 0: never */
    kb_curl_progress_fn progress;    /* may be NULL */
    void *context;                   /* passed to progress */
} kb_curl_upload_options;

/* Performs one exchange whose body is streamed from options->fd (a large file never sits in
 * memory), with no total timeout: a long upload is bounded by the stall limit instead. Fills
 * `reply` as kb_curl_perform does; on a transport failure reply->read_errno is the errno of a
 * failed read of the file (0 when the file was not the cause) and reply->aborted is 1 when the
 * progress callback stopped it. */
int kb_curl_upload(kb_curl *handle, const char *method, const char *url,
                   const char *const *headers, size_t header_count,
                   const kb_curl_upload_options *options, const char *ca_file,
                   kb_curl_reply *reply);

/* Frees the buffers of a reply filled by kb_curl_perform or kb_curl_upload. */
void kb_curl_reply_free(kb_curl_reply *reply);

#ifdef __cplusplus
}
#endif

#endif
