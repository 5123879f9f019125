/* The JSON-RPC client against anvil: pipelining, batches, subscriptions, connections cut by a
 * proxy (tests/chain/cutproxy.py), endpoints failing over and back. */
#include "rpc_helpers.h"

static int anvil_port(void) {
  const char *url = ob_test_peer("OBRIDGE_RPC_URL");
  const char *colon = url ? strrchr(url, ':') : NULL;
  uint64_t p = 0;
  if (!colon || ob_parse_u64(&p, colon + 1, "port", NULL)) return 0;
  return (int)p;
}

/* A distinct read per i: web3_sha3 of i's bytes. */
static void sha3_params(char *out, size_t cap, int i) {
  snprintf(out, cap, "[\"0x%08x\"]", (unsigned)i);
}

OB_TEST(pipelined_reads_matched_by_id) {
  enum { N = 2000 };
  struct tclient t;
  struct ob_err err;
  struct outcome *a = ob_calloc(N, sizeof(*a)), *b = ob_calloc(N, sizeof(*b));
  const char *urls[1] = {ob_test_peer("OBRIDGE_RPC_URL")};
  char params[64];
  OB_REQUIRE(urls[0] && a && b);
  OB_REQUIRE(tclient_open(&t, urls, 1, NULL, &err) == 0);
  /* Forward, all in flight at once; then backward. A reply matched to the wrong request would
   * make the two passes differ. */
  for (int i = 0; i < N; i++) {
    sha3_params(params, sizeof(params), i);
    OB_REQUIRE(chain_rpc_call(t.rpc, "web3_sha3", params, 0, 20000, outcome_cb, &a[i], NULL, &err) == 0);
  }
  OB_CHECK(run_until_all(t.loop, a, N, 30000));
  for (int i = N - 1; i >= 0; i--) {
    sha3_params(params, sizeof(params), i);
    OB_REQUIRE(chain_rpc_call(t.rpc, "web3_sha3", params, 0, 20000, outcome_cb, &b[i], NULL, &err) == 0);
  }
  OB_CHECK(run_until_all(t.loop, b, N, 30000));
  for (int i = 0; i < N; i++) {
    OB_CHECK_EQ(a[i].rc, 0);
    OB_CHECK_STR(a[i].result, b[i].result);
    if (i) OB_CHECK(strcmp(a[i].result, a[i - 1].result) != 0);
  }
  tclient_close(&t);
  ob_free(a);
  ob_free(b);
}

OB_TEST(batch_with_one_error) {
  struct tclient t;
  struct ob_err err;
  struct outcome o[3];
  const char *urls[2] = {ob_test_peer("OBRIDGE_RPC_URL"), ob_test_peer("OBRIDGE_RPC_HTTP_URL")};
  for (int u = 0; u < 2; u++) {
    struct chain_rpc_req reqs[3] = {
        {"eth_chainId", "[]", outcome_cb, &o[0]},
        {"no_such_method", "[]", outcome_cb, &o[1]},
        {"eth_getBalance", "[\"0x0000000000000000000000000000000000000001\",\"latest\"]", outcome_cb, &o[2]},
    };
    memset(o, 0, sizeof(o));
    OB_REQUIRE(tclient_open(&t, &urls[u], 1, NULL, &err) == 0);
    OB_REQUIRE(chain_rpc_batch(t.rpc, reqs, 3, 0, 5000, &err) == 0);
    OB_CHECK(run_until_all(t.loop, o, 3, 8000));
    OB_CHECK_EQ(o[0].rc, 0);
    OB_CHECK_STR(o[0].result, "\"0x7a69\"");
    OB_CHECK_EQ(o[1].rc, OB_EPEER);
    OB_CHECK(o[1].rpc_code != 0);
    OB_CHECK_CONTAINS(o[1].msg, "no_such_method: ");
    OB_CHECK_EQ(o[2].rc, 0);
    OB_CHECK_STR(o[2].result, "\"0x0\"");
    tclient_close(&t);
  }
}

struct heads {
  int ready, lost, n;
  uint64_t numbers[16];
};
static void heads_data(void *ud, const struct ob_json *result) {
  struct heads *h = ud;
  uint64_t x;
  if (h->n < 16 && chain_json_quantity(ob_json_get(result, "number"), &x, "number", NULL) == 0) h->numbers[h->n++] = x;
}
static void heads_state(void *ud, enum chain_sub_event ev, const struct ob_err *err) {
  struct heads *h = ud;
  if (ev == CHAIN_SUB_READY) h->ready++;
  else h->lost++;
}

static int mine(struct tclient *t, int n) {
  struct ob_buf b;
  struct ob_err err;
  int rc = 0;
  ob_buf_init(&b, 4096);
  for (int i = 0; i < n && !rc; i++) rc = chain_rpc_call_sync(t->rpc, "evm_mine", "[]", 0, 5000, &b, &err);
  ob_buf_release(&b);
  return rc;
}

static bool wait_heads(struct tclient *t, struct heads *h, int n, unsigned ms) {
  uint64_t end = ob_mono_ms() + ms;
  while (h->n < n && ob_mono_ms() < end) chain_loop_run_once(t->loop);
  return h->n >= n;
}

OB_TEST(subscription_new_heads) {
  struct tclient t;
  struct ob_err err;
  struct heads h = {0};
  struct chain_sub_cbs cbs = {heads_data, heads_state};
  const char *urls[1] = {ob_test_peer("OBRIDGE_RPC_URL")};
  uint64_t handle;
  OB_REQUIRE(tclient_open(&t, urls, 1, NULL, &err) == 0);
  OB_REQUIRE(chain_rpc_subscribe(t.rpc, "[\"newHeads\"]", &cbs, &h, &handle, &err) == 0);
  while (!h.ready) chain_loop_run_once(t.loop);
  OB_REQUIRE(mine(&t, 3) == 0);
  OB_CHECK(wait_heads(&t, &h, 3, 5000));
  OB_CHECK_EQ(h.numbers[1], h.numbers[0] + 1);
  OB_CHECK_EQ(h.numbers[2], h.numbers[1] + 1);
  OB_CHECK_EQ(chain_rpc_unsubscribe(t.rpc, handle), 0);
  OB_CHECK_EQ(chain_rpc_unsubscribe(t.rpc, handle), OB_ENOENT);
  tclient_close(&t);
}

static void quick(struct chain_rpc_opts *o) {
  o->keepalive_ms = 1000;
  o->health_interval_ms = 300;
  o->backoff_min_ms = 20;
  o->backoff_max_ms = 200;
}

OB_TEST(reads_survive_connections_cut) {
  enum { N = 3000 };
  struct fake px;
  struct tclient t;
  struct ob_err err;
  struct chain_rpc_stats st;
  struct outcome *o = ob_calloc(N, sizeof(*o));
  struct heads h = {0};
  struct chain_sub_cbs cbs = {heads_data, heads_state};
  char args[64], url[64], params[64];
  const char *urls[1] = {url};
  int port = anvil_port(), failed = 0;
  OB_REQUIRE(port && o);
  snprintf(args, sizeof(args), "%d --cut-every 300 --seed 7", port);
  OB_REQUIRE(py_start(&px, "tests/chain/cutproxy.py", args));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d", px.port);
  OB_REQUIRE(tclient_open(&t, urls, 1, quick, &err) == 0);
  OB_REQUIRE(chain_rpc_subscribe(t.rpc, "[\"newHeads\"]", &cbs, &h, NULL, &err) == 0);
  /* 3,000 reads spread over about 3 s while the proxy cuts the connection about every 300 ms. */
  for (int i = 0; i < N; i++) {
    sha3_params(params, sizeof(params), i);
    OB_REQUIRE(chain_rpc_call(t.rpc, "web3_sha3", params, 0, 30000, outcome_cb, &o[i], NULL, &err) == 0);
    if (i % 100 == 99) run_for(t.loop, 100);
  }
  OB_CHECK(run_until_all(t.loop, o, N, 40000));
  for (int i = 0; i < N; i++) {
    if (o[i].rc && !failed) printf("first failure: #%d: %s\n", i, o[i].msg);
    failed += o[i].rc != 0;
  }
  OB_CHECK_EQ(failed, 0);
  chain_rpc_stats(t.rpc, &st);
  printf("sent %llu, re-sent %llu, reconnects %llu, subscription ready %d times\n", (unsigned long long)st.sent,
         (unsigned long long)st.resent, (unsigned long long)st.reconnects, h.ready);
  OB_CHECK(st.reconnects >= 3);
  OB_CHECK(h.ready >= 2); /* renewed after a cut */
  tclient_close(&t);
  fake_stop(&px);
  ob_free(o);
}

OB_TEST(unsafe_request_not_repeated) {
  struct fake px;
  struct tclient t;
  struct ob_err err;
  struct outcome o[2];
  char args[64], url[64];
  const char *urls[1] = {url};
  int port = anvil_port();
  OB_REQUIRE(port);
  snprintf(args, sizeof(args), "%d", port);
  OB_REQUIRE(py_start(&px, "tests/chain/cutproxy.py", args));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d", px.port);
  OB_REQUIRE(tclient_open(&t, urls, 1, quick, &err) == 0);
  OB_REQUIRE(chain_rpc_wait(t.rpc, CHAIN_WAIT_READY, 5000, &err) == 0);
  /* Both in flight in a blackhole, then the connection is cut. */
  fake_signal(&px, SIGHUP);
  run_for(t.loop, 100);
  memset(o, 0, sizeof(o));
  OB_REQUIRE(chain_rpc_call(t.rpc, "evm_mine", "[]", 0, 10000, outcome_cb, &o[0], NULL, &err) == 0);
  OB_REQUIRE(chain_rpc_call(t.rpc, "eth_blockNumber", "[]", 0, 10000, outcome_cb, &o[1], NULL, &err) == 0);
  run_for(t.loop, 200);
  fake_signal(&px, SIGHUP);
  fake_signal(&px, SIGUSR1);
  OB_CHECK(run_until_all(t.loop, o, 2, 8000));
  OB_CHECK_EQ(o[0].rc, OB_EUNREACH);
  OB_CHECK_CONTAINS(o[0].msg, "'evm_mine' was in flight");
  OB_CHECK_CONTAINS(o[0].msg, "not sent again: it may or may not have taken effect");
  OB_CHECK_EQ(o[1].rc, 0); /* a read is simply asked again */
  tclient_close(&t);
  fake_stop(&px);
}

static size_t active_index(struct tclient *t, struct chain_endpoint_status *st) {
  size_t n = chain_rpc_status(t->rpc, st, 2);
  for (size_t i = 0; i < n; i++)
    if (st[i].active) return i;
  return 99;
}

static bool wait_active(struct tclient *t, size_t want, unsigned ms) {
  struct chain_endpoint_status st[2];
  uint64_t end = ob_mono_ms() + ms;
  while (active_index(t, st) != want && ob_mono_ms() < end) chain_loop_run_once(t->loop);
  return active_index(t, st) == want;
}

OB_TEST(failover_to_second_endpoint_and_back) {
  struct fake px;
  struct tclient t;
  struct ob_err err;
  struct ob_buf b;
  struct chain_endpoint_status st[2];
  char args[64], url[64];
  const char *urls[2] = {url, ob_test_peer("OBRIDGE_RPC_HTTP_URL")};
  int port = anvil_port();
  OB_REQUIRE(port && urls[1]);
  snprintf(args, sizeof(args), "%d", port);
  OB_REQUIRE(py_start(&px, "tests/chain/cutproxy.py", args));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d", px.port);
  OB_REQUIRE(tclient_open(&t, urls, 2, quick, &err) == 0);
  ob_buf_init(&b, 4096);
  OB_CHECK(wait_active(&t, 0, 5000));
  /* Endpoint 0 stops: traffic goes to endpoint 1 and requests keep working. */
  fake_signal(&px, SIGUSR2);
  OB_CHECK(wait_active(&t, 1, 5000));
  chain_rpc_status(t.rpc, st, 2);
  OB_CHECK_EQ(st[0].health, CHAIN_HEALTH_UNREACHABLE);
  OB_CHECK_EQ(st[1].health, CHAIN_HEALTH_ALIVE);
  OB_CHECK_EQ(chain_rpc_call_sync(t.rpc, "eth_chainId", "[]", 0, 5000, &b, &err), 0);
  /* It comes back: traffic returns to the preferred endpoint. */
  fake_signal(&px, SIGUSR2);
  OB_CHECK(wait_active(&t, 0, 5000));
  OB_CHECK_EQ(chain_rpc_call_sync(t.rpc, "eth_chainId", "[]", 0, 5000, &b, &err), 0);
  ob_buf_release(&b);
  tclient_close(&t);
  fake_stop(&px);
}

OB_TEST(wrong_chain_endpoint_unusable) {
  struct tclient t;
  struct ob_err err;
  struct chain_endpoint_status st;
  const char *urls[1] = {ob_test_peer("OBRIDGE_RPC_URL")};
  OB_REQUIRE(tclient_open(&t, urls, 1, NULL, &err) == 0);
  tclient_close(&t);
  {
    struct chain_rpc_opts o;
    chain_rpc_opts_init(&o);
    o.urls = urls;
    o.nurls = 1;
    o.chain_id = 1;
    OB_REQUIRE(chain_loop_new(&t.loop, &err) == 0);
    OB_REQUIRE(chain_rpc_new(&t.rpc, t.loop, &o, &err) == 0);
  }
  OB_CHECK_EQ(chain_rpc_wait(t.rpc, CHAIN_WAIT_FIRST, 5000, &err), OB_EINVAL); /* a configuration error */
  OB_CHECK_CONTAINS(err.msg, " reports chain id 31337, config says 1");
  chain_rpc_status(t.rpc, &st, 1);
  OB_CHECK_EQ(st.health, CHAIN_HEALTH_UNREACHABLE);
  tclient_close(&t);
}
