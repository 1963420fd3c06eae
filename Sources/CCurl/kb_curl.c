#include "CCurl.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kb_curl {
    CURL *easy;
};

typedef struct buffer {
    char *data;
    size_t length;
    size_t capacity;
} buffer;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_status = -1;

static void global_init(void) {
    global_status = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int kb_curl_global_init(void) {
    pthread_once(&global_once, global_init);
    return global_status;
}

kb_curl *kb_curl_create(void) {
    if (kb_curl_global_init() != 0) return NULL;
    kb_curl *handle = calloc(1, sizeof(*handle));
    if (!handle) return NULL;
    handle->easy = curl_easy_init();
    if (!handle->easy) {
        free(handle);
        return NULL;
    }
    return handle;
}

void kb_curl_destroy(kb_curl *handle) {
    if (!handle) return;
    curl_easy_cleanup(handle->easy);
    free(handle);
}

static size_t append(buffer *target, const char *data, size_t length) {
    if (target->length + length + 1 > target->capacity) {
        size_t capacity = target->capacity ? target->capacity : 4096;
        while (capacity < target->length + length + 1) capacity *= 2;
        char *grown = realloc(target->data, capacity);
        if (!grown) return 0; /* a short count makes libcurl fail the transfer */
        target->data = grown;
        target->capacity = capacity;
    }
    memcpy(target->data + target->length, data, length);
    target->length += length;
    target->data[target->length] = '\0';
    return length;
}

static size_t on_body(char *data, size_t size, size_t count, void *user) {
    return append(user, data, size * count);
}

static size_t on_header(char *data, size_t size, size_t count, void *user) {
    buffer *headers = user;
    /* A new status line (after a 100 Continue or a redirect) starts the headers over. */
    if (size * count >= 5 && memcmp(data, "HTTP/", 5) == 0) headers->length = 0;
    return append(headers, data, size * count);
}

/* The headers as a list, plus "Expect:": libcurl adds "Expect: 100-continue" to large bodies;
 * the OpenStack services answer without it, and waiting for it costs a round trip. */
static struct curl_slist *header_list(const char *const *headers, size_t header_count) {
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) {
        struct curl_slist *next = curl_slist_append(list, headers[i]);
        if (!next) break;
        list = next;
    }
    struct curl_slist *next = curl_slist_append(list, "Expect:");
    return next ? next : list;
}

/* The options every exchange sets; the caller adds its body and timeouts. */
static void set_common(CURL *easy, const char *method, const char *url, struct curl_slist *list,
                       buffer *body_buffer, buffer *header_buffer, const char *ca_file) {
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, body_buffer);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, header_buffer);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    if (ca_file && *ca_file) curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file);
}

/* Fills `reply` from a finished exchange; returns 0 when a reply arrived, -1 otherwise. */
static int finish(CURL *easy, CURLcode code, buffer *body_buffer, buffer *header_buffer, kb_curl_reply *reply) {
    reply->headers = header_buffer->data;
    reply->headers_length = header_buffer->length;
    reply->body = body_buffer->data;
    reply->body_length = body_buffer->length;
    if (code != CURLE_OK) {
        reply->error_code = (int)code;
        reply->timed_out = code == CURLE_OPERATION_TIMEDOUT;
        strncpy(reply->error, curl_easy_strerror(code), sizeof(reply->error) - 1);
        return -1;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply->status);
    return 0;
}

int kb_curl_perform(kb_curl *handle, const char *method, const char *url,
                    const char *const *headers, size_t header_count,
                    const void *body, size_t body_length, long timeout_ms,
                    const char *ca_file, kb_curl_reply *reply) {
    memset(reply, 0, sizeof(*reply));
    CURL *easy = handle->easy;
    curl_easy_reset(easy); /* keeps the connection cache, clears the previous options */
    buffer body_buffer = {0}, header_buffer = {0};
    struct curl_slist *list = header_list(headers, header_count);
    set_common(easy, method, url, list, &body_buffer, &header_buffer, ca_file);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    }
    CURLcode code = curl_easy_perform(easy);
    curl_slist_free_all(list);
    return finish(easy, code, &body_buffer, &header_buffer, reply);
}

typedef struct upload_state {
    const kb_curl_upload_options *options;
    kb_curl_reply *reply;
} upload_state;

static size_t on_read(char *data, size_t size, size_t count, void *user) {
    upload_state *state = user;
    for (;;) {
        ssize_t got = read(state->options->fd, data, size * count);
        if (got >= 0) return (size_t)got;
        if (errno == EINTR) continue;
        state->reply->read_errno = errno;
        return CURL_READFUNC_ABORT;
    }
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)dltotal, (void)dlnow, (void)ultotal;
    upload_state *state = user;
    if (!state->options->progress) return 0;
    if (state->options->progress(state->options->context, (unsigned long long)ulnow) == 0) return 0;
    state->reply->aborted = 1;
    return 1;
}

int kb_curl_upload(kb_curl *handle, const char *method, const char *url,
                   const char *const *headers, size_t header_count,
                   const kb_curl_upload_options *options, const char *ca_file,
                   kb_curl_reply *reply) {
    memset(reply, 0, sizeof(*reply));
    CURL *easy = handle->easy;
    curl_easy_reset(easy);
    buffer body_buffer = {0}, header_buffer = {0};
    upload_state state = {options, reply};
    struct curl_slist *list = header_list(headers, header_count);
    set_common(easy, method, url, list, &body_buffer, &header_buffer, ca_file);
    /* CURLOPT_UPLOAD streams the body through on_read; CUSTOMREQUEST keeps the method. */
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)options->length);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(easy, CURLOPT_READDATA, &state);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &state);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    if (options->stall_seconds > 0) {
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, options->stall_seconds);
    }
    if (options->max_bytes_per_second > 0)
        curl_easy_setopt(easy, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)options->max_bytes_per_second);
    CURLcode code = curl_easy_perform(easy);
    curl_slist_free_all(list);
    return finish(easy, code, &body_buffer, &header_buffer, reply);
}

void kb_curl_reply_free(kb_curl_reply *reply) {
    free(reply->headers);
    free(reply->body);
    reply->headers = NULL;
    reply->body = NULL;
}
