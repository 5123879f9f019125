/* The log watcher against anvil with its cursor in PostgreSQL: backfill after downtime in bounded
 * ranges, no gap and no duplicate across restarts and cut connections. */
#include "../chain/rpc_helpers.h"
#include "node_helpers.h"
#include "ob/chain/watch.h"
#include "ob/db/db.h"
#include "ob/node/chain_store.h"

#define ACCT0 "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
/* Init code returning runtime 60006000a000: PUSH1 0 PUSH1 0 LOG0 STOP (one log per call). */
#define LOGGER_INIT "0x6560006000a0006000526006601af3"


static int sync_json(struct tclient *t, const char *method, const char *params, struct ob_json **out) {
  struct ob_buf b;
  struct ob_err err;
  int rc;
  ob_buf_init(&b, 1 << 20);
  rc = chain_rpc_call_sync(t->rpc, method, params, 0, 5000, &b, &err);
  if (rc) fprintf(stderr, "%s: %s\n", method, err.msg);
  if (!rc) rc = ob_json_parse(out, b.buf, b.len, NULL, &err);
  ob_buf_release(&b);
  return rc;
}

/* Deploy the logger; returns its address in addr[43]. */
static bool deploy_logger(struct tclient *t, char addr[43], uint64_t *block) {
  struct ob_json *hash = NULL, *rcpt = NULL;
  char params[256];
  bool ok = false;
  if (sync_json(t, "eth_sendTransaction", "[{\"from\":\"" ACCT0 "\",\"data\":\"" LOGGER_INIT "\"}]", &hash)) return false;
  snprintf(params, sizeof(params), "[\"%s\"]", ob_json_string(hash));
  for (int i = 0; i < 100 && !ok; i++) {
    ob_json_free(rcpt);
    rcpt = NULL;
    if (sync_json(t, "eth_getTransactionReceipt", params, &rcpt)) break;
    if (ob_json_string(ob_json_get(rcpt, "contractAddress"))) {
      snprintf(addr, 43, "%s", ob_json_string(ob_json_get(rcpt, "contractAddress")));
      ok = chain_json_quantity(ob_json_get(rcpt, "blockNumber"), block, "blockNumber", NULL) == 0;
    } else {
      ob_sleep_ms(20);
    }
  }
  ob_json_free(hash);
  ob_json_free(rcpt);
  return ok;
}

static int emit(struct tclient *t, const char *addr, int n) {
  char params[256];
  struct ob_json *v = NULL;
  int rc = 0;
  snprintf(params, sizeof(params), "[{\"from\":\"" ACCT0 "\",\"to\":\"%s\"}]", addr);
  for (int i = 0; i < n && !rc; i++) {
    rc = sync_json(t, "eth_sendTransaction", params, &v);
    ob_json_free(v);
    v = NULL;
  }
  return rc;
}

struct got {
  int n;
  uint64_t blocks[256];
  uint64_t progress;
  int dup;
};
static void got_log(void *ud, const struct ob_json *log) {
  struct got *g = ud;
  uint64_t b = 0;
  chain_json_quantity(ob_json_get(log, "blockNumber"), &b, "blockNumber", NULL);
  for (int i = 0; i < g->n; i++)
    if (g->blocks[i] == b) g->dup++;
  if (g->n < 256) g->blocks[g->n++] = b;
}
static void got_progress(void *ud, uint64_t block) { ((struct got *)ud)->progress = block; }

static bool wait_logs(struct tclient *t, struct got *g, int n, unsigned ms) {
  uint64_t end = ob_mono_ms() + ms;
  while (g->n < n && ob_mono_ms() < end) chain_loop_run_once(t->loop);
  run_for(t->loop, 300); /* and nothing more comes */
  return g->n == n;
}

static uint64_t db_cursor(struct db *db, const char *name) {
  struct db_res *res = NULL;
  const char *p[1] = {name};
  uint64_t v = 0;
  if (db_exec(db, &res, 0, "SELECT block FROM chain_cursors WHERE chain_id = 31337 AND name = $1", 1, p, NULL) == 0 &&
      db_res_rows(res) == 1)
    ob_parse_u64(db_res_get(res, 0, 0), &v, "block", NULL);
  db_res_free(res);
  return v;
}

OB_TEST(backfill_after_downtime_from_postgres_cursor) {
  struct db *db = fresh_migrated_db();
  struct node_chain_db ndb = {db, 31337};
  struct chain_watch_store store;
  struct chain_watch_opts wo;
  struct chain_watch_cbs cbs = {got_log, got_progress, NULL};
  struct chain_watch *w = NULL;
  struct tclient t;
  struct ob_err err;
  struct got a = {0}, b = {0};
  char addr[43], filter[128];
  uint64_t deployed, head;
  const char *urls[1] = {ob_test_peer("OBRIDGE_RPC_URL")};
  OB_REQUIRE(db);
  OB_REQUIRE(tclient_open(&t, urls, 1, NULL, &err) == 0);
  OB_REQUIRE(deploy_logger(&t, addr, &deployed));
  node_chain_watch_store(&store, &ndb);
  chain_watch_opts_init(&wo);
  snprintf(filter, sizeof(filter), "{\"address\":\"%s\"}", addr);
  wo.name = "logger";
  wo.filter_json = filter;
  wo.has_start_block = true;
  wo.start_block = deployed;
  wo.max_range = 2;
  OB_REQUIRE(chain_watch_new(&w, t.rpc, &wo, &store, &cbs, &a, &err) == 0);
  OB_REQUIRE(emit(&t, addr, 5) == 0);
  OB_CHECK(wait_logs(&t, &a, 5, 5000));
  chain_watch_free(w);
  /* Down while 7 more happen; the next watcher starts from the cursor in PostgreSQL. */
  OB_REQUIRE(emit(&t, addr, 7) == 0);
  OB_REQUIRE(chain_watch_new(&w, t.rpc, &wo, &store, &cbs, &b, &err) == 0);
  OB_CHECK(wait_logs(&t, &b, 7, 5000));
  /* Other tests share this anvil and mine blocks too: the logs' blocks are increasing, not
   * necessarily adjacent. Exactly 7 arrived, none twice, all after the first watcher's last. */
  OB_CHECK(b.blocks[0] > a.blocks[4]);
  OB_REQUIRE(emit(&t, addr, 3) == 0);
  OB_CHECK(wait_logs(&t, &b, 10, 5000));
  OB_CHECK_EQ(a.dup + b.dup, 0);
  for (int i = 1; i < b.n; i++) OB_CHECK(b.blocks[i] > b.blocks[i - 1]);
  OB_CHECK(chain_watch_cursor(w, &head));
  OB_CHECK_EQ(db_cursor(db, "logger"), head);
  OB_CHECK(head >= b.blocks[9]);
  chain_watch_free(w);
  tclient_close(&t);
  db_close(db);
}

static void quick(struct chain_rpc_opts *o) {
  o->keepalive_ms = 1000;
  o->health_interval_ms = 300;
  o->backoff_min_ms = 20;
  o->backoff_max_ms = 200;
}

OB_TEST(no_gap_while_connections_are_cut) {
  struct db *db = fresh_migrated_db();
  struct node_chain_db ndb = {db, 31337};
  struct chain_watch_store store;
  struct chain_watch_opts wo;
  struct chain_watch_cbs cbs = {got_log, got_progress, NULL};
  struct chain_watch *w = NULL;
  struct tclient t, sender;
  struct ob_err err;
  struct fake px;
  struct got g = {0};
  char addr[43], filter[128], args[64], url[64];
  const char *anvil = ob_test_peer("OBRIDGE_RPC_URL");
  const char *urls[1] = {url};
  uint64_t deployed;
  OB_REQUIRE(db && anvil);
  OB_REQUIRE(tclient_open(&sender, &anvil, 1, NULL, &err) == 0);
  OB_REQUIRE(deploy_logger(&sender, addr, &deployed));
  snprintf(args, sizeof(args), "%s --cut-every 250 --seed 11", strrchr(anvil, ':') + 1);
  OB_REQUIRE(py_start(&px, "tests/chain/cutproxy.py", args));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d", px.port);
  OB_REQUIRE(tclient_open(&t, urls, 1, quick, &err) == 0);
  node_chain_watch_store(&store, &ndb);
  chain_watch_opts_init(&wo);
  snprintf(filter, sizeof(filter), "{\"address\":\"%s\"}", addr);
  wo.name = "cut";
  wo.filter_json = filter;
  wo.has_start_block = true;
  wo.start_block = deployed;
  wo.max_range = 3;
  OB_REQUIRE(chain_watch_new(&w, t.rpc, &wo, &store, &cbs, &g, &err) == 0);
  for (int i = 0; i < 40; i++) {
    OB_REQUIRE(emit(&sender, addr, 1) == 0);
    run_for(t.loop, 50);
  }
  OB_CHECK(wait_logs(&t, &g, 40, 15000));
  OB_CHECK_EQ(g.dup, 0);
  for (int i = 1; i < g.n; i++) OB_CHECK(g.blocks[i] > g.blocks[i - 1]);
  chain_watch_free(w);
  tclient_close(&t);
  tclient_close(&sender);
  fake_stop(&px);
  db_close(db);
}
