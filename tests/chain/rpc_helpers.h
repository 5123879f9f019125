/* Helpers shared by the chain client tests: a loop and a client in one struct, a misbehaving
 * endpoint (tests/chain/fake_rpc.py), async call bookkeeping. */
#ifndef OB_TEST_RPC_HELPERS_H
#define OB_TEST_RPC_HELPERS_H
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob_test.h"

struct fake {
  FILE *f;
  int port;
  int pid;
  char ws[64], http[64];
};

/* Start tests/chain/SCRIPT ARGS (it prints "PORT PID"); false if it did not come up. */
static inline bool py_start(struct fake *fk, const char *script, const char *args) {
  char cmd[1024];
  snprintf(cmd, sizeof(cmd), "exec python3 '%s' %s", ob_test_src(script), args);
  memset(fk, 0, sizeof(*fk));
  fk->f = popen(cmd, "r");
  if (!fk->f || fscanf(fk->f, "%d %d", &fk->port, &fk->pid) != 2) return false;
  snprintf(fk->ws, sizeof(fk->ws), "ws://127.0.0.1:%d", fk->port);
  snprintf(fk->http, sizeof(fk->http), "http://127.0.0.1:%d", fk->port);
  return true;
}

/* Start tests/chain/fake_rpc.py MODE. */
static inline bool fake_start(struct fake *fk, const char *mode) {
  return py_start(fk, "tests/chain/fake_rpc.py", mode);
}

static inline void fake_signal(struct fake *fk, int sig) {
  if (fk->pid > 0) kill(fk->pid, sig);
}

static inline void fake_stop(struct fake *fk) {
  if (fk->pid > 0) kill(fk->pid, SIGKILL);
  if (fk->f) pclose(fk->f);
  fk->f = NULL;
}

struct tclient {
  struct chain_loop *loop;
  struct chain_rpc *rpc;
};

static inline int tclient_open(struct tclient *t, const char *const *urls, size_t n,
                               void (*tweak)(struct chain_rpc_opts *o), struct ob_err *err) {
  struct chain_rpc_opts o;
  int rc;
  memset(t, 0, sizeof(*t));
  chain_rpc_opts_init(&o);
  o.urls = urls;
  o.nurls = n;
  o.chain_id = 31337;
  o.request_timeout_ms = 5000;
  o.connect_timeout_ms = 2000;
  o.keepalive_ms = 2000;
  o.backoff_min_ms = 50;
  o.backoff_max_ms = 500;
  o.seed = 42;
  if (tweak) tweak(&o);
  rc = chain_loop_new(&t->loop, err);
  if (!rc) rc = chain_rpc_new(&t->rpc, t->loop, &o, err);
  return rc;
}

static inline void tclient_close(struct tclient *t) {
  chain_rpc_free(t->rpc);
  chain_loop_free(t->loop);
  t->rpc = NULL;
  t->loop = NULL;
}

/* One asynchronous call's outcome. */
struct outcome {
  bool done;
  int rc;
  char result[256];
  char msg[512];
  long rpc_code;
};

static inline void outcome_cb(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct outcome *o = ud;
  o->done = true;
  o->rc = rc;
  if (rc == 0) {
    struct ob_buf b;
    ob_buf_init(&b, sizeof(o->result) - 1);
    if (ob_json_dump(&b, result) == 0) snprintf(o->result, sizeof(o->result), "%s", b.buf);
    else snprintf(o->result, sizeof(o->result), "(large)");
    ob_buf_release(&b);
  } else {
    snprintf(o->msg, sizeof(o->msg), "%s", ob_err_msg(err, rc));
    o->rpc_code = err ? err->rpc_code : 0;
  }
}

/* Run the loop until every outcome is done or ms pass. */
static inline bool run_until_all(struct chain_loop *loop, struct outcome *o, size_t n, unsigned ms) {
  uint64_t end = ob_mono_ms() + ms;
  for (;;) {
    size_t done = 0;
    for (size_t i = 0; i < n; i++) done += o[i].done;
    if (done == n) return true;
    if (ob_mono_ms() > end) return false;
    chain_loop_run_once(loop);
  }
}

static inline void run_for(struct chain_loop *loop, unsigned ms) {
  uint64_t end = ob_mono_ms() + ms;
  while (ob_mono_ms() < end) chain_loop_run_once(loop);
}
#endif
