#include "CCurl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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

int kb_curl_perform(kb_curl *handle, const char *method, const char *url,
                    const char *const *headers, size_t header_count,
                    const void *body, size_t body_length, long timeout_ms,
                    const char *ca_file, kb_curl_reply *reply) {
    memset(reply, 0, sizeof(*reply));
    CURL *easy = handle->easy;
    curl_easy_reset(easy); /* keeps the connection cache, clears the previous options */
    buffer body_buffer = {0}, header_buffer = {0};
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) {
        struct curl_slist *next = curl_slist_append(list, headers[i]);
        if (!next) break;
        list = next;
    }
    /* libcurl adds "Expect: 100-continue" to large bodies; the OpenStack services answer
     * without it, and waiting for it costs a round trip. */
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body_buffer);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &header_buffer);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    }
    if (ca_file && *ca_file) curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file);
    CURLcode code = curl_easy_perform(easy);
    curl_slist_free_all(list);
    reply->headers = header_buffer.data;
    reply->headers_length = header_buffer.length;
    reply->body = body_buffer.data;
    reply->body_length = body_buffer.length;
    if (code != CURLE_OK) {
        reply->error_code = (int)code;
        reply->timed_out = code == CURLE_OPERATION_TIMEDOUT;
        strncpy(reply->error, curl_easy_strerror(code), sizeof(reply->error) - 1);
        return -1;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply->status);
    return 0;
}

void kb_curl_reply_free(kb_curl_reply *reply) {
    free(reply->headers);
    free(reply->body);
    reply->headers = NULL;
    reply->body = NULL;
}
