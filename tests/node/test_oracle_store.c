/* The oracle round's state (node/oracle_store.c, migrations/0010_oracle.sql) against a real
 * PostgreSQL: round numbering and reuse of a nothing-due number, observations with odd bytes and
 * errors, aggregates and the triggers from the database (first value, deviation at the threshold and
 * below it, heartbeat), the last committed value moved at confirmation, the fences (advisory lock
 * for a one-shot run, lease token for the daemon) refusing a write, retention in bounded batches. */
#include <stdlib.h>
#include <string.h>

#include "node_helpers.h"
#include "ob/core/alloc.h"
#include "ob/core/util.h"
#include "ob/node/lease.h"
#include "ob/node/oracle_store.h"
#include "ob/node/round.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/fetch.h"
#include "ob/oracle/value.h"

#define REG "0x5fbdb2315678afecb367f032d93f642f64180aa3"

static void ctx_init(struct node_oracle_ctx *c, struct db *db, const struct node_fence *f) {
  memset(c, 0, sizeof(*c));
  c->db = db;
  c->fence = f;
  c->chain_id = 31337;
  snprintf(c->registry, sizeof(c->registry), "%s", REG);
  c->holder = "test:1";
}

static long long q1(struct db *db, const char *sql) {
  struct db_res *r = NULL;
  long long n = -1;
  if (db_exec(db, &r, 0, sql, 0, NULL, NULL) == 0 && db_res_get(r, 0, 0)) n = strtoll(db_res_get(r, 0, 0), NULL, 10);
  db_res_free(r);
  return n;
}

static struct chain_u256 val(const char *text) {
  struct chain_u256 v;
  memset(&v, 0, sizeof(v));
  (void)oracle_value_parse(&v, text, strlen(text), 0, "test", NULL);
  return v;
}

static void agg(struct node_oracle_agg_row *a, const char *feed, const char *value, uint32_t bps, uint32_t hb,
                uint64_t at) {
  memset(a, 0, sizeof(*a));
  snprintf(a->feed, sizeof(a->feed), "%s", feed);
  a->decimals = 0;
  snprintf(a->k, sizeof(a->k), "3");
  a->quorum = 1;
  a->ok = value != NULL;
  if (value) a->value = val(value);
  else snprintf(a->left_out, sizeof(a->left_out), "1 of 3 sources answered, quorum is 2");
  a->counted = a->remaining = value ? 3 : 1;
  a->observed_at = at;
  a->deviation_bps = bps;
  a->heartbeat_s = hb;
}

OB_TEST(oracle_store_rounds_numbered_and_nothing_due_reused) {
  struct db *db = fresh_migrated_db();
  struct node_oracle_ctx c;
  struct node_oracle_round_row r, r2;
  struct node_oracle_agg_row a;
  struct ob_err err;
  size_t due = 9;
  bool resumed = true;
  OB_REQUIRE(db);
  ctx_init(&c, db, NULL);
  OB_CHECK_EQ(node_oracle_round_open(&c, 7, &r, &resumed, &err), 0);
  OB_CHECK(!resumed);
  OB_CHECK_EQ(r.round, 8); /* after the chain's latest */
  OB_CHECK_EQ(r.attempt, 1);
  OB_CHECK_STR(r.state, "collect");
  /* open again: the same round, resumed */
  OB_CHECK_EQ(node_oracle_round_open(&c, 7, &r2, &resumed, &err), 0);
  OB_CHECK(resumed);
  OB_CHECK_EQ(r2.round, 8);
  /* a round where no feed is due ends nothing-due and its number is taken again */
  agg(&a, "ETH/USD", NULL, 50, 3600, 1000);
  OB_CHECK_EQ(node_oracle_aggregates_store(&c, &r, &a, 1, NULL, NULL, 0, &due, &err), 0);
  OB_CHECK_EQ(due, 0);
  OB_CHECK_EQ(q1(db, "SELECT count(*) FROM oracle_rounds WHERE state = 'nothing-due'"), 1);
  OB_CHECK_EQ(node_oracle_round_open(&c, 7, &r2, &resumed, &err), 0);
  OB_CHECK(!resumed);
  OB_CHECK_EQ(r2.round, 8);
  OB_CHECK_EQ(r2.attempt, 2);
  db_close(db);
}

/* Observations as the fetcher hands them over, with bytes PostgreSQL would refuse as text. */
OB_TEST(oracle_store_observations_with_errors_and_odd_bytes) {
  struct db *db = fresh_migrated_db();
  struct node_oracle_ctx c;
  struct node_oracle_round_row r;
  struct oracle_source src[3];
  struct oracle_feed f;
  struct oracle_obs o[3];
  struct node_oracle_obs_row *rows = NULL;
  struct ob_err err;
  size_t n = 0;
  bool resumed;
  char raw_bad[] = "\xff\xfe bad \"quoted\" \\ \x01 text";
  OB_REQUIRE(db);
  ctx_init(&c, db, NULL);
  memset(&f, 0, sizeof(f));
  memset(src, 0, sizeof(src));
  memset(o, 0, sizeof(o));
  f.name = "BTC/USD";
  src[0].name = "a", src[1].name = "b", src[2].name = "c";
  for (int i = 0; i < 3; i++) o[i].feed = &f, o[i].source = &src[i], o[i].at_ms = 1700000000123, o[i].latency_ms = 12;
  o[0].value = val("-42"), o[0].raw = "-42", o[0].http_status = 200;
  o[1].rc = OB_EPEER, o[1].error = "HTTP 500 from b", o[1].http_status = 500, o[1].raw = raw_bad;
  o[2].rc = OB_ETIMEDOUT, o[2].error = "timed out after 1000 ms";
  OB_REQUIRE(node_oracle_round_open(&c, 0, &r, &resumed, &err) == 0);
  OB_CHECK_EQ(node_oracle_obs_store(&c, &r, o, 3, &err), 0);
  OB_CHECK_EQ(node_oracle_obs_load(&c, &r, &rows, &n, &err), 0);
  OB_REQUIRE(n == 3);
  OB_CHECK(rows[0].has_value);
  OB_CHECK(chain_u256_cmp(&rows[0].value, &o[0].value) == 0);
  OB_CHECK(!rows[1].has_value);
  OB_CHECK_STR(rows[1].error, "HTTP 500 from b");
  OB_CHECK_EQ(rows[1].http_status, 500);
  OB_CHECK_STR(rows[1].raw, "?? bad \"quoted\" \\ ? text");
  OB_CHECK_STR(rows[2].error, "timed out after 1000 ms");
  OB_CHECK_EQ(rows[2].http_status, 0);
  OB_CHECK_EQ(rows[2].at_ms, 1700000000123);
  OB_CHECK_EQ(q1(db, "SELECT count(*) FROM oracle_rounds WHERE state = 'aggregate'"), 1);
  node_oracle_obs_rows_free(rows, n);
  /* storing again (a crashed collect rerun) replaces this attempt's rows */
  OB_CHECK_EQ(node_oracle_obs_store(&c, &r, o, 2, &err), 0);
  OB_CHECK_EQ(q1(db, "SELECT count(*) FROM oracle_observations"), 2);
  db_close(db);
}

/* One round: aggregates stored for the given values at time at, confirmed; returns the due list. */
static void round_with(struct db *db, struct node_oracle_ctx *c, const char *v1, const char *v2, uint64_t at, char *due_out,
                       size_t cap) {
  struct node_oracle_round_row r;
  struct node_oracle_agg_row a[2], *rows = NULL;
  struct ob_err err;
  size_t due = 0, n = 0;
  bool resumed;
  due_out[0] = 0;
  if (node_oracle_round_open(c, 0, &r, &resumed, &err)) return;
  agg(&a[0], "A", v1, 50, 3600, at); /* 0.5 % deviation */
  agg(&a[1], "B", v2, 0, 100, at);   /* heartbeat only */
  if (node_oracle_aggregates_store(c, &r, a, 2, NULL, NULL, 0, &due, &err)) {
    fprintf(stderr, "aggregates: %s\n", err.msg);
    return;
  }
  if (node_oracle_aggregates_load(c, r.round, &rows, &n, &err) == 0)
    for (size_t i = 0; i < n; i++)
      snprintf(due_out + strlen(due_out), cap - strlen(due_out), "%s%s=%s", i ? "," : "", rows[i].feed,
               rows[i].due[0] ? rows[i].due : "-");
  ob_free(rows);
  if (due) {
    OB_CHECK_EQ(node_oracle_round_confirm(db, c, r.round, &err), 0);
    /* the commit pipeline's rounds row would make the next number; stand in for it */
    (void)db_exec(db, NULL, 0,
                  "INSERT INTO rounds (chain_id, registry, round, step, root, feeds, batch) SELECT 31337, '" REG
                  "', max(round), 'confirmed', '0x' || repeat('1', 64), 1, '\\x00' FROM oracle_rounds",
                  0, NULL, &err);
  }
}

OB_TEST(oracle_store_triggers_first_deviation_heartbeat) {
  struct db *db = fresh_migrated_db();
  struct node_oracle_ctx c;
  struct node_oracle_last l;
  struct ob_err err;
  char due[128];
  bool found = false;
  OB_REQUIRE(db);
  ctx_init(&c, db, NULL);
  round_with(db, &c, "10000", "5", 1000, due, sizeof(due));
  OB_CHECK_STR(due, "A=first,B=first");
  OB_CHECK_EQ(node_oracle_last_get(&c, "A", &l, &found, &err), 0);
  OB_CHECK(found);
  OB_CHECK(chain_u256_cmp(&l.value, &(struct chain_u256){0}) != 0);
  /* 0.49 % move, within the heartbeat: nothing due */
  round_with(db, &c, "10049", "6", 1050, due, sizeof(due));
  OB_CHECK_STR(due, "A=-,B=-");
  OB_CHECK_EQ(q1(db, "SELECT count(*) FROM oracle_rounds WHERE state = 'nothing-due'"), 1);
  /* exactly 0.5 %: due (>=); B's heartbeat (100 s) is due at 1100 */
  round_with(db, &c, "9950", "6", 1100, due, sizeof(due));
  OB_CHECK_STR(due, "A=deviation,B=heartbeat");
  /* the reference moved to the committed 9950: 10000 is +0.5025 % */
  round_with(db, &c, "10000", "6", 1101, due, sizeof(due));
  OB_CHECK_STR(due, "A=deviation,B=-");
  OB_CHECK_EQ(q1(db, "SELECT value FROM oracle_feed_last WHERE feed = 'A'"), 10000);
  OB_CHECK_EQ(q1(db, "SELECT observed_at FROM oracle_feed_last WHERE feed = 'B'"), 1100);
  db_close(db);
}

OB_TEST(oracle_store_fences_refuse_writes) {
  struct db *db = fresh_migrated_db();
  struct node_oracle_ctx c;
  struct node_oracle_round_row r;
  struct node_fence lockf = {0, "oracle-round:test"}, leasef = {0, NULL};
  struct node_lease la;
  struct ob_err err;
  bool resumed;
  OB_REQUIRE(db);
  /* the advisory lock: refused without it, accepted with it */
  ctx_init(&c, db, &lockf);
  ob_err_clear(&err);
  OB_CHECK_EQ(node_oracle_round_open(&c, 0, &r, &resumed, &err), OB_ESTATE);
  OB_CHECK_CONTAINS(err.msg, "advisory lock 'oracle-round:test' is not held by this session");
  OB_CHECK_EQ(q1(db, "SELECT count(*) FROM oracle_rounds"), 0);
  OB_REQUIRE(db_advisory_lock(db, "oracle-round:test", true, &err) == 0);
  OB_CHECK_EQ(node_oracle_round_open(&c, 0, &r, &resumed, &err), 0);
  OB_CHECK_EQ(q1(db, "SELECT fence_token FROM oracle_rounds"), 0);
  OB_REQUIRE(db_advisory_unlock(db, "oracle-round:test", &err) == 0);
  OB_CHECK_EQ(node_oracle_round_fail(&c, r.round, "x", &err), OB_ESTATE);
  /* the lease: the current token writes, a stale one does not */
  OB_REQUIRE(node_lease_acquire(db, NODE_LEASE_ROUNDS, "node-a", 100, &la, &err) == 0 && la.held);
  leasef.token = la.token;
  ctx_init(&c, db, &leasef);
  OB_CHECK_EQ(node_oracle_round_fail(&c, r.round, "first", &err), 0);
  ob_sleep_ms(150);
  OB_REQUIRE(node_lease_acquire(db, NODE_LEASE_ROUNDS, "node-b", 5000, &la, &err) == 0 && la.held);
  ob_err_clear(&err);
  OB_CHECK_EQ(node_oracle_round_fail(&c, r.round, "second", &err), OB_ESTATE);
  OB_CHECK_CONTAINS(err.msg, "is stale");
  OB_CHECK_EQ(q1(db, "SELECT count(*) FROM oracle_rounds WHERE error = 'first'"), 1);
  db_close(db);
}

OB_TEST(oracle_store_retention_deletes_old_rows_in_batches) {
  struct db *db = fresh_migrated_db();
  struct ob_err err;
  uint64_t deleted = 0;
  OB_REQUIRE(db);
  OB_REQUIRE(db_exec(db, NULL, 0,
                     "INSERT INTO oracle_observations (chain_id, registry, round, attempt, feed, source, value, at_ms, "
                     "observed_at) SELECT 1, '" REG "', g, 1, 'A', 's', 1, 0, now() - make_interval(days => 40) "
                     "FROM generate_series(1, 2500) g",
                     0, NULL, &err) == 0);
  OB_REQUIRE(db_exec(db, NULL, 0,
                     "INSERT INTO oracle_observations (chain_id, registry, round, attempt, feed, source, value, at_ms) "
                     "SELECT 1, '" REG "', g, 1, 'A', 's', 1, 0 FROM generate_series(3000, 3009) g",
                     0, NULL, &err) == 0);
  /* at most 2 statements of 1000: 2000 of the 2500 old rows go */
  OB_CHECK_EQ(node_oracle_retention(db, 30, 1000, 2, &deleted, &err), 0);
  OB_CHECK_EQ(deleted, 2000);
  OB_CHECK_EQ(node_oracle_retention(db, 30, 1000, 100, &deleted, &err), 0);
  OB_CHECK_EQ(deleted, 500);
  OB_CHECK_EQ(q1(db, "SELECT count(*) FROM oracle_observations"), 10);
  db_close(db);
}
