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

/* Frees the buffers of a reply filled by kb_curl_perform. */
void kb_curl_reply_free(kb_curl_reply *reply);

#ifdef __cplusplus
}
#endif

#endif
