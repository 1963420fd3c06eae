/*
 * Incremental HTTP/1.x response parser.
 *
 * It keeps a few bytes of state and never copies input, because connections share one
 * read buffer per thread: a response may be split at any byte across reads. Header
 * lines it does not care about are skipped with memchr; bodies are skipped by count.
 */
#include "internal.h"

#include <string.h>

enum {
    S_STATUS_PREFIX = 0, /* "HTTP/1." */
    S_STATUS_MINOR,
    S_STATUS_SPACE,
    S_STATUS_CODE,
    S_STATUS_REST,       /* reason phrase up to LF */
    S_LINE_START,        /* start of a header line, or the empty line */
    S_HEADERS_END_LF,    /* saw CR of the empty line */
    S_NAME,
    S_VALUE_LEADING,     /* spaces after the colon */
    S_VALUE_LENGTH,
    S_VALUE_TOKEN,       /* looking for "chunked" or "close" */
    S_SKIP_LINE,
    S_BODY_LENGTH,
    S_BODY_EOF,
    S_CHUNK_SIZE,
    S_CHUNK_EXT,
    S_CHUNK_DATA,
    S_CHUNK_DATA_END,    /* CRLF after chunk data */
    S_TRAILER_START,
    S_TRAILER_LINE,
    S_DONE
};

/* Header names the parser reacts to, lowercase. Bit i of `candidates` is names[i]. */
enum { H_CONTENT_LENGTH = 0, H_TRANSFER_ENCODING = 1, H_CONNECTION = 2, H_COUNT = 3 };
static const char *const names[H_COUNT] = {"content-length", "transfer-encoding", "connection"};
static const uint8_t name_lengths[H_COUNT] = {14, 17, 10};
static const char *const tokens[H_COUNT] = {NULL, "chunked", "close"};

static inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

void parser_reset(parser *p, int head) {
    memset(p, 0, sizeof(*p));
    p->state = S_STATUS_PREFIX;
    if (head) p->flags = PF_HEAD;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Headers are complete: decide how the body is delimited. Returns the next state. */
static int body_state(parser *p) {
    if (p->status >= 100 && p->status < 200) {
        /* An interim response (100 Continue): the real one follows. */
        uint8_t head = p->flags & PF_HEAD;
        parser_reset(p, head);
        return S_STATUS_PREFIX;
    }
    if ((p->flags & PF_HEAD) || p->status == 204 || p->status == 304) return S_DONE;
    if (p->flags & PF_CHUNKED) {
        p->remaining = 0;
        p->digits = 0;
        return S_CHUNK_SIZE;
    }
    if (p->flags & PF_HAVE_LENGTH) return p->remaining == 0 ? S_DONE : S_BODY_LENGTH;
    p->flags |= PF_UNTIL_EOF | PF_CLOSE;
    return S_BODY_EOF;
}

parse_result parser_feed(parser *p, const char *buf, size_t len, size_t *consumed) {
    size_t i = 0;
    while (i < len) {
        char c = buf[i];
        switch (p->state) {
        case S_STATUS_PREFIX:
            if (c != "HTTP/1."[p->pos]) return PARSE_ERROR;
            if (++p->pos == 7) p->state = S_STATUS_MINOR;
            i++;
            break;
        case S_STATUS_MINOR:
            if (c < '0' || c > '9') return PARSE_ERROR;
            if (c == '0') p->flags |= PF_CLOSE; /* HTTP/1.0: no persistent connection */
            p->state = S_STATUS_SPACE;
            i++;
            break;
        case S_STATUS_SPACE:
            if (c != ' ') return PARSE_ERROR;
            p->state = S_STATUS_CODE;
            p->pos = 0;
            i++;
            break;
        case S_STATUS_CODE:
            if (c < '0' || c > '9') return PARSE_ERROR;
            p->status = (uint16_t)(p->status * 10 + (c - '0'));
            if (++p->pos == 3) p->state = S_STATUS_REST;
            i++;
            break;
        case S_STATUS_REST:
        case S_SKIP_LINE:
        case S_CHUNK_EXT:
        case S_TRAILER_LINE: {
            const char *lf = memchr(buf + i, '\n', len - i);
            if (!lf) {
                i = len;
                break;
            }
            i = (size_t)(lf - buf) + 1;
            if (p->state == S_CHUNK_EXT) {
                if (p->remaining == 0) {
                    p->state = S_TRAILER_START;
                } else {
                    p->state = S_CHUNK_DATA;
                }
            } else if (p->state == S_TRAILER_LINE) {
                p->state = S_TRAILER_START;
            } else {
                p->state = S_LINE_START;
            }
            break;
        }
        case S_LINE_START:
            i++;
            if (c == '\r') {
                p->state = S_HEADERS_END_LF;
            } else if (c == '\n') {
                p->state = (uint8_t)body_state(p);
            } else {
                c = lower(c);
                p->candidates = 0;
                for (int h = 0; h < H_COUNT; h++)
                    if (names[h][0] == c) p->candidates |= (uint8_t)(1u << h);
                p->pos = 1;
                p->state = p->candidates ? S_NAME : S_SKIP_LINE;
            }
            break;
        case S_HEADERS_END_LF:
            if (c != '\n') return PARSE_ERROR;
            i++;
            p->state = (uint8_t)body_state(p);
            break;
        case S_NAME:
            i++;
            if (c == ':') {
                p->header = H_COUNT;
                for (int h = 0; h < H_COUNT; h++)
                    if ((p->candidates & (1u << h)) && name_lengths[h] == p->pos) p->header = (uint8_t)h;
                if (p->header == H_COUNT) {
                    p->state = S_SKIP_LINE;
                } else {
                    p->state = S_VALUE_LEADING;
                }
                break;
            }
            c = lower(c);
            for (int h = 0; h < H_COUNT; h++)
                if ((p->candidates & (1u << h)) && (p->pos >= name_lengths[h] || names[h][p->pos] != c))
                    p->candidates &= (uint8_t)~(1u << h);
            p->pos++;
            if (!p->candidates) p->state = c == '\n' ? S_LINE_START : S_SKIP_LINE;
            break;
        case S_VALUE_LEADING:
            if (c == ' ' || c == '\t') {
                i++;
                break;
            }
            p->pos = 0;
            if (p->header == H_CONTENT_LENGTH) {
                p->remaining = 0;
                p->digits = 0;
                p->state = S_VALUE_LENGTH;
            } else {
                p->state = S_VALUE_TOKEN;
            }
            break;
        case S_VALUE_LENGTH:
            i++;
            if (c >= '0' && c <= '9') {
                if (++p->digits > 18) return PARSE_ERROR;
                p->remaining = p->remaining * 10 + (uint64_t)(c - '0');
            } else if (c == '\n') {
                if (!p->digits) return PARSE_ERROR;
                p->flags |= PF_HAVE_LENGTH;
                p->state = S_LINE_START;
            } else if (c != '\r' && c != ' ' && c != '\t') {
                return PARSE_ERROR;
            }
            break;
        case S_VALUE_TOKEN: {
            i++;
            if (c == '\n') {
                p->state = S_LINE_START;
                break;
            }
            const char *token = tokens[p->header];
            c = lower(c);
            if (token[p->pos] == c) {
                if (token[++p->pos] == '\0') {
                    p->flags |= p->header == H_TRANSFER_ENCODING ? PF_CHUNKED : PF_CLOSE;
                    p->state = S_SKIP_LINE;
                }
            } else {
                p->pos = token[0] == c ? 1 : 0;
            }
            break;
        }
        case S_BODY_LENGTH: {
            size_t take = len - i;
            if (take > p->remaining) take = (size_t)p->remaining;
            p->remaining -= take;
            i += take;
            if (p->remaining == 0) p->state = S_DONE;
            break;
        }
        case S_BODY_EOF:
            i = len;
            break;
        case S_CHUNK_SIZE: {
            int v = hexval(c);
            i++;
            if (v >= 0) {
                if (++p->digits > 15) return PARSE_ERROR;
                p->remaining = (p->remaining << 4) | (uint64_t)v;
            } else if (c == '\n' || c == ';' || c == '\r' || c == ' ' || c == '\t') {
                if (!p->digits) return PARSE_ERROR;
                if (c == '\n') {
                    p->state = p->remaining == 0 ? S_TRAILER_START : S_CHUNK_DATA;
                } else {
                    p->state = S_CHUNK_EXT; /* skip to the end of the line */
                }
            } else {
                return PARSE_ERROR;
            }
            break;
        }
        case S_CHUNK_DATA: {
            size_t take = len - i;
            if (take > p->remaining) take = (size_t)p->remaining;
            p->remaining -= take;
            i += take;
            if (p->remaining == 0) {
                p->state = S_CHUNK_DATA_END;
                p->pos = 0;
            }
            break;
        }
        case S_CHUNK_DATA_END:
            i++;
            if (c == '\n') {
                p->state = S_CHUNK_SIZE;
                p->remaining = 0;
                p->digits = 0;
            } else if (c != '\r') {
                return PARSE_ERROR;
            }
            break;
        case S_TRAILER_START:
            i++;
            if (c == '\n') {
                p->state = S_DONE;
            } else if (c != '\r') {
                p->state = S_TRAILER_LINE;
            }
            break;
        case S_DONE:
            *consumed = i;
            return PARSE_DONE;
        default:
            return PARSE_ERROR;
        }
        if (p->state == S_DONE) {
            *consumed = i;
            return PARSE_DONE;
        }
    }
    *consumed = i;
    return PARSE_MORE;
}

parse_result parser_eof(parser *p) {
    if (p->state == S_BODY_EOF) {
        p->state = S_DONE;
        return PARSE_DONE;
    }
    return PARSE_ERROR;
}
