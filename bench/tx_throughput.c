/* bench/tx-throughput, the obridge side: send pre-signed transactions pipelined over one websocket
 * with the chain client and wait until every one has a receipt (asked once after its send, then
 * again for the missing ones after each newHeads notification, one sweep at a time).
 * tx_throughput WS_URL FILE -> prints "ms cpu_ms". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/util.h"

struct bench {
  struct chain_rpc *rpc;
  char (*hashes)[67];
  bool *have, *asked;
  size_t n, sent, mined;
  int errors, inflight;
  bool again;
};

struct item {
  struct bench *b;
  size_t i;
};

static struct item *items;
static void sweep(struct bench *b);

static void receipt_cb(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct item *it = ud;
  struct bench *b = it->b;
  b->inflight--;
  if (rc == 0 && ob_json_is(result, OB_JSON_OBJECT) && !b->have[it->i]) {
    b->have[it->i] = true;
    b->mined++;
  } else if (rc) {
    b->errors++;
  }
  if (b->inflight == 0 && b->again) sweep(b);
}

static void ask_receipt(struct bench *b, struct item *it) {
  char params[80];
  snprintf(params, sizeof(params), "[\"%s\"]", b->hashes[it->i]);
  if (chain_rpc_call(b->rpc, "eth_getTransactionReceipt", params, 0, 0, receipt_cb, it, NULL, NULL)) b->errors++;
  else b->inflight++;
}

/* Every sent transaction without a receipt yet; a head arriving meanwhile means one more sweep. */
static void sweep(struct bench *b) {
  if (b->inflight) {
    b->again = true;
    return;
  }
  b->again = false;
  for (size_t i = 0; i < b->n; i++)
    if (b->asked[i] && !b->have[i]) ask_receipt(b, &items[i]);
}

static void on_head(void *ud, const struct ob_json *result) { sweep(ud); }

static void sent_cb(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct item *it = ud;
  struct bench *b = it->b;
  if (rc || !ob_json_string(result)) {
    fprintf(stderr, "send: %s\n", ob_err_msg(err, rc));
    b->errors++;
    b->mined++;
    return;
  }
  snprintf(b->hashes[it->i], 67, "%s", ob_json_string(result));
  b->sent++;
  b->asked[it->i] = true;
  ask_receipt(b, it);
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

int main(int argc, char **argv) {
  struct chain_loop *loop = NULL;
  struct chain_rpc_opts o;
  struct bench b = {0};
  struct ob_buf file, params;
  struct ob_err err;
  struct chain_sub_cbs heads = {on_head, NULL};
  char *line, *save = NULL;
  char **raws;
  uint64_t t0;
  double c0;
  if (argc != 3) {
    fprintf(stderr, "usage: tx_throughput WS_URL FILE\n");
    return 2;
  }
  ob_buf_init(&file, 64 << 20);
  if (ob_file_read(argv[2], &file, 64 << 20, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  raws = ob_calloc(file.len / 100 + 1, sizeof(*raws));
  for (line = strtok_r(file.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) raws[b.n++] = line;
  b.hashes = ob_calloc(b.n, sizeof(*b.hashes));
  items = ob_calloc(b.n, sizeof(*items));
  b.have = ob_calloc(b.n, sizeof(*b.have));
  b.asked = ob_calloc(b.n, sizeof(*b.asked));
  chain_rpc_opts_init(&o);
  o.urls = (const char *const *)&argv[1];
  o.nurls = 1;
  o.request_timeout_ms = 120000;
  if (chain_loop_new(&loop, &err) || chain_rpc_new(&b.rpc, loop, &o, &err) ||
      chain_rpc_wait(b.rpc, CHAIN_WAIT_FIRST, 10000, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  if (chain_rpc_subscribe(b.rpc, "[\"newHeads\"]", &heads, &b, NULL, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  ob_buf_init(&params, 4096);
  c0 = cpu_ms();
  t0 = ob_mono_ms();
  for (size_t i = 0; i < b.n; i++) {
    items[i].b = &b;
    items[i].i = i;
    ob_buf_reset(&params);
    ob_buf_addf(&params, "[\"%s\"]", raws[i]);
    chain_rpc_call(b.rpc, "eth_sendRawTransaction", params.buf, 0, 0, sent_cb, &items[i], NULL, NULL);
  }
  while (b.mined < b.n && ob_mono_ms() - t0 < 60000) chain_loop_run_once(loop);
  if (b.mined < b.n) {
    fprintf(stderr, "obridge side stalled: %zu sent, %zu of %zu receipts after 60 s\n", b.sent, b.mined, b.n);
    return 3;
  }
  printf("%.1f %.1f\n", (double)(ob_mono_ms() - t0), cpu_ms() - c0);
  if (b.errors) fprintf(stderr, "%d errors\n", b.errors);
  chain_rpc_free(b.rpc);
  chain_loop_free(loop);
  ob_buf_release(&params);
  ob_buf_release(&file);
  ob_free(raws);
  ob_free(items);
  ob_free(b.hashes);
  ob_free(b.have);
  ob_free(b.asked);
  return b.errors ? 1 : 0;
}
