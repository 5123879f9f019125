/* The event loop on libuv: the only file of chain/ that includes uv.h directly. */
#include <stdlib.h>
#include <uv.h>

#include "ob/chain/loop.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "loop_int.h"

struct chain_loop {
  uv_loop_t uv;
};

/* Every handle starts with its uv handle, so one close callback frees them all. */
struct chain_timer {
  uv_timer_t h;
  void (*cb)(void *ud);
  void *ud;
};
struct chain_poll {
  uv_poll_t h;
  void (*cb)(void *ud, int fd, int events, int status);
  void *ud;
  int fd;
};

/* Marks the handles this file allocated (h->data), so chain_loop_free can free forgotten ones. */
static const char ours_tag;
#define OURS ((void *)&ours_tag)

static void free_on_close(uv_handle_t *h) { ob_free(h); }

int chain_loop_new(struct chain_loop **out, struct ob_err *err) {
  struct chain_loop *l = ob_calloc(1, sizeof(*l));
  int rc;
  if (!l) return ob_err_set(err, OB_ENOMEM, "cannot create the event loop: out of memory");
  rc = uv_loop_init(&l->uv);
  if (rc) {
    ob_free(l);
    return ob_err_set(err, OB_EIO, "cannot create the event loop: %s", uv_strerror(rc));
  }
  *out = l;
  return 0;
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  /* Handles of ours are freed by their close callback; foreign ones (lws) belong to their
   * owner, which should have been freed before the loop. */
  if (uv_is_closing(h)) return;
  uv_close(h, h->data == OURS ? free_on_close : NULL);
}

void chain_loop_free(struct chain_loop *l) {
  if (!l) return;
  uv_run(&l->uv, UV_RUN_NOWAIT);
  uv_walk(&l->uv, close_walk, NULL);
  uv_run(&l->uv, UV_RUN_DEFAULT);
  uv_loop_close(&l->uv);
  ob_free(l);
}

bool chain_loop_run_until(struct chain_loop *l, const bool *done) {
  while (!*done)
    if (uv_run(&l->uv, UV_RUN_ONCE) == 0 && !*done) return false;
  return true;
}

/* chain_thread: the thread wakes the loop through an async handle when fn returned. */
struct chain_thread {
  uv_async_t a; /* first: the close callback frees the whole struct */
  struct chain_loop *l;
  uv_thread_t th;
  void (*fn)(void *ud);
  void *ud;
  bool done;
};

static void thread_main(void *arg) {
  struct chain_thread *t = arg;
  t->fn(t->ud);
  uv_async_send(&t->a);
}

static void thread_woken(uv_async_t *a) { ((struct chain_thread *)a)->done = true; }

int chain_thread_start(struct chain_thread **out, struct chain_loop *l, void (*fn)(void *ud), void *ud) {
  struct chain_thread *t = ob_calloc(1, sizeof(*t));
  *out = NULL;
  if (!t) return OB_ENOMEM;
  if (uv_async_init(&l->uv, &t->a, thread_woken)) {
    ob_free(t);
    return OB_EIO;
  }
  t->a.data = OURS;
  t->l = l, t->fn = fn, t->ud = ud;
  if (uv_thread_create(&t->th, thread_main, t)) {
    uv_close((uv_handle_t *)&t->a, free_on_close);
    return OB_EIO;
  }
  *out = t;
  return 0;
}

void chain_thread_join(struct chain_thread *t) {
  if (!t) return;
  uv_thread_join(&t->th);
  uv_close((uv_handle_t *)&t->a, free_on_close);
}

bool chain_thread_done(const struct chain_thread *t) { return t->done; }

void chain_thread_wait(struct chain_thread *t) {
  if (!t) return;
  (void)chain_loop_run_until(t->l, &t->done); /* the async handle keeps the loop alive until then */
  uv_thread_join(&t->th);
  uv_close((uv_handle_t *)&t->a, free_on_close);
}

bool chain_loop_run_once(struct chain_loop *l) { return uv_run(&l->uv, UV_RUN_ONCE) != 0; }

void chain__loop_run_nowait(struct chain_loop *l) { uv_run(&l->uv, UV_RUN_NOWAIT); }

void *chain__loop_uv(struct chain_loop *l) { return &l->uv; }
void *chain_loop_native(struct chain_loop *l) { return &l->uv; }
void chain_loop_run_nowait(struct chain_loop *l) { uv_run(&l->uv, UV_RUN_NOWAIT); }
uint64_t chain_loop_now_ms(struct chain_loop *l) { return uv_now(&l->uv); }

static void timer_cb(uv_timer_t *h) {
  struct chain_timer *t = (struct chain_timer *)h;
  t->cb(t->ud);
}

int chain_timer_new(struct chain_timer **out, struct chain_loop *l, void (*cb)(void *ud), void *ud,
                    struct ob_err *err) {
  struct chain_timer *t = ob_calloc(1, sizeof(*t));
  if (!t) return ob_err_set(err, OB_ENOMEM, "cannot create a timer: out of memory");
  uv_timer_init(&l->uv, &t->h);
  t->h.data = OURS;
  t->cb = cb;
  t->ud = ud;
  *out = t;
  return 0;
}

void chain_timer_start(struct chain_timer *t, uint64_t timeout_ms, uint64_t repeat_ms) {
  uv_timer_start(&t->h, timer_cb, timeout_ms, repeat_ms);
}
void chain_timer_stop(struct chain_timer *t) { uv_timer_stop(&t->h); }
void chain_timer_free(struct chain_timer *t) {
  if (!t) return;
  uv_timer_stop(&t->h);
  uv_close((uv_handle_t *)&t->h, free_on_close);
}

static void poll_cb(uv_poll_t *h, int status, int events) {
  struct chain_poll *p = (struct chain_poll *)h;
  int ev = 0;
  if (events & UV_READABLE) ev |= CHAIN_POLL_IN;
  if (events & UV_WRITABLE) ev |= CHAIN_POLL_OUT;
  if (status < 0) ev |= CHAIN_POLL_IN;
  p->cb(p->ud, p->fd, ev, status);
}

int chain_poll_new(struct chain_poll **out, struct chain_loop *l, int fd,
                   void (*cb)(void *ud, int fd, int events, int status), void *ud, struct ob_err *err) {
  struct chain_poll *p = ob_calloc(1, sizeof(*p));
  int rc;
  if (!p) return ob_err_set(err, OB_ENOMEM, "cannot watch socket %d: out of memory", fd);
  rc = uv_poll_init_socket(&l->uv, &p->h, fd);
  if (rc) {
    ob_free(p);
    return ob_err_set(err, OB_EIO, "cannot watch socket %d: %s", fd, uv_strerror(rc));
  }
  p->h.data = OURS;
  p->cb = cb;
  p->ud = ud;
  p->fd = fd;
  *out = p;
  return 0;
}

int chain_poll_set(struct chain_poll *p, int events) {
  int uvev = 0;
  if (!events) return uv_poll_stop(&p->h) ? OB_EIO : 0;
  if (events & CHAIN_POLL_IN) uvev |= UV_READABLE;
  if (events & CHAIN_POLL_OUT) uvev |= UV_WRITABLE;
  return uv_poll_start(&p->h, uvev, poll_cb) ? OB_EIO : 0;
}

void chain_poll_free(struct chain_poll *p) {
  if (!p) return;
  uv_poll_stop(&p->h);
  uv_close((uv_handle_t *)&p->h, free_on_close);
}

