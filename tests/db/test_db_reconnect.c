/* db/ against its own throwaway PostgreSQL: restarts, lost connections, timeouts. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob_test.h"

/* A private cluster, so restarting it disturbs no other test. Returns its URL. */
static const char *private_pg(void) {
  static char url[512];
  char *out = NULL, *err = NULL;
  int rc = ob_test_sh(&out, &err, "bash '%s' up '%s/peers' pg >/dev/null && . '%s/peers/env' && printf %%s \"$OBRIDGE_DATABASE_URL\"",
                      ob_test_src("scripts/peers.sh"), ob_test_tmpdir(), ob_test_tmpdir());
  if (rc != 0 || !out || !*out) {
    ob_test_fail(__FILE__, __LINE__, "cannot start PostgreSQL: %s", err ? err : "");
    free(out);
    free(err);
    return NULL;
  }
  snprintf(url, sizeof(url), "%s", out);
  free(out);
  free(err);
  return url;
}

static int pg(const char *verb) {
  return ob_test_sh(NULL, NULL, "bash '%s' %s '%s/peers' pg", ob_test_src("scripts/peers.sh"), verb, ob_test_tmpdir());
}

static void private_pg_down(void) {
  pg("down");
}

static int open_db(struct db **db, const char *url, struct ob_err *err) {
  struct db_opts o;
  db_opts_init(&o);
  o.url = url;
  o.connect_timeout_s = 3;
  o.application_name = "obridge-test";
  return db_open(db, &o, err);
}

static int insert_row(struct db *db, void *ud, struct ob_err *err) {
  const char *params[1] = {ud};
  return db_exec(db, NULL, 0, "INSERT INTO t (v) VALUES ($1)", 1, params, err);
}

OB_TEST(reconnects_after_server_restart) {
  struct db *db = NULL;
  struct db_res *r = NULL;
  struct ob_err err;
  const char *url = private_pg();
  OB_REQUIRE(url);
  OB_REQUIRE(open_db(&db, url, &err) == 0);
  OB_CHECK_EQ(db_exec(db, NULL, 0, "CREATE TABLE t (v text)", 0, NULL, &err), 0);
  OB_CHECK_EQ(pg("restart"), 0);
  /* A statement marked safe to repeat rides over the restart. */
  OB_CHECK_EQ(db_exec(db, &r, DB_RETRY, "SELECT 41 + 1", 0, NULL, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "42");
  db_res_free(r);
  OB_CHECK_EQ(pg("restart"), 0);
  /* A transaction started after the restart reconnects at BEGIN and commits once. */
  OB_CHECK_EQ(db_tx(db, insert_row, "x", &err), 0);
  OB_CHECK_EQ(pg("restart"), 0);
  /* Without DB_RETRY the loss is reported as a peer error (exit code 3)… */
  OB_CHECK_EQ(db_exec(db, NULL, 0, "INSERT INTO t (v) VALUES ('y')", 0, NULL, &err), OB_EUNREACH);
  OB_CHECK_EQ(ob_err_exit_code(err.code), 3);
  /* …and the next statement reconnects. */
  OB_CHECK_EQ(db_exec(db, &r, 0, "SELECT count(*) FROM t", 0, NULL, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "1");
  db_res_free(r);
  db_close(db);
  private_pg_down();
}

static const char prep_sql[] = "SELECT $1::int + 1";
static const char prep_bad[] = "SELECT 1 / $1::int";

/* DB_PREPARE: prepared once per connection, executed with each call's parameters; prepared again on
 * the connection that replaces a lost one; a failing one reports the server's error and the next
 * call works. */
OB_TEST(prepared_statements_survive_a_reconnect) {
  struct db *db = NULL;
  struct db_res *r = NULL;
  struct ob_err err;
  const char *one[] = {"1"}, *zero[] = {"0"}, *forty[] = {"40"};
  const char *url = private_pg();
  OB_REQUIRE(url);
  OB_REQUIRE(open_db(&db, url, &err) == 0);
  OB_CHECK_EQ(db_exec(db, &r, DB_PREPARE, prep_sql, 1, one, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "2");
  db_res_free(r);
  OB_CHECK_EQ(db_exec(db, &r, DB_PREPARE, prep_sql, 1, forty, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "41");
  db_res_free(r);
  OB_CHECK_EQ(db_exec(db, &r, 0, "SELECT count(*) FROM pg_prepared_statements", 0, NULL, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "1");
  db_res_free(r);
  OB_CHECK_EQ(pg("restart"), 0);
  OB_CHECK_EQ(db_exec(db, &r, DB_RETRY | DB_PREPARE, prep_sql, 1, one, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "2");
  db_res_free(r);
  OB_CHECK_EQ(db_exec(db, &r, DB_PREPARE, prep_bad, 1, zero, &err), OB_EPEER);
  OB_CHECK_CONTAINS(err.msg, "division by zero");
  OB_CHECK_EQ(db_exec(db, &r, DB_PREPARE, prep_bad, 1, one, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "1");
  db_res_free(r);
  db_close(db);
  private_pg_down();
}

OB_TEST(server_down_is_unreachable_not_bad_input) {
  struct db *db = NULL;
  struct ob_err err;
  const char *url = private_pg();
  OB_REQUIRE(url);
  OB_REQUIRE(open_db(&db, url, &err) == 0);
  OB_CHECK_EQ(pg("stop"), 0);
  OB_CHECK_EQ(db_exec(db, NULL, DB_RETRY, "SELECT 1", 0, NULL, &err), OB_EUNREACH);
  OB_CHECK_CONTAINS(err.msg, "cannot connect to PostgreSQL");
  OB_CHECK_EQ(pg("start"), 0);
  OB_CHECK_EQ(db_exec(db, NULL, DB_RETRY, "SELECT 1", 0, NULL, &err), 0);
  db_close(db);
  private_pg_down();
}

OB_TEST(serialization_failures_retry_the_transaction) {
  struct db *a = NULL;
  struct ob_err err;
  struct db_res *r = NULL;
  const char *url = ob_test_fresh_db();
  OB_REQUIRE(url);
  OB_REQUIRE(open_db(&a, url, &err) == 0);
  OB_CHECK_EQ(db_exec(a, NULL, 0, "CREATE TABLE t (v text UNIQUE)", 0, NULL, &err), 0);
  OB_CHECK_EQ(db_tx(a, insert_row, "one", &err), 0);
  /* A unique violation is a conflict, rolled back, not retried. */
  OB_CHECK_EQ(db_tx(a, insert_row, "one", &err), OB_ECONFLICT);
  OB_CHECK_STR(err.pg_sqlstate, "23505");
  OB_CHECK_EQ(db_exec(a, &r, 0, "SELECT count(*) FROM t", 0, NULL, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "1");
  OB_CHECK(!db_in_tx(a));
  db_res_free(r);
  db_close(a);
}

OB_TEST(connect_timeout_against_silent_server) {
  struct db *db = NULL;
  struct ob_err err;
  char *out = NULL;
  char url[128];
  uint64_t t0;
  int port;
  /* A listener that accepts and never speaks. */
  OB_REQUIRE(ob_test_sh(&out, NULL,
                        "python3 -c 'import socket,sys,time,os\n"
                        "s=socket.socket(); s.bind((\"127.0.0.1\",0)); s.listen(8)\n"
                        "print(s.getsockname()[1]); sys.stdout.flush()\n"
                        "if os.fork(): os._exit(0)\n"
                        "os.setsid(); sys.stdout.close(); os.close(1)\n"
                        "end=time.time()+15\n"
                        "conns=[]\n"
                        "s.settimeout(1)\n"
                        "while time.time()<end:\n"
                        "  try: conns.append(s.accept())\n"
                        "  except Exception: pass\n'") == 0);
  port = (int)strtol(out, NULL, 10);
  free(out);
  OB_REQUIRE(port > 0);
  snprintf(url, sizeof(url), "postgresql://x@127.0.0.1:%d/x", port);
  t0 = ob_mono_ms();
  {
    struct db_opts o;
    db_opts_init(&o);
    o.url = url;
    o.connect_timeout_s = 2;
    OB_CHECK_EQ(db_open(&db, &o, &err), OB_EUNREACH);
  }
  OB_CHECK_MSG(ob_mono_ms() - t0 < 6000, "connect took %llu ms with a 2 s timeout",
               (unsigned long long)(ob_mono_ms() - t0));
  OB_CHECK_CONTAINS(err.msg, "cannot connect to PostgreSQL at 'postgresql://x@127.0.0.1:");
}

/* In a transaction: the first time, freeze this connection's backend, then insert. */
struct freeze_tx {
  int calls;
  char frozen[32];
};
static int freeze_then_insert(struct db *db, void *ud, struct ob_err *err) {
  struct freeze_tx *f = ud;
  struct db_res *r = NULL;
  int rc;
  if (f->calls++ == 0) {
    if ((rc = db_exec(db, &r, 0, "SELECT pg_backend_pid()", 0, NULL, err))) return rc;
    snprintf(f->frozen, sizeof(f->frozen), "%s", db_res_get(r, 0, 0));
    db_res_free(r);
    if (ob_test_sh(NULL, NULL, "kill -STOP %s", f->frozen) != 0) return ob_err_set(err, OB_EIO, "kill -STOP failed");
  }
  return insert_row(db, "once", err);
}

/* A server that stops answering without closing the connection (its backend frozen with SIGSTOP):
 * the statement ends after answer_timeout_ms with OB_EUNREACH, the connection is dropped, and the
 * next statement runs on a new one. A wait that is long on purpose (a blocking advisory lock, DB_LONG)
 * outlasts the timeout. */
OB_TEST(silent_server_dropped_after_answer_timeout) {
  struct db *db = NULL;
  struct db_res *r = NULL;
  struct ob_err err;
  struct db_opts o;
  char pid[32], pid2[32]; /* (pid2: the backend after the reconnect) */
  uint64_t t0, ms;
  const char *url = private_pg();
  OB_REQUIRE(url);
  db_opts_init(&o);
  o.url = url;
  o.connect_timeout_s = 3;
  o.answer_timeout_ms = 1000;
  OB_REQUIRE(db_open(&db, &o, &err) == 0);
  OB_REQUIRE(db_exec(db, &r, 0, "SELECT pg_backend_pid()", 0, NULL, &err) == 0);
  snprintf(pid, sizeof(pid), "%s", db_res_get(r, 0, 0));
  db_res_free(r);
  OB_REQUIRE(ob_test_sh(NULL, NULL, "kill -STOP %s", pid) == 0);
  t0 = ob_mono_ms();
  OB_CHECK_EQ(db_exec(db, NULL, 0, "SELECT 1", 0, NULL, &err), OB_EUNREACH);
  ms = ob_mono_ms() - t0;
  ob_test_sh(NULL, NULL, "kill -CONT %s", pid);
  OB_CHECK_MSG(ms >= 900 && ms < 5000, "the unanswered statement ended after %llu ms (timeout 1000)", (unsigned long long)ms);
  OB_CHECK_CONTAINS(err.msg, "did not answer within 1000 ms");
  OB_CHECK_EQ(ob_err_exit_code(err.code), 3);
  /* the next statement reconnects: another backend */
  OB_CHECK_EQ(db_exec(db, &r, 0, "SELECT pg_backend_pid()", 0, NULL, &err), 0);
  snprintf(pid2, sizeof(pid2), "%s", db_res_get(r, 0, 0) ? db_res_get(r, 0, 0) : "");
  db_res_free(r);
  OB_CHECK(strcmp(pid, pid2) != 0);
  /* a transaction whose backend freezes after BEGIN: that attempt is lost (never committed), the
   * transaction runs again on a new connection, once */
  OB_CHECK_EQ(db_exec(db, NULL, 0, "CREATE TABLE t (v text)", 0, NULL, &err), 0);
  {
    struct freeze_tx f = {0, {0}};
    OB_CHECK_EQ(db_tx(db, freeze_then_insert, &f, &err), 0);
    ob_test_sh(NULL, NULL, "kill -CONT %s", f.frozen);
    OB_CHECK_EQ(f.calls, 2);
  }
  OB_CHECK(!db_in_tx(db));
  OB_CHECK_EQ(db_exec(db, &r, DB_RETRY, "SELECT count(*) FROM t", 0, NULL, &err), 0);
  OB_CHECK_STR(db_res_get(r, 0, 0), "1");
  db_res_free(r);
  /* another session holds an advisory lock for 2.5 s: the blocking lock outlasts the 1 s timeout */
  OB_REQUIRE(ob_test_sh(NULL, NULL,
                        "(psql -XAtq '%s' -c \"SELECT pg_advisory_lock(hashtextextended('held', 0))\" -c 'SELECT pg_sleep(2.5)' "
                        ">/dev/null 2>&1 &)",
                        url) == 0);
  for (int i = 0; i < 100; i++) {
    bool held = false;
    if (db_exec(db, &r, 0, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted", 0, NULL, &err) == 0)
      held = strcmp(db_res_get(r, 0, 0), "0") != 0;
    db_res_free(r);
    if (held) break;
    ob_sleep_ms(50);
  }
  t0 = ob_mono_ms();
  OB_CHECK_EQ(db_advisory_lock(db, "held", false, &err), 0);
  ms = ob_mono_ms() - t0;
  OB_CHECK_MSG(ms >= 1000, "the lock was granted after %llu ms: the other session did not hold it", (unsigned long long)ms);
  OB_CHECK_EQ(db_advisory_unlock(db, "held", &err), 0);
  db_close(db);
  private_pg_down();
}
