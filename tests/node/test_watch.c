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
    ob_parse_u64(&v, db_res_get(res, 0, 0), "block", NULL);
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

/* ---- reorgs (each case on its own anvil: a reorg would pull blocks from under other tests) ---- */

struct view { /* what a consumer holds: logs by block, undone on on_reorg */
  int n, reorgs;
  uint64_t blocks[64], first_reorg;
  char hashes[64][67];
};
static void view_log(void *ud, const struct ob_json *log) {
  struct view *v = ud;
  const char *h = ob_json_string(ob_json_get(log, "blockHash"));
  if (v->n == 64) return;
  chain_json_quantity(ob_json_get(log, "blockNumber"), &v->blocks[v->n], "blockNumber", NULL);
  snprintf(v->hashes[v->n++], 67, "%s", h ? h : "");
}
static void view_reorg(void *ud, uint64_t from_block) {
  struct view *v = ud;
  if (!v->reorgs++) v->first_reorg = from_block;
  while (v->n > 0 && v->blocks[v->n - 1] >= from_block) v->n--;
}

/* The consumer's view equals what the chain now says about the logger since `from`. */
static bool view_is_chain(struct tclient *t, const struct view *v, const char *addr, uint64_t from) {
  struct ob_json *logs = NULL;
  char params[256];
  bool same;
  snprintf(params, sizeof(params), "[{\"address\":\"%s\",\"fromBlock\":\"0x%llx\",\"toBlock\":\"latest\"}]", addr,
           (unsigned long long)from);
  if (sync_json(t, "eth_getLogs", params, &logs)) return false;
  same = logs->len == (size_t)v->n;
  for (size_t i = 0; same && i < logs->len; i++) {
    uint64_t b = 0;
    chain_json_quantity(ob_json_get(logs->items[i], "blockNumber"), &b, "blockNumber", NULL);
    same = b == v->blocks[i] && !strcmp(ob_json_string(ob_json_get(logs->items[i], "blockHash")), v->hashes[i]);
    if (!same) fprintf(stderr, "log %zu: chain has block %llu, the watcher handed over block %llu\n", i,
                       (unsigned long long)b, (unsigned long long)v->blocks[i]);
  }
  if (logs->len != (size_t)v->n) fprintf(stderr, "chain has %zu logs, the watcher's view %d\n", logs->len, v->n);
  ob_json_free(logs);
  return same;
}

/* Wait for n logs in the view after `reorgs` reorgs, and for nothing more to come. */
static bool wait_view(struct tclient *t, struct view *v, int n, int reorgs, unsigned ms) {
  uint64_t end = ob_mono_ms() + ms;
  while ((v->n < n || v->reorgs < reorgs) && ob_mono_ms() < end) chain_loop_run_once(t->loop);
  run_for(t->loop, 500);
  return v->n == n;
}

/* Replace the last `depth` blocks by as many new ones, with a logger call in the first and last. */
static int reorg(struct tclient *t, const char *addr, int depth) {
  struct ob_json *r = NULL;
  char params[512];
  int rc;
  snprintf(params, sizeof(params), "[%d,[[{\"from\":\"" ACCT0 "\",\"to\":\"%s\"},0],[{\"from\":\"" ACCT0
           "\",\"to\":\"%s\"},%d]]]", depth, addr, addr, depth - 1);
  rc = sync_json(t, "anvil_reorg", params, &r);
  ob_json_free(r);
  return rc;
}

static uint64_t head_of(struct tclient *t) {
  struct ob_json *r = NULL;
  uint64_t n = 0;
  if (sync_json(t, "eth_blockNumber", "[]", &r) == 0) chain_json_quantity(r, &n, "head", NULL);
  ob_json_free(r);
  return n;
}

struct reorg_case {
  struct db *db;
  struct node_chain_db ndb;
  struct chain_watch_store store;
  struct chain_watch_opts wo;
  struct tclient t;
  char addr[43], filter[128];
  uint64_t deployed;
};

static bool reorg_case_open(struct reorg_case *c, const char *url, const char *name) {
  struct ob_err err;
  const char *urls[1] = {url};
  memset(c, 0, sizeof(*c));
  c->db = fresh_migrated_db();
  c->ndb.db = c->db;
  c->ndb.chain_id = 31337;
  if (!c->db || tclient_open(&c->t, urls, 1, NULL, &err) || !deploy_logger(&c->t, c->addr, &c->deployed)) return false;
  node_chain_watch_store(&c->store, &c->ndb);
  chain_watch_opts_init(&c->wo);
  snprintf(c->filter, sizeof(c->filter), "{\"address\":\"%s\"}", c->addr);
  c->wo.name = name;
  c->wo.filter_json = c->filter;
  c->wo.has_start_block = true;
  c->wo.start_block = c->deployed;
  c->wo.max_range = 2;
  c->wo.reorg_depth = 8;
  return true;
}

static void reorg_case_close(struct reorg_case *c) {
  if (c->t.rpc) tclient_close(&c->t);
  db_close(c->db);
}

/* The cursor's block, as saved in PostgreSQL, is the chain's block of that number. */
static bool db_hash_is_chain(struct reorg_case *c, const char *name) {
  struct db_res *res = NULL;
  struct ob_json *blk = NULL;
  const char *p[1] = {name};
  char params[64];
  bool same = false;
  if (db_exec(c->db, &res, 0, "SELECT block, block_hash FROM chain_cursors WHERE chain_id = 31337 AND name = $1", 1,
              p, NULL) == 0 && db_res_rows(res) == 1 && db_res_get(res, 0, 1)) {
    snprintf(params, sizeof(params), "[\"0x%llx\",false]", strtoull(db_res_get(res, 0, 0), NULL, 10));
    if (sync_json(&c->t, "eth_getBlockByNumber", params, &blk) == 0)
      same = !strcmp(ob_json_string(ob_json_get(blk, "hash")), db_res_get(res, 0, 1));
  }
  ob_json_free(blk);
  db_res_free(res);
  return same;
}

static void reorg_below_cursor(const char *url) {
  struct reorg_case c;
  struct view v = {0};
  struct chain_watch_cbs cbs = {view_log, NULL, view_reorg, NULL};
  struct chain_watch *w = NULL;
  struct ob_err err;
  uint64_t head, cursor;
  if (!reorg_case_open(&c, url, "reorg")) {
    OB_CHECK_MSG(false, "cannot set up the reorg case");
    reorg_case_close(&c);
    return;
  }
  OB_REQUIRE(chain_watch_new(&w, c.t.rpc, &c.wo, &c.store, &cbs, &v, &err) == 0);
  OB_REQUIRE(emit(&c.t, c.addr, 5) == 0);
  OB_CHECK(wait_view(&c.t, &v, 5, 0, 5000));
  head = head_of(&c.t);
  OB_CHECK(chain_watch_cursor(w, &cursor) && cursor == head);
  /* Three blocks, the cursor's and two below it, replaced by three with two logs in them. */
  OB_REQUIRE(reorg(&c.t, c.addr, 3) == 0);
  OB_REQUIRE(emit(&c.t, c.addr, 1) == 0); /* and the chain moves on */
  OB_CHECK(wait_view(&c.t, &v, 2 + 2 + 1, 1, 8000));
  OB_CHECK_EQ(v.reorgs, 1);
  OB_CHECK(v.first_reorg > c.deployed && v.first_reorg <= head - 2);
  OB_CHECK(view_is_chain(&c.t, &v, c.addr, c.deployed));
  OB_CHECK(chain_watch_cursor(w, &cursor) && cursor == head + 1);
  OB_CHECK(db_hash_is_chain(&c, "reorg"));
  chain_watch_free(w);
  reorg_case_close(&c);
}

static void reorg_while_down(const char *url) {
  struct reorg_case c;
  struct view v = {0};
  struct chain_watch_cbs cbs = {view_log, NULL, view_reorg, NULL};
  struct chain_watch *w = NULL;
  struct ob_err err;
  uint64_t head;
  if (!reorg_case_open(&c, url, "down")) {
    OB_CHECK_MSG(false, "cannot set up the reorg case");
    reorg_case_close(&c);
    return;
  }
  OB_REQUIRE(chain_watch_new(&w, c.t.rpc, &c.wo, &c.store, &cbs, &v, &err) == 0);
  OB_REQUIRE(emit(&c.t, c.addr, 5) == 0);
  OB_CHECK(wait_view(&c.t, &v, 5, 0, 5000));
  chain_watch_free(w);
  head = head_of(&c.t);
  OB_REQUIRE(reorg(&c.t, c.addr, 4) == 0);
  /* A new watcher knows only the cursor and its hash from PostgreSQL. */
  OB_REQUIRE(chain_watch_new(&w, c.t.rpc, &c.wo, &c.store, &cbs, &v, &err) == 0);
  OB_CHECK(wait_view(&c.t, &v, 1 + 2, 1, 8000));
  OB_CHECK_EQ(v.reorgs, 1);
  OB_CHECK(v.first_reorg <= head - 3);
  OB_CHECK(view_is_chain(&c.t, &v, c.addr, c.deployed));
  OB_CHECK(db_hash_is_chain(&c, "down"));
  chain_watch_free(w);
  reorg_case_close(&c);
}

/* Run fn against a private anvil started with scripts/peers.sh, stopped however fn ends. */
static void with_private_anvil(void (*fn)(const char *url)) {
  char *out = NULL, *errs = NULL, path[700], url[64];
  int port = 0;
  FILE *f;
  int rc = ob_test_sh(&out, &errs, "bash '%s' up '%s/peers' chain", ob_test_src("scripts/peers.sh"), ob_test_tmpdir());
  snprintf(path, sizeof(path), "%s/peers/chain/port", ob_test_tmpdir());
  f = rc == 0 ? fopen(path, "r") : NULL;
  if (!f || fscanf(f, "%d", &port) != 1) {
    OB_CHECK_MSG(false, "private anvil did not start: %s", errs ? errs : "");
  } else {
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d", port);
    fn(url);
  }
  if (f) fclose(f);
  free(out);
  free(errs);
  ob_test_sh(NULL, NULL, "bash '%s' down '%s/peers' chain", ob_test_src("scripts/peers.sh"), ob_test_tmpdir());
}

OB_TEST(rewinds_when_a_reorg_reaches_below_the_cursor) { with_private_anvil(reorg_below_cursor); }
OB_TEST(rewinds_after_a_reorg_while_down_from_the_saved_hash) { with_private_anvil(reorg_while_down); }
