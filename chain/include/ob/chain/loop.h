/* The one event loop of a node (libuv underneath; chain/src/loop.c is the only file that
 * includes uv.h, besides the libwebsockets glue, whose header pulls it in).
 *
 * Chain, IPFS and data-source traffic, timers and signals all run on one struct chain_loop.
 * Nothing here is thread-safe: every call is made on the loop's thread.
 *
 * Handles (timers, polls, signals) are heap objects: *_new allocates once, *_free closes the
 * handle and frees it when libuv is done with it; *_free is safe inside the handle's own callback
 * and *_free(NULL) is a no-op. A handle's callback is never invoked after its *_free. */
#ifndef OB_CHAIN_LOOP_H
#define OB_CHAIN_LOOP_H
#include <stdbool.h>
#include <stdint.h>

struct ob_err;
struct chain_loop;
struct chain_timer;
struct chain_poll;

/* Returns: 0; OB_ENOMEM; OB_EIO (libuv refused). *out owned (chain_loop_free). */
int chain_loop_new(struct chain_loop **out, struct ob_err *err);
/* Closes every handle still open, runs the loop until they are closed, frees. NULL is a no-op. */
void chain_loop_free(struct chain_loop *l);
/* Run until *done becomes true (set by some callback) or nothing is left to wait for.
 * Returns true if *done. Must not be called from a loop callback. */
bool chain_loop_run_until(struct chain_loop *l, const bool *done);
/* One iteration: wait for at least one event, run its callbacks. Returns false if nothing is
 * left to wait for. */
bool chain_loop_run_once(struct chain_loop *l);
/* A blocking call on a thread of its own while the loop goes on (a pin that may stall for its whole
 * timeout, without stalling the node's timers, sockets and servers). fn must touch nothing of the
 * loop's. chain_thread_start: 0, or OB_EIO/OB_ENOMEM when no thread could be started (then fn has
 * not run: run it inline). chain_thread_wait turns the loop until fn returned, joins the thread and
 * frees it; call it where chain_loop_run_until may be called. A caller that must not wait at all
 * polls chain_thread_done from its own timer and calls chain_thread_wait once it is true. */
struct chain_thread;
int chain_thread_start(struct chain_thread **out, struct chain_loop *l, void (*fn)(void *ud), void *ud);
void chain_thread_wait(struct chain_thread *t);
/* As chain_thread_wait, but blocks without turning the loop (for teardown, when the loop's callbacks
 * must not run any more). NULL is a no-op. */
void chain_thread_join(struct chain_thread *t);
/* Whether fn has returned (seen by the loop: chain_thread_wait then returns at once). */
bool chain_thread_done(const struct chain_thread *t);
/* The loop's cached clock in milliseconds (uv_now). */
uint64_t chain_loop_now_ms(struct chain_loop *l);

/* For the glue file of another area that puts a third-party library on this loop (node/'s HTTP
 * server puts a libwebsockets listener here): the underlying uv_loop_t, and one iteration that
 * does not wait (to finish that library's teardown). Nobody else should need them. */
void *chain_loop_native(struct chain_loop *l);
void chain_loop_run_nowait(struct chain_loop *l);

/* One-shot or repeating timer. start replaces a running schedule. */
int chain_timer_new(struct chain_timer **out, struct chain_loop *l, void (*cb)(void *ud), void *ud,
                    struct ob_err *err);
void chain_timer_start(struct chain_timer *t, uint64_t timeout_ms, uint64_t repeat_ms);
void chain_timer_stop(struct chain_timer *t);
void chain_timer_free(struct chain_timer *t);

/* Readiness of a socket. events: CHAIN_POLL_IN | CHAIN_POLL_OUT; 0 stops. status < 0 on error
 * (a libuv error code; treat the socket as readable so the owner sees the error). */
enum chain_poll_events { CHAIN_POLL_IN = 1, CHAIN_POLL_OUT = 2 };
int chain_poll_new(struct chain_poll **out, struct chain_loop *l, int fd,
                   void (*cb)(void *ud, int fd, int events, int status), void *ud, struct ob_err *err);
int chain_poll_set(struct chain_poll *p, int events);
void chain_poll_free(struct chain_poll *p);
#endif
