/* The round leader's lease (node/lease.c, migrations/0008_lease.sql) against a real PostgreSQL:
 * one holder, takeovers increment the fencing token, a stale token's write is refused and rolled
 * back, the fence holds the lease row until the write commits, release hands over at once. */
#include <stdlib.h>
#include <unistd.h>

#include "node_helpers.h"
#include "ob/core/util.h"
#include "ob/node/lease.h"

struct pair {
  struct db *a, *b;
};

/* Two connections to one fresh, migrated database; b with a statement timeout of timeout_ms. */
static int open_pair(struct pair *p, unsigned timeout_ms) {
  struct db_opts o;
  struct ob_err err;
  struct db_migration_set set;
  char url[512];
  const char *u = ob_test_fresh_db();
  if (!u) return -1;
  snprintf(url, sizeof(url), "%s", u);
  db_opts_init(&o);
  o.url = url;
  if (db_open(&p->a, &o, &err)) return -1;
  o.statement_timeout_ms = timeout_ms;
  if (db_open(&p->b, &o, &err)) return -1;
  if (db_migrations_builtin(&set, &err)) return -1;
  if (db_migrate(p->a, &set, NULL, &err)) {
    fprintf(stderr, "migrate: %s\n", err.msg);
    db_migrations_release(&set);
    return -1;
  }
  db_migrations_release(&set);
  return 0;
}

static void close_pair(struct pair *p) {
  db_close(p->a);
  db_close(p->b);
}

OB_TEST(lease_one_holder_takeover_after_expiry_increments_the_token) {
  struct pair p;
  struct node_lease la, lb;
  struct ob_err err;
  OB_REQUIRE(open_pair(&p, 0) == 0);
  OB_CHECK_EQ(node_lease_get(p.a, NODE_LEASE_ROUNDS, &la, &err), 0);
  OB_CHECK_EQ(la.token, 0);
  OB_CHECK_EQ(la.expires_in_ms, -1);
  OB_CHECK_EQ(node_lease_acquire(p.a, NODE_LEASE_ROUNDS, "node-a", 400, &la, &err), 0);
  OB_CHECK(la.held);
  OB_CHECK_EQ(la.token, 1);
  OB_CHECK(la.expires_in_ms > 300 && la.expires_in_ms <= 400);
  OB_CHECK_EQ(node_lease_acquire(p.b, NODE_LEASE_ROUNDS, "node-b", 400, &lb, &err), 0);
  OB_CHECK(!lb.held);
  OB_CHECK_STR(lb.holder, "node-a");
  OB_CHECK_EQ(lb.token, 1);
  /* a renewal keeps the token */
  OB_CHECK_EQ(node_lease_acquire(p.a, NODE_LEASE_ROUNDS, "node-a", 400, &la, &err), 0);
  OB_CHECK(la.held);
  OB_CHECK_EQ(la.token, 1);
  ob_sleep_ms(450);
  OB_CHECK_EQ(node_lease_acquire(p.b, NODE_LEASE_ROUNDS, "node-b", 400, &lb, &err), 0);
  OB_CHECK(lb.held);
  OB_CHECK_EQ(lb.token, 2);
  OB_CHECK_EQ(node_lease_acquire(p.a, NODE_LEASE_ROUNDS, "node-a", 400, &la, &err), 0);
  OB_CHECK(!la.held);
  OB_CHECK_STR(la.holder, "node-b");
  /* the same holder taking its own expired lease again is a takeover too */
  ob_sleep_ms(450);
  OB_CHECK_EQ(node_lease_acquire(p.b, NODE_LEASE_ROUNDS, "node-b", 400, &lb, &err), 0);
  OB_CHECK(lb.held);
  OB_CHECK_EQ(lb.token, 3);
  close_pair(&p);
}

struct write_ctx {
  uint64_t token;
  const char *key;
};

/* A round's write as the pipeline will do it: the fence first, in the same transaction. */
static int guarded_write(struct db *db, void *ud, struct ob_err *err) {
  struct write_ctx *w = ud;
  const char *prm[] = {w->key};
  int rc = node_lease_check(db, w->token, err);
  if (rc) return rc;
  return db_exec(db, NULL, 0, "INSERT INTO obridge_meta (key, value) VALUES ($1, 'written')", 1, prm, err);
}

static long long count_key(struct db *db, const char *key) {
  struct db_res *r = NULL;
  const char *prm[] = {key};
  long long n = -1;
  if (db_exec(db, &r, 0, "SELECT count(*) FROM obridge_meta WHERE key = $1", 1, prm, NULL) == 0)
    n = strtoll(db_res_get(r, 0, 0), NULL, 10);
  db_res_free(r);
  return n;
}

OB_TEST(lease_stale_leaders_write_is_refused_and_rolled_back) {
  struct pair p;
  struct node_lease la, lb;
  struct ob_err err;
  struct write_ctx w1 = {0, "round-a1"}, w2 = {0, "round-a2"}, w3 = {0, "round-b1"};
  int rc;
  OB_REQUIRE(open_pair(&p, 0) == 0);
  OB_REQUIRE(node_lease_acquire(p.a, NODE_LEASE_ROUNDS, "node-a", 200, &la, &err) == 0 && la.held);
  w1.token = w2.token = la.token;
  OB_CHECK_EQ(db_tx(p.a, guarded_write, &w1, &err), 0);
  OB_CHECK_EQ(count_key(p.a, "round-a1"), 1);
  ob_sleep_ms(250); /* a's lease expires (a paused leader) and b takes over */
  OB_REQUIRE(node_lease_acquire(p.b, NODE_LEASE_ROUNDS, "node-b", 5000, &lb, &err) == 0 && lb.held);
  OB_CHECK_EQ(lb.token, la.token + 1);
  ob_err_clear(&err);
  rc = db_tx(p.a, guarded_write, &w2, &err);
  OB_CHECK_EQ(rc, OB_ESTATE);
  OB_CHECK_CONTAINS(err.msg, "lease round-leader lost: token 1 is stale (current token 2, held by node-b)");
  OB_CHECK_EQ(count_key(p.a, "round-a2"), 0);
  /* outside any transaction too */
  OB_CHECK_EQ(node_lease_check(p.a, la.token, NULL), OB_ESTATE);
  w3.token = lb.token;
  OB_CHECK_EQ(db_tx(p.b, guarded_write, &w3, &err), 0);
  OB_CHECK_EQ(count_key(p.b, "round-b1"), 1);
  close_pair(&p);
}

OB_TEST(lease_fence_holds_the_row_until_the_write_commits) {
  struct pair p;
  struct node_lease la, lb;
  struct ob_err err;
  int rc;
  OB_REQUIRE(open_pair(&p, 300) == 0);
  OB_REQUIRE(node_lease_acquire(p.a, NODE_LEASE_ROUNDS, "node-a", 100, &la, &err) == 0 && la.held);
  ob_sleep_ms(150); /* expired: b may take it... */
  OB_REQUIRE(db_exec(p.a, NULL, 0, "BEGIN", 0, NULL, &err) == 0);
  OB_CHECK_EQ(node_lease_check(p.a, la.token, &err), 0); /* ...but a's write is under way */
  rc = node_lease_acquire(p.b, NODE_LEASE_ROUNDS, "node-b", 5000, &lb, &err);
  OB_CHECK_MSG(rc != 0, "the takeover did not wait for the open write (rc %d)", rc);
  OB_CHECK_CONTAINS(err.msg, "statement timeout");
  OB_REQUIRE(db_exec(p.a, NULL, 0, "COMMIT", 0, NULL, &err) == 0);
  OB_CHECK_EQ(node_lease_acquire(p.b, NODE_LEASE_ROUNDS, "node-b", 5000, &lb, &err), 0);
  OB_CHECK(lb.held);
  OB_CHECK_EQ(lb.token, la.token + 1);
  close_pair(&p);
}

OB_TEST(lease_release_hands_over_at_once_and_nodes_register) {
  struct pair p;
  struct node_lease la, lb;
  struct ob_err err;
  struct db_res *r = NULL;
  OB_REQUIRE(open_pair(&p, 0) == 0);
  OB_REQUIRE(node_lease_acquire(p.a, NODE_LEASE_ROUNDS, "node-a", 60000, &la, &err) == 0 && la.held);
  OB_CHECK_EQ(node_lease_release(p.a, NODE_LEASE_ROUNDS, "node-a", la.token + 5, &err), 0); /* wrong token: no-op */
  OB_CHECK_EQ(node_lease_acquire(p.b, NODE_LEASE_ROUNDS, "node-b", 60000, &lb, &err), 0);
  OB_CHECK(!lb.held);
  OB_CHECK_EQ(node_lease_release(p.a, NODE_LEASE_ROUNDS, "node-a", la.token, &err), 0);
  OB_CHECK_EQ(node_lease_acquire(p.b, NODE_LEASE_ROUNDS, "node-b", 60000, &lb, &err), 0);
  OB_CHECK(lb.held);
  OB_CHECK_EQ(lb.token, la.token + 1);
  OB_CHECK_EQ(node_register(p.a, "h:1:2", "h", 1, "0.1.0", "pin-worker,round-leader", &err), 0);
  OB_CHECK_EQ(node_register(p.a, "h:1:2", "h", 1, "0.1.0", "pin-worker", &err), 0);
  OB_REQUIRE(db_exec(p.a, &r, 0, "SELECT array_to_string(roles, ','), count(*) OVER () FROM obridge_nodes", 0, NULL, &err) == 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "pin-worker");
  OB_CHECK_STR(db_res_get(r, 0, 1), "1");
  db_res_free(r);
  OB_CHECK_EQ(node_unregister(p.a, "h:1:2", &err), 0);
  r = NULL;
  OB_REQUIRE(db_exec(p.a, &r, 0, "SELECT count(*) FROM obridge_nodes", 0, NULL, &err) == 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "0");
  db_res_free(r);
  close_pair(&p);
}
