/*
 * The per-thread event loop: wait, hand events to the connections (conn.c), start
 * requests on schedule, open the initial connections in batches, check deadlines.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>

#define MAX_EVENTS 512
/* Connects in flight per thread while the initial connections open: a burst of 19,000
 * SYNs overflows listen backlogs and turns into one-second SYN retransmits. */
#define CONNECT_BATCH 256

int64_t hg_now_ns(void) { return clock_ns(); }

/* When slot s of the thread's schedule is due: its exact time, rounded down to the start of
 * its send window. */
static int64_t slot_time(const hg_thread *t, uint64_t s) {
    int64_t offset = (int64_t)((double)s * t->slot_ns);
    int64_t window = t->engine->window_ns;
    if (window > 0) offset -= offset % window;
    return t->t0 + offset;
}

/* Start the connection's next request if its schedule allows it now. */
void kick(hg_thread *t, conn *c) {
    hg_engine *e = t->engine;
    if (draining(t)) return;
    int64_t now = clock_ns();
    if (now < e->t0) return; /* before the start time: connected, waiting (see release) */
    if (e->rate > 0) {
        if (!t->scheduled) return; /* the schedule starts once the thread's connections are up */
        int64_t intended = slot_time(t, (uint64_t)c->next_k * t->nconns + c->slot);
        if (intended > now) return; /* its slot comes later */
        c->next_k++;
        /* Lag is the engine's own lateness: from when both the slot had come and the
         * connection was free (t_sent holds "free since" while idle). A connection held
         * up by a slow server is the server's latency, already in the histogram. */
        int64_t ready = intended > c->t_sent ? intended : c->t_sent;
        int64_t lag = now - ready;
        hist_record(t->lag_counts, lag / 1000);
        if (lag / 1000 > t->stats.lag_max) STORE(t->stats.lag_max, lag / 1000);
        conn_send(t, c, intended, now);
    } else {
        conn_send(t, c, now, now);
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
    /* Slots before `due` are due: an estimate from the rate, then made exact with slot_time,
     * the same rounding kick() applies, so a visited slot is never one kick() finds early. */
    int64_t window = t->engine->window_ns;
    int64_t end = window > 0 ? ((now - t->t0) / window + 1) * window : now - t->t0 + 1;
    uint64_t due = (uint64_t)((double)end / t->slot_ns) + 1;
    while (due > t->next_slot && slot_time(t, due - 1) > now) due--;
    while (slot_time(t, due) <= now) due++;
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
            if (c->deadline && now > c->deadline) conn_fail(t, c, HG_ERR_CONNECT, ETIMEDOUT, now);
            break;
        case CS_WRITING:
        case CS_READING:
            if (c->deadline && now > c->deadline) conn_fail(t, c, HG_ERR_TIMEOUT, HG_REASON_TIMEOUT, now);
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
                note_reason(t, HG_ERR_TIMEOUT, HG_REASON_TIMEOUT);
                BUMP(t->stats.errors[HG_ERR_TIMEOUT], t->busy);
                break;
            }
            if (deadline < wake) wake = deadline;
        } else if (!t->released) {
            if (e->t0 < wake) wake = e->t0;
        } else if (e->rate > 0 && t->scheduled) {
            int64_t next = slot_time(t, t->next_slot);
            if (next < wake) wake = next;
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
