/* The transaction manager against anvil (each case with its own anvil, since cases switch mining
 * off, lower the gas limit or reorg) and PostgreSQL. */
#include <inttypes.h>

#include "../chain/rpc_helpers.h"
#include "node_helpers.h"
#include "ob/chain/txm.h"
#include "ob/chain/txm_signer.h"
#include "ob/core/hex.h"
#include "ob/db/db.h"
#include "ob/node/chain_store.h"

/* anvil's account 1 (test mnemonic); the manager derives the address. */
#define KEY1 "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"

struct anvil {
  char dir[512];
  char ws[128], http[128];
  int port;
};

static bool anvil_up(struct anvil *a, const char *extra_env) {
  char *out = NULL, *err = NULL, path[600];
  struct ob_buf env;
  const char *p;
  int rc;
  snprintf(a->dir, sizeof(a->dir), "%s/anvil", ob_test_tmpdir());
  rc = ob_test_sh(&out, &err, "%s bash '%s' up '%s' chain", extra_env ? extra_env : "", ob_test_src("scripts/peers.sh"), a->dir);
  free(out);
  free(err);
  if (rc) return false;
  snprintf(path, sizeof(path), "%s/chain/port", a->dir);
  ob_buf_init(&env, 64);
  if (ob_file_read(path, &env, 64, NULL)) return false;
  a->port = (int)strtol(env.buf, NULL, 10);
  ob_buf_release(&env);
  snprintf(a->ws, sizeof(a->ws), "ws://127.0.0.1:%d", a->port);
  snprintf(a->http, sizeof(a->http), "http://127.0.0.1:%d", a->port);
  (void)p;
  return a->port > 0;
}

static void anvil_cmd(struct anvil *a, const char *cmd, const char *extra_env) {
  char *out = NULL, *err = NULL;
  ob_test_sh(&out, &err, "%s bash '%s' %s '%s' chain", extra_env ? extra_env : "", ob_test_src("scripts/peers.sh"), cmd, a->dir);
  free(out);
  free(err);
}

struct rig {
  struct db *db;
  struct node_chain_db ndb;
  struct chain_txm_store store;
  struct chain_key_signer *ks;
  struct chain_txm_signer signer;
  struct tclient t;
  struct chain_txm *m;
  struct chain_txm_opts o;
};


static void quick(struct chain_rpc_opts *o) {
  o->keepalive_ms = 1000;
  o->health_interval_ms = 500;
  o->backoff_min_ms = 20;
  o->backoff_max_ms = 300;
  o->request_timeout_ms = 10000;
}

static int rig_open_txm(struct rig *r, const char *url, struct ob_err *err) {
  const char *urls[1] = {url};
  int rc = tclient_open(&r->t, urls, 1, quick, err);
  if (!rc) rc = chain_txm_new(&r->m, r->t.rpc, &r->o, &r->signer, &r->store, NULL, NULL, err);
  if (!rc) rc = chain_txm_start(r->m, err);
  return rc;
}

static void rig_close_txm(struct rig *r) {
  chain_txm_free(r->m);
  r->m = NULL;
  tclient_close(&r->t);
}

static int rig_open(struct rig *r, const char *url, struct db *db, struct ob_err *err) {
  uint8_t key[32];
  int rc;
  memset(r, 0, sizeof(*r));
  r->db = db;
  if (!db) return ob_err_set(err, OB_EIO, "no database");
  chain_txm_opts_init(&r->o);
  r->o.chain_id = 31337;
  r->o.check_interval_ms = 100;
  r->o.finality_blocks = 1000;
  r->o.bump_after_blocks = 2;
  ob_hex_decode_fixed(key, 32, KEY1, NULL);
  rc = chain_key_signer_new(&r->ks, &r->signer, key, err);
  ob_memclear(key, 32);
  if (rc) return rc;
  r->ndb.db = db;
  r->ndb.chain_id = 31337;
  ob_hex_encode0x(r->ndb.from, r->signer.from, 20);
  node_chain_txm_store(&r->store, &r->ndb);
  return rig_open_txm(r, url, err);
}

static void rig_close(struct rig *r) {
  rig_close_txm(r);
  chain_key_signer_free(r->ks);
  db_close(r->db);
}

static int submit_transfer(struct rig *r, uint64_t value, const char *key, int64_t *id) {
  struct chain_txm_req q = {.has_to = true, .gas_limit = 21000, .purpose = "test transfer", .key = key};
  struct ob_err err;
  int rc;
  chain_u256_from_u64(&q.value, value);
  q.to[19] = 0x42;
  rc = chain_txm_submit(r->m, &q, id, &err);
  if (rc) fprintf(stderr, "submit: %s\n", err.msg);
  return rc;
}

static bool wait_idle(struct rig *r, unsigned ms) {
  uint64_t end = ob_mono_ms() + ms;
  while (!chain_txm_idle(r->m) && ob_mono_ms() < end) chain_loop_run_once(r->t.loop);
  return chain_txm_idle(r->m);
}

static int64_t q_int(struct db *db, const char *sql, const char *param) {
  struct db_res *res = NULL;
  const char *p[1] = {param};
  int64_t v = -1;
  if (db_exec(db, &res, 0, sql, param ? 1 : 0, p, NULL) == 0 && db_res_rows(res) == 1 && db_res_get(res, 0, 0))
    v = strtoll(db_res_get(res, 0, 0), NULL, 10);
  db_res_free(res);
  return v;
}

static uint64_t chain_nonce(struct rig *r) {
  struct ob_buf b;
  struct ob_json *v = NULL;
  uint64_t n = 0;
  char params[96];
  snprintf(params, sizeof(params), "[\"%s\",\"latest\"]", r->ndb.from);
  ob_buf_init(&b, 256);
  if (chain_rpc_call_sync(r->t.rpc, "eth_getTransactionCount", params, 0, 5000, &b, NULL) == 0 &&
      ob_json_parse(&v, b.buf, b.len, NULL, NULL) == 0)
    chain_json_quantity(v, &n, "nonce", NULL);
  ob_json_free(v);
  ob_buf_release(&b);
  return n;
}

static int rpc(struct rig *r, const char *method, const char *params) {
  struct ob_buf b;
  struct ob_err err;
  int rc;
  ob_buf_init(&b, 1 << 16);
  rc = chain_rpc_call_sync(r->t.rpc, method, params, CHAIN_RPC_ONCE, 5000, &b, &err);
  if (rc) fprintf(stderr, "%s: %s\n", method, err.msg);
  ob_buf_release(&b);
  return rc;
}

/* Every transaction mined once: one mined row per nonce 0..n-1, the chain's nonce n. */
static void check_exactly_once(struct rig *r, int64_t n) {
  OB_CHECK_EQ(q_int(r->db, "SELECT count(*) FROM chain_txs WHERE state IN ('confirmed','finalized')", NULL), n);
  OB_CHECK_EQ(q_int(r->db, "SELECT count(DISTINCT nonce) FROM chain_txs WHERE state IN ('confirmed','finalized')", NULL), n);
  OB_CHECK_EQ(q_int(r->db, "SELECT max(nonce) FROM chain_txs WHERE state IN ('confirmed','finalized')", NULL), n - 1);
  OB_CHECK_EQ(q_int(r->db, "SELECT count(*) FROM chain_txs WHERE state IN ('queued','signed','broadcast')", NULL), 0);
  OB_CHECK_EQ(chain_nonce(r), n);
}

OB_TEST(confirms_with_contiguous_nonces) {
  struct anvil a;
  struct rig r;
  struct ob_err err;
  int64_t id;
  OB_REQUIRE(anvil_up(&a, NULL));
  OB_REQUIRE(rig_open(&r, a.ws, fresh_migrated_db(), &err) == 0);
  for (int i = 0; i < 30; i++) OB_REQUIRE(submit_transfer(&r, 1, NULL, &id) == 0);
  OB_CHECK(wait_idle(&r, 20000));
  check_exactly_once(&r, 30);
  /* stored before broadcast: every mined hash is a stored version */
  OB_CHECK_EQ(q_int(r.db, "SELECT count(*) FROM chain_txs t WHERE state = 'confirmed' AND NOT EXISTS "
                          "(SELECT 1 FROM chain_tx_versions v WHERE v.tx_id = t.id AND v.hash = t.mined_hash)", NULL), 0);
  /* an idempotency key gives the same transaction */
  {
    int64_t a1, a2;
    OB_CHECK_EQ(submit_transfer(&r, 1, "k1", &a1), 0);
    OB_CHECK_EQ(submit_transfer(&r, 1, "k1", &a2), 0);
    OB_CHECK_EQ(a1, a2);
    OB_CHECK(wait_idle(&r, 10000));
    check_exactly_once(&r, 31);
  }
  rig_close(&r);
  anvil_cmd(&a, "down", NULL);
}

OB_TEST(stuck_transaction_bumped_then_mined_once) {
  struct anvil a;
  struct rig r;
  struct ob_err err;
  struct chain_txm_counts c;
  int64_t id;
  char ids[24];
  OB_REQUIRE(anvil_up(&a, NULL));
  OB_REQUIRE(rig_open(&r, a.ws, fresh_migrated_db(), &err) == 0);
  /* Mining off; once it is in the pool, blocks too small for it: it waits while blocks go by
   * (anvil refuses a new transaction larger than a block, so bumped versions are refused too
   * until the limit is back; what counts is that they are made, stored, and one version wins). */
  OB_REQUIRE(rpc(&r, "evm_setAutomine", "[false]") == 0);
  OB_REQUIRE(submit_transfer(&r, 7, NULL, &id) == 0);
  for (int i = 0; i < 50; i++) {
    chain_txm_counts(r.m, &c);
    if (c.broadcast) break;
    run_for(r.t.loop, 50);
  }
  OB_REQUIRE(c.broadcast == 1);
  OB_REQUIRE(rpc(&r, "anvil_setBlockGasLimit", "[\"0x4e1f\"]") == 0); /* 19999 < 21000 */
  for (int i = 0; i < 40; i++) {
    chain_txm_counts(r.m, &c);
    if (c.bumps >= 2) break;
    rpc(&r, "evm_mine", "[]");
    run_for(r.t.loop, 150);
  }
  chain_txm_counts(r.m, &c);
  OB_CHECK(c.bumps >= 2);
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  OB_CHECK(q_int(r.db, "SELECT count(*) FROM chain_tx_versions WHERE tx_id = $1", ids) >= 3);
  OB_REQUIRE(rpc(&r, "anvil_setBlockGasLimit", "[\"0x1c9c380\"]") == 0);
  OB_REQUIRE(rpc(&r, "evm_setAutomine", "[true]") == 0);
  OB_REQUIRE(rpc(&r, "evm_mine", "[]") == 0);
  OB_CHECK(wait_idle(&r, 10000));
  check_exactly_once(&r, 1);
  /* the mined one is one of the stored versions */
  OB_CHECK_EQ(q_int(r.db, "SELECT count(*) FROM chain_txs t JOIN chain_tx_versions v ON v.tx_id = t.id AND v.hash = t.mined_hash", NULL), 1);
  rig_close(&r);
  anvil_cmd(&a, "down", NULL);
}

OB_TEST(reorg_after_confirmation_resent_and_confirmed_once) {
  struct anvil a;
  struct rig r;
  struct ob_err err;
  struct chain_txm_counts c;
  int64_t id;
  char ids[24];
  OB_REQUIRE(anvil_up(&a, NULL));
  OB_REQUIRE(rig_open(&r, a.ws, fresh_migrated_db(), &err) == 0);
  OB_REQUIRE(submit_transfer(&r, 9, NULL, &id) == 0);
  OB_CHECK(wait_idle(&r, 10000));
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  OB_CHECK_EQ(q_int(r.db, "SELECT count(*) FROM chain_txs WHERE id = $1 AND state = 'confirmed'", ids), 1);
  /* The block holding it goes away (anvil does not mine it again). */
  OB_REQUIRE(rpc(&r, "evm_setAutomine", "[false]") == 0);
  OB_REQUIRE(rpc(&r, "anvil_rollback", "[1]") == 0);
  OB_CHECK_EQ(chain_nonce(&r), 0);
  for (int i = 0; i < 200; i++) { /* up to 20 s: slow under sanitizers and a loaded machine */
    chain_txm_counts(r.m, &c);
    if (c.reorgs) break;
    run_for(r.t.loop, 100);
  }
  OB_CHECK(c.reorgs >= 1);
  OB_REQUIRE(rpc(&r, "evm_setAutomine", "[true]") == 0);
  OB_REQUIRE(rpc(&r, "evm_mine", "[]") == 0);
  run_for(r.t.loop, 500);
  OB_CHECK(wait_idle(&r, 10000));
  run_for(r.t.loop, 500);
  check_exactly_once(&r, 1);
  rig_close(&r);
  anvil_cmd(&a, "down", NULL);
}

OB_TEST(supersede_replaces_at_same_nonce) {
  struct anvil a;
  struct rig r;
  struct ob_err err;
  struct chain_txm_req q = {.has_to = true, .value = {{2, 0, 0, 0}}, .gas_limit = 30000, .purpose = "newer round"};
  int64_t id, nid;
  char ids[24];
  OB_REQUIRE(anvil_up(&a, NULL));
  OB_REQUIRE(rig_open(&r, a.ws, fresh_migrated_db(), &err) == 0);
  OB_REQUIRE(rpc(&r, "evm_setAutomine", "[false]") == 0);
  OB_REQUIRE(submit_transfer(&r, 1, NULL, &id) == 0);
  run_for(r.t.loop, 300);
  q.to[19] = 0x43;
  OB_REQUIRE(chain_txm_supersede(r.m, id, &q, &nid, &err) == 0);
  /* never two pending on one nonce */
  OB_CHECK_EQ(q_int(r.db, "SELECT count(*) FROM chain_txs WHERE nonce = 0 AND state IN ('queued','signed','broadcast')", NULL), 1);
  run_for(r.t.loop, 300);
  OB_REQUIRE(rpc(&r, "evm_mine", "[]") == 0);
  OB_REQUIRE(rpc(&r, "evm_setAutomine", "[true]") == 0);
  OB_CHECK(wait_idle(&r, 10000));
  check_exactly_once(&r, 1);
  snprintf(ids, sizeof(ids), "%" PRId64, nid);
  OB_CHECK_EQ(q_int(r.db, "SELECT count(*) FROM chain_txs WHERE id = $1 AND state = 'confirmed'", ids), 1);
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  OB_CHECK_EQ(q_int(r.db, "SELECT count(*) FROM chain_txs WHERE id = $1 AND state = 'superseded'", ids), 1);
  /* a mined one cannot be replaced */
  OB_CHECK(chain_txm_supersede(r.m, nid, &q, &id, &err) != 0);
  rig_close(&r);
  anvil_cmd(&a, "down", NULL);
}

OB_TEST(thousand_through_connections_cut_every_2s) {
  enum { N = 1000 };
  struct anvil a;
  struct rig r;
  struct ob_err err;
  struct fake px;
  char args[96], url[64], state[600];
  int64_t id;
  OB_REQUIRE(anvil_up(&a, NULL));
  snprintf(args, sizeof(args), "%d --cut-every 2000 --seed 5", a.port);
  OB_REQUIRE(py_start(&px, "tests/chain/cutproxy.py", args));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d", px.port);
  OB_REQUIRE(rig_open(&r, url, fresh_migrated_db(), &err) == 0);
  for (int i = 0; i < N; i++) {
    OB_REQUIRE(submit_transfer(&r, 1, NULL, &id) == 0);
    if (i % 20 == 19) run_for(r.t.loop, 30);
  }
  OB_CHECK(wait_idle(&r, 60000));
  check_exactly_once(&r, N);
  {
    struct chain_rpc_stats st;
    struct chain_txm_counts c;
    chain_rpc_stats(r.t.rpc, &st);
    chain_txm_counts(r.m, &c);
    printf("%d transactions: connection lost %" PRIu64 " times, %" PRIu64 " requests re-sent, chain nonce %" PRIu64 "\n", N,
           st.reconnects, st.resent, chain_nonce(&r));
    OB_CHECK(st.reconnects >= 1);
  }
  rig_close(&r);
  fake_stop(&px);
  (void)state;
  anvil_cmd(&a, "down", NULL);
}

OB_TEST(restart_mid_stream_recovers) {
  struct anvil a;
  struct rig r;
  struct ob_err err;
  int64_t id;
  char env[700];
  snprintf(env, sizeof(env), "OB_ANVIL_STATE='%s/state.json'", ob_test_tmpdir());
  OB_REQUIRE(anvil_up(&a, env));
  OB_REQUIRE(rig_open(&r, a.ws, fresh_migrated_db(), &err) == 0);
  OB_REQUIRE(rpc(&r, "evm_setAutomine", "[false]") == 0);
  /* 20 signed and sent, none mined; the manager goes away without a goodbye. */
  for (int i = 0; i < 20; i++) OB_REQUIRE(submit_transfer(&r, 1, NULL, &id) == 0);
  run_for(r.t.loop, 300);
  rig_close_txm(&r);
  /* The node loses its pool (restart; --state keeps blocks and nonces only). */
  anvil_cmd(&a, "restart", env);
  OB_REQUIRE(rig_open_txm(&r, a.ws, &err) == 0); /* re-sends the same bytes */
  for (int i = 0; i < 10; i++) OB_REQUIRE(submit_transfer(&r, 1, NULL, &id) == 0);
  OB_CHECK(wait_idle(&r, 20000));
  check_exactly_once(&r, 30);
  rig_close(&r);
  anvil_cmd(&a, "down", NULL);
}

/* bumps counts versions, not the bumps one process made: 11 versions (made by any number of
 * processes) are 10 bumps, whatever a later process that bumped once reports. */
OB_TEST(bumps_count_versions) {
  struct db *db = fresh_migrated_db();
  struct node_chain_db ndb = {.db = db, .chain_id = 31337, .from = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"};
  struct chain_txm_store st;
  struct chain_txm_req q = {.has_to = true, .gas_limit = 21000};
  struct chain_txm_update u = {.state = CHAIN_TX_BROADCAST, .bumps = 1};
  struct ob_err err;
  uint8_t raw[4] = {1, 2, 3, 4};
  int64_t id = 0;
  uint64_t nonce = 0;
  bool existed = false;
  char ids[24];
  OB_REQUIRE(db != NULL);
  node_chain_txm_store(&st, &ndb);
  OB_REQUIRE(st.insert(st.ud, &q, 0, &id, &nonce, &existed, &err) == 0);
  for (int v = 0; v <= 10; v++) {
    struct chain_txm_ver ver = {.raw = raw, .raw_len = sizeof(raw), .max_fee = {{2, 0, 0, 0}}, .max_priority_fee = {{1, 0, 0, 0}}};
    snprintf(ver.hash, sizeof(ver.hash), "0x%064x", v + 1);
    OB_REQUIRE(st.add_version(st.ud, id, v, &ver, &err) == 0);
  }
  OB_REQUIRE(st.update(st.ud, id, &u, &err) == 0);
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  OB_CHECK_EQ(q_int(db, "SELECT bumps FROM chain_txs WHERE id = $1::bigint", ids), 10);
  OB_CHECK_EQ(q_int(db, "SELECT count(*) - 1 FROM chain_tx_versions WHERE tx_id = $1::bigint", ids), 10);
  db_close(db);
}

/* Idempotency keys belong to a sender and are compared with the request. */
OB_TEST(idempotency_key_per_sender_and_compared) {
  struct db *db = fresh_migrated_db();
  struct node_chain_db a = {.db = db, .chain_id = 31337, .from = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"};
  struct node_chain_db b = {.db = db, .chain_id = 31337, .from = "0x90f79bf6eb2c4f870365e785982e1f101e93b906"};
  struct chain_txm_store sa, sb;
  struct chain_txm_req q = {.has_to = true, .gas_limit = 21000, .key = "k"};
  struct ob_err err;
  int64_t id1 = 0, id2 = 0, id3 = 0;
  uint64_t nonce = 0;
  bool existed = false;
  OB_REQUIRE(db != NULL);
  node_chain_txm_store(&sa, &a);
  node_chain_txm_store(&sb, &b);
  chain_u256_from_u64(&q.value, 5);
  OB_REQUIRE(sa.insert(sa.ud, &q, 0, &id1, &nonce, &existed, &err) == 0);
  OB_CHECK(!existed);
  OB_REQUIRE(sa.insert(sa.ud, &q, 0, &id2, &nonce, &existed, &err) == 0);
  OB_CHECK(existed);
  OB_CHECK_EQ(id1, id2);
  OB_REQUIRE(sb.insert(sb.ud, &q, 0, &id3, &nonce, &existed, &err) == 0);
  OB_CHECK(!existed);
  OB_CHECK(id3 != id1);
  chain_u256_from_u64(&q.value, 6);
  OB_CHECK_EQ(sa.insert(sa.ud, &q, 0, &id2, &nonce, &existed, &err), OB_EINVAL);
  OB_CHECK(strstr(err.msg, "idempotency key 'k'") && strstr(err.msg, "value 5 (now 6)"));
  db_close(db);
}

/* The daemon opens a manager per round on its long-lived client: a manager freed while its requests
 * are in flight (a send, receipts, a cycle) must never be reached by their replies (a use after free
 * under ASan before the manager cancelled them). Twenty managers in a row on one client. */
OB_TEST(freed_with_requests_in_flight_on_a_kept_client) {
  struct anvil a;
  struct rig r;
  struct ob_err err;
  int64_t id;
  OB_REQUIRE(anvil_up(&a, NULL));
  OB_REQUIRE(rig_open(&r, a.ws, fresh_migrated_db(), &err) == 0);
  for (int k = 0; k < 20; k++) {
    OB_REQUIRE(submit_transfer(&r, 1, NULL, &id) == 0); /* its send (and the kick's cycle) in flight */
    chain_txm_free(r.m);
    r.m = NULL;
    run_for(r.t.loop, 30); /* the replies come now */
    OB_REQUIRE(chain_txm_new(&r.m, r.t.rpc, &r.o, &r.signer, &r.store, NULL, NULL, &err) == 0);
    OB_REQUIRE(chain_txm_start(r.m, &err) == 0);
  }
  OB_CHECK(wait_idle(&r, 20000));
  check_exactly_once(&r, 20);
  rig_close(&r);
  anvil_cmd(&a, "down", NULL);
}
