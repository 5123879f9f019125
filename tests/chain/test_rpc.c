/* The JSON-RPC client without a chain: the reply reader, error objects, revert reasons, and a
 * misbehaving endpoint (tests/chain/fake_rpc.py) for every kind of bad input. */
#include "rpc_helpers.h"
#include "ob/core/u256.h"

OB_TEST(quantity_strict) {
  struct ob_json *v = NULL;
  struct ob_err err;
  uint64_t x = 0;
  const char *t = "[\"0x1a\",\"0x\",\"1a\",26,\"0xffffffffffffffff\",\"0x10000000000000000\",\"0xg\",\"0x000000000000000000001\"]";
  OB_REQUIRE(ob_json_parse(&v, t, strlen(t), NULL, &err) == 0);
  OB_CHECK_EQ(chain_json_quantity(v->items[0], &x, "a", &err), 0);
  OB_CHECK_EQ(x, 26);
  OB_CHECK_EQ(chain_json_quantity(v->items[1], &x, "b", &err), OB_EPARSE);
  OB_CHECK_EQ(chain_json_quantity(v->items[2], &x, "c", &err), OB_EPARSE);
  OB_CHECK_EQ(chain_json_quantity(v->items[3], &x, "eth_blockNumber result", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "eth_blockNumber result: expected a hex quantity string, got number");
  OB_CHECK_EQ(chain_json_quantity(v->items[4], &x, "e", &err), 0);
  OB_CHECK(x == UINT64_MAX);
  OB_CHECK_EQ(chain_json_quantity(v->items[5], &x, "f", &err), OB_ELIMIT);
  OB_CHECK_EQ(chain_json_quantity(v->items[6], &x, "g", &err), OB_EPARSE);
  OB_CHECK_EQ(chain_json_quantity(v->items[7], &x, "h", &err), 0);
  OB_CHECK_EQ(x, 1);
  ob_json_free(v);
}

OB_TEST(json_quantity_u256) {
  struct ob_json *v = NULL;
  struct ob_err err;
  struct chain_u256 x;
  char dec[CHAIN_U256_DEC_MAX];
  const char *t = "[\"0x1a055690d9db80000\",\"0x\",\"26\",26,"
                  "\"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\","
                  "\"0x10000000000000000000000000000000000000000000000000000000000000000\",\"0xg\",\"0x0\"]";
  OB_REQUIRE(ob_json_parse(&v, t, strlen(t), NULL, &err) == 0);
  OB_CHECK_EQ(chain_json_quantity_u256(v->items[0], &x, "a", &err), 0);
  OB_CHECK_STR(chain_u256_to_dec(dec, &x), "30000000000000000000");
  OB_CHECK_EQ(chain_json_quantity_u256(v->items[1], &x, "b", &err), OB_EPARSE);
  OB_CHECK_EQ(chain_json_quantity_u256(v->items[2], &x, "c", &err), OB_EPARSE); /* decimal is no quantity */
  OB_CHECK_EQ(chain_json_quantity_u256(v->items[3], &x, "baseFeePerGas", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "baseFeePerGas: expected a hex quantity string, got number");
  OB_CHECK_EQ(chain_json_quantity_u256(v->items[4], &x, "e", &err), 0);
  OB_CHECK_STR(chain_u256_to_hex(dec, &x), "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
  OB_CHECK_EQ(chain_json_quantity_u256(v->items[5], &x, "f", &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "does not fit uint256");
  OB_CHECK_EQ(chain_json_quantity_u256(v->items[6], &x, "g", &err), OB_EPARSE);
  OB_CHECK_EQ(chain_json_quantity_u256(v->items[7], &x, "h", &err), 0);
  OB_CHECK(chain_u256_is_zero(&x));
  ob_json_free(v);
}

OB_TEST(revert_reasons) {
  char out[128];
  /* Error("nonce too low") as solc encodes it. */
  chain_revert_reason(out, sizeof(out),
                      "0x08c379a0"
                      "0000000000000000000000000000000000000000000000000000000000000020"
                      "000000000000000000000000000000000000000000000000000000000000000d"
                      "6e6f6e636520746f6f206c6f7700000000000000000000000000000000000000");
  OB_CHECK_STR(out, "nonce too low");
  chain_revert_reason(out, sizeof(out), "0x4e487b710000000000000000000000000000000000000000000000000000000000000011");
  OB_CHECK_STR(out, "panic 0x11 (arithmetic overflow)");
  /* A custom error stays raw hex; a lying length does not read out of bounds. */
  chain_revert_reason(out, sizeof(out), "0xdeadbeef01");
  OB_CHECK_STR(out, "0xdeadbeef01");
  chain_revert_reason(out, sizeof(out),
                      "0x08c379a0"
                      "0000000000000000000000000000000000000000000000000000000000000020"
                      "00000000000000000000000000000000000000000000000000000000000000ff"
                      "6e6f6e63");
  OB_CHECK(strncmp(out, "0x08c379a0", 10) == 0);
}

OB_TEST(error_objects) {
  struct ob_json *v = NULL;
  struct ob_err err;
  const char *t = "[{\"code\":-32003,\"message\":\"nonce too low\"},"
                  "{\"code\":3,\"message\":\"execution reverted: boom\",\"data\":\"0x08c379a0"
                  "0000000000000000000000000000000000000000000000000000000000000020"
                  "0000000000000000000000000000000000000000000000000000000000000004"
                  "626f6f6d00000000000000000000000000000000000000000000000000000000\"},"
                  "{\"code\":3,\"message\":\"execution reverted\",\"data\":\"0xdeadbeef\"},{}]";
  OB_REQUIRE(ob_json_parse(&v, t, strlen(t), NULL, &err) == 0);
  ob_err_clear(&err);
  OB_CHECK_EQ(chain_rpc_error_from_json(v->items[0], "eth_sendRawTransaction", &err), OB_EPEER);
  OB_CHECK_EQ(err.rpc_code, -32003);
  OB_CHECK_STR(err.msg, "eth_sendRawTransaction: nonce too low (rpc -32003)");
  OB_CHECK_EQ(chain_rpc_error_from_json(v->items[1], "eth_call", &err), OB_EREVERT);
  OB_CHECK_STR(err.msg, "eth_call: execution reverted: boom (rpc 3)");
  OB_CHECK_EQ(chain_rpc_error_from_json(v->items[2], "eth_call", &err), OB_EREVERT);
  OB_CHECK_STR(err.msg, "eth_call: execution reverted (rpc 3): 0xdeadbeef");
  OB_CHECK_EQ(chain_rpc_error_from_json(v->items[3], NULL, &err), OB_EPEER);
  OB_CHECK_STR(err.msg, "rpc: no message (rpc 0)");
  ob_json_free(v);
}

struct seen {
  int replies, notes, other;
  uint64_t ids[8];
};
static void count_msg(void *ud, const struct chain_rpc_msg *m) {
  struct seen *s = ud;
  if (m->kind == CHAIN_MSG_REPLY) {
    if (m->has_id && s->replies < 8) s->ids[s->replies] = m->id;
    s->replies++;
  } else if (m->kind == CHAIN_MSG_NOTIFICATION) {
    s->notes++;
  } else {
    s->other++;
  }
}

OB_TEST(msg_reader_kinds) {
  struct seen s = {0};
  struct ob_err err;
  const char *batch = "[{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1\"},{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":1,\"message\":\"x\"}},"
                      "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{\"subscription\":\"0xab\",\"result\":{}}},"
                      "5,{\"id\":1}]";
  OB_CHECK_EQ(chain_rpc_msg_read(batch, strlen(batch), 1 << 20, count_msg, &s, &err), 0);
  OB_CHECK_EQ(s.replies, 2);
  OB_CHECK_EQ(s.ids[0], 7);
  OB_CHECK_EQ(s.ids[1], 3);
  OB_CHECK_EQ(s.notes, 1);
  OB_CHECK_EQ(s.other, 2);
  memset(&s, 0, sizeof(s));
  OB_CHECK_EQ(chain_rpc_msg_read("not json", 8, 1 << 20, count_msg, &s, &err), OB_EPARSE);
  OB_CHECK_EQ(s.replies + s.notes + s.other, 0);
  OB_CHECK_EQ(chain_rpc_msg_read(batch, strlen(batch), 16, count_msg, &s, &err), OB_ELIMIT);
}

OB_TEST(bad_urls_refused) {
  struct tclient t;
  struct ob_err err;
  const char *urls[] = {"ftp://x"};
  ob_err_clear(&err);
  OB_CHECK_EQ(tclient_open(&t, urls, 1, NULL, &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "'ftp://x': expected a ws://, wss://, http:// or https:// URL");
  tclient_close(&t);
}

static void call_over(const char *url, const char *method, const char *params, struct outcome *o, unsigned wait_ms) {
  struct tclient t;
  struct ob_err err;
  const char *urls[] = {url};
  memset(o, 0, sizeof(*o));
  ob_err_clear(&err);
  if (tclient_open(&t, urls, 1, NULL, &err) != 0 ||
      chain_rpc_call(t.rpc, method, params, 0, 3000, outcome_cb, o, NULL, &err) != 0) {
    o->done = true;
    o->rc = err.code;
    snprintf(o->msg, sizeof(o->msg), "%s", err.msg);
  }
  run_until_all(t.loop, o, 1, wait_ms);
  tclient_close(&t);
}

OB_TEST(reply_with_unknown_id_ignored) {
  struct fake fk;
  struct outcome o;
  struct tclient t;
  struct ob_err err;
  struct chain_rpc_stats st;
  const char *urls[1];
  OB_REQUIRE(fake_start(&fk, "unknown_id"));
  urls[0] = fk.ws;
  OB_REQUIRE(tclient_open(&t, urls, 1, NULL, &err) == 0);
  memset(&o, 0, sizeof(o));
  OB_REQUIRE(chain_rpc_call(t.rpc, "eth_gasPrice", "[]", 0, 3000, outcome_cb, &o, NULL, &err) == 0);
  OB_CHECK(run_until_all(t.loop, &o, 1, 5000));
  OB_CHECK_EQ(o.rc, 0);
  OB_CHECK_STR(o.result, "\"0x1\"");
  chain_rpc_stats(t.rpc, &st);
  OB_CHECK(st.unknown_ids >= 1);
  OB_CHECK_EQ(st.reconnects, 0);
  tclient_close(&t);
  fake_stop(&fk);
}

OB_TEST(reply_not_json_drops_connection) {
  struct fake fk;
  struct outcome o;
  struct ob_buf b;
  struct ob_err err;
  OB_REQUIRE(fake_start(&fk, "not_json"));
  call_over(fk.ws, "eth_gasPrice", "[]", &o, 6000);
  OB_CHECK(o.done);
  OB_CHECK_EQ(o.rc, OB_ETIMEDOUT);
  OB_CHECK_CONTAINS(o.msg, "no usable endpoint");
  OB_CHECK_CONTAINS(o.msg, "not JSON-RPC");
  /* The one-shot helper fails fast and says why. */
  ob_buf_init(&b, 1024);
  ob_err_clear(&err);
  OB_CHECK_EQ(chain_rpc_call_once(fk.ws, "eth_chainId", "[]", 3000, &b, &err), OB_EUNREACH);
  OB_CHECK_CONTAINS(err.msg, "not JSON-RPC");
  OB_CHECK_EQ(chain_rpc_call_once(fk.http, "eth_chainId", "[]", 3000, &b, &err), OB_EUNREACH);
  OB_CHECK_CONTAINS(err.msg, "not JSON-RPC");
  ob_buf_release(&b);
  fake_stop(&fk);
}

static void slow_health(struct chain_rpc_opts *o) {
  o->health_interval_ms = 60000; /* the fake answers one request at a time: no check behind the 200 MB */
}

OB_TEST(message_over_limit_refused) {
  struct fake fk;
  struct outcome o[2];
  struct tclient t;
  struct ob_err err;
  const char *urls[1];
  OB_REQUIRE(fake_start(&fk, "huge"));
  urls[0] = fk.ws;
  /* keepalive stays 2 s: a message that takes longer to arrive must not count as silence */
  OB_REQUIRE(tclient_open(&t, urls, 1, slow_health, &err) == 0);
  memset(o, 0, sizeof(o));
  OB_REQUIRE(chain_rpc_call(t.rpc, "big", "[]", 0, 20000, outcome_cb, &o[0], NULL, &err) == 0);
  OB_CHECK(run_until_all(t.loop, o, 1, 25000));
  OB_CHECK_EQ(o[0].rc, OB_ELIMIT);
  OB_CHECK_CONTAINS(o[0].msg, "reply to 'big'");
  OB_CHECK_CONTAINS(o[0].msg, "larger than the limit of 67108864 bytes");
  /* The connection stays usable: the next request is answered on it. */
  OB_REQUIRE(chain_rpc_call(t.rpc, "eth_gasPrice", "[]", 0, 3000, outcome_cb, &o[1], NULL, &err) == 0);
  OB_CHECK(run_until_all(t.loop, &o[1], 1, 5000));
  OB_CHECK_EQ(o[1].rc, 0);
  tclient_close(&t);
  fake_stop(&fk);
}

OB_TEST(result_of_wrong_type) {
  struct fake fk;
  struct ob_buf b;
  struct ob_err err;
  struct ob_json *v = NULL;
  uint64_t x;
  OB_REQUIRE(fake_start(&fk, "wrong_type"));
  ob_buf_init(&b, 1024);
  ob_err_clear(&err);
  OB_REQUIRE(chain_rpc_call_once(fk.ws, "eth_gasPrice", "[]", 3000, &b, &err) == 0);
  OB_CHECK_STR(b.buf, "5");
  OB_REQUIRE(ob_json_parse(&v, b.buf, b.len, NULL, &err) == 0);
  OB_CHECK_EQ(chain_json_quantity(v, &x, "eth_gasPrice result", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "eth_gasPrice result: expected a hex quantity string, got number");
  ob_json_free(v);
  ob_buf_release(&b);
  fake_stop(&fk);
}

OB_TEST(endpoint_that_never_answers) {
  struct fake fk;
  struct outcome o;
  struct ob_buf b;
  struct ob_err err;
  uint64_t t0;
  OB_REQUIRE(fake_start(&fk, "silent"));
  /* websocket: the handshake never completes */
  t0 = ob_mono_ms();
  ob_buf_init(&b, 1024);
  ob_err_clear(&err);
  OB_CHECK_EQ(chain_rpc_call_once(fk.ws, "eth_chainId", "[]", 1500, &b, &err), OB_EUNREACH);
  OB_CHECK_CONTAINS(err.msg, "connect timed out");
  OB_CHECK(ob_mono_ms() - t0 < 5000);
  /* HTTP: the POST times out */
  ob_err_clear(&err);
  OB_CHECK_EQ(chain_rpc_call_once(fk.http, "eth_chainId", "[]", 1500, &b, &err), OB_EUNREACH);
  OB_CHECK_MSG(strstr(err.msg, "timed out") || strstr(err.msg, "no reply"), "unexpected: %s", err.msg);
  /* A queued request times out with a clear message. */
  call_over(fk.ws, "eth_gasPrice", "[]", &o, 6000);
  OB_CHECK_EQ(o.rc, OB_ETIMEDOUT);
  OB_CHECK_CONTAINS(o.msg, "'eth_gasPrice' not sent: no usable endpoint within 3000 ms");
  ob_buf_release(&b);
  fake_stop(&fk);
}

static void fast_keepalive(struct chain_rpc_opts *o) {
  o->keepalive_ms = 1000;
  o->health_interval_ms = 60000; /* only pings keep the connection checked */
  o->backoff_min_ms = 5000;
}

OB_TEST(dead_connection_detected_within_2x_keepalive) {
  struct fake fk;
  struct tclient t;
  struct ob_err err;
  struct chain_endpoint_status st;
  const char *urls[1];
  uint64_t t0, lost_after = 0;
  OB_REQUIRE(fake_start(&fk, "deaf"));
  urls[0] = fk.ws;
  OB_REQUIRE(tclient_open(&t, urls, 1, fast_keepalive, &err) == 0);
  OB_REQUIRE(chain_rpc_wait(t.rpc, CHAIN_WAIT_READY, 3000, &err) == 0);
  /* From now on the endpoint answers nothing. */
  t0 = ob_mono_ms();
  while (ob_mono_ms() - t0 < 4000) {
    chain_loop_run_once(t.loop);
    chain_rpc_status(t.rpc, &st, 1);
    if (st.health == CHAIN_HEALTH_UNREACHABLE) {
      lost_after = ob_mono_ms() - t0;
      break;
    }
  }
  OB_CHECK_MSG(lost_after > 0 && lost_after <= 2000, "dead connection noticed after %llu ms (keepalive 1000 ms)",
               (unsigned long long)lost_after);
  OB_CHECK_CONTAINS(st.last_error, "no pong");
  tclient_close(&t);
  fake_stop(&fk);
}

OB_TEST(replies_in_any_order_matched) {
  struct fake fk;
  struct tclient t;
  struct ob_err err;
  struct outcome o[64];
  const char *urls[1];
  OB_REQUIRE(fake_start(&fk, "reorder"));
  urls[0] = fk.ws;
  OB_REQUIRE(tclient_open(&t, urls, 1, NULL, &err) == 0);
  memset(o, 0, sizeof(o));
  for (int i = 0; i < 64; i++) {
    /* eth_chainId and eth_blockNumber answer differently: a mismatch would show. */
    const char *m = i % 2 ? "eth_chainId" : "eth_blockNumber";
    OB_REQUIRE(chain_rpc_call(t.rpc, m, "[]", 0, 5000, outcome_cb, &o[i], NULL, &err) == 0);
  }
  OB_CHECK(run_until_all(t.loop, o, 64, 8000));
  for (int i = 0; i < 64; i++) {
    OB_CHECK_EQ(o[i].rc, 0);
    OB_CHECK_STR(o[i].result, i % 2 ? "\"0x7a69\"" : "\"0x10\"");
  }
  tclient_close(&t);
  fake_stop(&fk);
}

/* ---- wss:// against a local TLS endpoint (tests/chain/tls_ws_rpc.py) with a throwaway CA ---- */

/* Start the TLS endpoint serving KIND ("good" or "wrong_host") with its certificates in dir
 * (ob_test_tmpdir), the CA at ca (cap bytes); its wss:// url into fk->ws. */
static bool tls_start(struct fake *fk, const char *kind, char *ca, size_t cap) {
  char args[600];
  snprintf(args, sizeof(args), "'%s' %s", ob_test_tmpdir(), kind);
  snprintf(ca, cap, "%s/ca.pem", ob_test_tmpdir());
  if (!py_start(fk, "tests/chain/tls_ws_rpc.py", args)) return false;
  snprintf(fk->ws, sizeof(fk->ws), "wss://127.0.0.1:%d", fk->port);
  return true;
}

/* Connect to url trusting ca_file (NULL: the system store), ask eth_chainId; the result into b. */
static int tls_chain_id(const char *url, const char *ca_file, struct ob_buf *b, struct ob_err *err) {
  return chain_rpc_call_once_ca(url, ca_file, "eth_chainId", "[]", 4000, b, err);
}

OB_TEST(wss_trusted_ca_succeeds) {
  struct fake fk;
  struct ob_buf b;
  struct ob_err err;
  char ca[600];
  OB_REQUIRE(tls_start(&fk, "good", ca, sizeof(ca)));
  ob_buf_init(&b, 1024);
  ob_err_clear(&err);
  OB_CHECK_EQ(tls_chain_id(fk.ws, ca, &b, &err), 0);
  OB_CHECK_STR(b.buf ? b.buf : "", "\"0x7a69\"");
  ob_buf_reset(&b);
  fake_stop(&fk);
  ob_buf_release(&b);
}

OB_TEST(wss_untrusted_ca_refused) {
  struct fake fk;
  struct ob_buf b;
  struct ob_err err;
  char ca[600];
  OB_REQUIRE(tls_start(&fk, "good", ca, sizeof(ca)));
  ob_buf_init(&b, 1024);
  ob_err_clear(&err);
  /* No ca_file: the system trust store does not know the test CA. */
  OB_CHECK_EQ(tls_chain_id(fk.ws, NULL, &b, &err), OB_EUNREACH);
  fprintf(stderr, "untrusted CA: %s\n", err.msg);
  OB_CHECK_CONTAINS(err.msg, "the server certificate could not be verified: unable to get local issuer certificate");
  OB_CHECK_EQ(b.len, 0);
  fake_stop(&fk);
  ob_buf_release(&b);
}

OB_TEST(wss_wrong_host_refused) {
  struct fake fk;
  struct ob_buf b;
  struct ob_err err;
  char ca[600];
  OB_REQUIRE(tls_start(&fk, "wrong_host", ca, sizeof(ca)));
  ob_buf_init(&b, 1024);
  ob_err_clear(&err);
  /* The right CA, but the certificate names other.example, not 127.0.0.1. */
  OB_CHECK_EQ(tls_chain_id(fk.ws, ca, &b, &err), OB_EUNREACH);
  fprintf(stderr, "wrong host: %s\n", err.msg);
  OB_CHECK_CONTAINS(err.msg, "the server certificate could not be verified: IP address mismatch");
  OB_CHECK_EQ(b.len, 0);
  fake_stop(&fk);
  ob_buf_release(&b);
}

static void expect_chain_5(struct chain_rpc_opts *o) { o->chain_id = 5; }

/* A wrong chain id is a configuration error: at once, naming the endpoint and both ids. */
OB_TEST(wrong_chain_id_is_a_prompt_config_error) {
  struct fake fk, down;
  struct tclient t;
  struct ob_err err;
  struct chain_endpoint_status st[2];
  char want[200];
  const char *urls[2];
  uint64_t t0;
  OB_REQUIRE(fake_start(&fk, "ok")); /* reports 0x7a69 = 31337 */
  urls[0] = fk.ws;
  OB_REQUIRE(tclient_open(&t, urls, 1, expect_chain_5, &err) == 0);
  t0 = ob_mono_ms();
  OB_CHECK_EQ(chain_rpc_wait(t.rpc, CHAIN_WAIT_READY, 30000, &err), OB_EINVAL);
  OB_CHECK_MSG(ob_mono_ms() - t0 < 3000, "took %llu ms", (unsigned long long)(ob_mono_ms() - t0));
  chain_rpc_chain_id_msg(want, sizeof(want), fk.ws, 31337, 5);
  OB_CHECK(!strncmp(want, "endpoint ws://127.0.0.1:", 24));
  OB_CHECK_CONTAINS(want, " reports chain id 31337, config says 5");
  OB_CHECK_CONTAINS(err.msg, want);
  OB_CHECK_EQ(ob_err_exit_code(err.code), 2);
  OB_CHECK(chain_rpc_status(t.rpc, st, 1) == 1 && st[0].wrong_chain_id && st[0].chain_id == 31337);
  tclient_close(&t);
  /* With a second endpoint that is only down, the wait still ends as a configuration error. */
  OB_REQUIRE(fake_start(&down, "ok"));
  urls[1] = down.ws;
  fake_stop(&down);
  OB_REQUIRE(tclient_open(&t, urls, 2, expect_chain_5, &err) == 0);
  OB_CHECK_EQ(chain_rpc_wait(t.rpc, CHAIN_WAIT_FIRST, 5000, &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, want);
  OB_CHECK_CONTAINS(err.msg, down.ws);
  tclient_close(&t);
  fake_stop(&fk);
}

static void slow_connect(struct chain_rpc_opts *o) { o->connect_timeout_ms = 6500; }

/* A handshake that never completes is reported by our connect timeout, even when it is longer
 * than libwebsockets' own (5 s), which used to close it first as "closed". */
OB_TEST(websocket_handshake_timeout_says_timed_out) {
  struct fake fk;
  struct tclient t;
  struct ob_err err;
  const char *urls[1];
  OB_REQUIRE(fake_start(&fk, "silent"));
  urls[0] = fk.ws;
  OB_REQUIRE(tclient_open(&t, urls, 1, slow_connect, &err) == 0);
  OB_CHECK_EQ(chain_rpc_wait(t.rpc, CHAIN_WAIT_FIRST, 12000, &err), OB_EUNREACH);
  OB_CHECK_CONTAINS(err.msg, "timed out");
  OB_CHECK_MSG(!strstr(err.msg, "closed"), "unexpected: %s", err.msg);
  tclient_close(&t);
  fake_stop(&fk);
}
