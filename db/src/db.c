/* The one file that includes libpq. */
#include "ob/db/db.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/log.h"
#include "ob/core/util.h"

struct db {
  PGconn *conn;
  char *conninfo_url;
  char redacted[512];
  unsigned connect_timeout_s;
  char *application_name;
  unsigned statement_timeout_ms;
  unsigned answer_timeout_ms; /* 0: none */
  bool in_tx;
  char version[32];
  /* DB_PREPARE: the statements prepared on this connection (named ob_pN after their slot); a
   * new connection (conn_gen) has none. */
  const char *prepared[DB_PREPARED_MAX];
  unsigned prepared_gen[DB_PREPARED_MAX];
  unsigned conn_gen;
  const int *bin_lengths, *bin_formats; /* db_exec_bin's, for the statement being run (else NULL) */
};

struct db_res {
  PGresult *r;
};

/* Server notices ("relation … already exists, skipping") are chatter: debug log, never stderr. */
static void notice_to_log(void *arg, const char *message) {
  OB_LOG(OB_LOG_DEBUG, "db", "server notice", "notice", message, NULL);
}

void db_opts_init(struct db_opts *o) {
  memset(o, 0, sizeof(*o));
  o->connect_timeout_s = 5;
  o->application_name = "obridge";
}

static int connect_now(struct db *db, struct ob_err *err) {
  char timeout[16], stmt[48];
  const char *keys[6], *vals[6];
  int n = 0;
  snprintf(timeout, sizeof(timeout), "%u", db->connect_timeout_s);
  keys[n] = "dbname"; vals[n++] = db->conninfo_url; /* expand_dbname: the URL itself */
  keys[n] = "connect_timeout"; vals[n++] = timeout;
  keys[n] = "application_name"; vals[n++] = db->application_name;
  if (db->statement_timeout_ms) {
    snprintf(stmt, sizeof(stmt), "-c statement_timeout=%u", db->statement_timeout_ms);
    keys[n] = "options"; vals[n++] = stmt;
  }
  keys[n] = NULL; vals[n] = NULL;
  if (db->conn) PQfinish(db->conn);
  db->conn = PQconnectdbParams(keys, vals, 1);
  db->conn_gen++;
  if (!db->conn) return ob_err_set(err, OB_ENOMEM, "out of memory");
  if (PQstatus(db->conn) != CONNECTION_OK) {
    const char *m = PQerrorMessage(db->conn);
    int code = strstr(m, "invalid") && strstr(m, "URI") ? OB_EINVAL : OB_EUNREACH;
    ob_err_set(err, code, "cannot connect to PostgreSQL at '%s': %.*s", db->redacted,
               (int)strcspn(m, "\n"), m);
    return code;
  }
  PQsetNoticeProcessor(db->conn, notice_to_log, NULL);
  /* Nonblocking: a statement is sent and its answer awaited with a deadline (await_result). */
  if (PQsetnonblocking(db->conn, 1) != 0) {
    ob_err_set(err, OB_EUNREACH, "PostgreSQL at '%s': cannot make the connection nonblocking", db->redacted);
    PQfinish(db->conn);
    db->conn = NULL;
    return OB_EUNREACH;
  }
  snprintf(db->version, sizeof(db->version), "%d.%d", PQserverVersion(db->conn) / 10000,
           PQserverVersion(db->conn) % 10000);
  db->in_tx = false;
  return 0;
}

int db_open(struct db **out, const struct db_opts *o, struct ob_err *err) {
  struct db *db;
  int rc;
  *out = NULL;
  if (!o->url || !*o->url) return ob_err_set(err, OB_EINVAL, "no database URL configured");
  db = ob_calloc(1, sizeof(*db));
  if (!db) return ob_err_set(err, OB_ENOMEM, "out of memory");
  db->conninfo_url = ob_strdup(o->url);
  db->application_name = ob_strdup(o->application_name ? o->application_name : "obridge");
  db->connect_timeout_s = o->connect_timeout_s ? o->connect_timeout_s : 5;
  db->statement_timeout_ms = o->statement_timeout_ms;
  db->answer_timeout_ms = o->answer_timeout_ms;
  ob_log_redact_url(db->redacted, sizeof(db->redacted), o->url);
  rc = connect_now(db, err);
  if (rc) {
    db_close(db);
    return rc;
  }
  *out = db;
  return 0;
}

void db_close(struct db *db) {
  if (!db) return;
  if (db->conn) PQfinish(db->conn);
  ob_free(db->conninfo_url);
  ob_free(db->application_name);
  ob_free(db);
}

/* Drop and re-establish the connection. */
static int reconnect(struct db *db, struct ob_err *err) {
  OB_LOG(OB_LOG_WARN, "db", "reconnecting", "url", db->redacted, NULL);
  return connect_now(db, err);
}

const char *db_server_version(struct db *db) { return db->version; }
bool db_in_tx(const struct db *db) { return db->in_tx; }

static bool conn_lost(struct db *db, const char *state) {
  /* 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now; 08xxx connection. */
  if (PQstatus(db->conn) == CONNECTION_BAD) return true;
  return state && (strncmp(state, "57P0", 4) == 0 || strncmp(state, "08", 2) == 0);
}

static int result_error(struct db *db, PGresult *r, struct ob_err *err) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn);
  int code;
  if (conn_lost(db, state)) code = OB_EUNREACH;
  else if (state && (!strcmp(state, "23505") || !strcmp(state, "40001") || !strcmp(state, "40P01")))
    code = OB_ECONFLICT;
  else code = OB_EPEER;
  if (err) {
    snprintf(err->pg_sqlstate, sizeof(err->pg_sqlstate), "%s", state ? state : "");
  }
  ob_err_set(err, code, "postgresql: %.*s", (int)strcspn(m && *m ? m : "connection lost", "\n"),
             m && *m ? m : "connection lost");
  if (err) snprintf(err->pg_sqlstate, sizeof(err->pg_sqlstate), "%s", state ? state : "");
  return code;
}

/* Waits until fd is ready for events or the deadline (monotonic ms; 0: none) passes. */
static bool wait_fd(int fd, short events, uint64_t deadline, bool *late) {
  for (;;) {
    struct pollfd p = {.fd = fd, .events = events};
    uint64_t now = ob_mono_ms();
    int ms = -1, n;
    if (deadline) {
      if (now >= deadline) return *late = true, false;
      ms = deadline - now > 60000 ? 60000 : (int)(deadline - now);
    }
    n = poll(&p, 1, ms);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

/* The answer to what was just sent (PQsend*): the rest of it flushed, then every result read, all
 * before the deadline. Returns the first error result, else the last one (as PQexec does); NULL when
 * the connection failed or the server did not answer in time (*late). */
static PGresult *await_result(struct db *db, unsigned flags, bool *late) {
  PGconn *c = db->conn;
  uint64_t deadline = (flags & DB_LONG) || !db->answer_timeout_ms ? 0 : ob_mono_ms() + db->answer_timeout_ms;
  PGresult *keep = NULL, *r;
  int fd = PQsocket(c), f;
  while ((f = PQflush(c)) == 1) /* the server may answer before it read everything: read too */
    if (!wait_fd(fd, POLLOUT | POLLIN, deadline, late) || !PQconsumeInput(c)) goto fail;
  if (f < 0) goto fail;
  for (;;) {
    while (PQisBusy(c))
      if (!wait_fd(fd, POLLIN, deadline, late) || !PQconsumeInput(c)) goto fail;
    if (!(r = PQgetResult(c))) break;
    ExecStatusType st = PQresultStatus(r);
    if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) PQclear(r);
    else PQclear(keep), keep = r;
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) break; /* (never sent here) */
  }
  return keep;
fail:
  PQclear(keep);
  return NULL;
}

/* A statement sent (ok) and awaited; a server that did not answer in time costs the connection (it is
 * mid-statement: nothing else can be sent on it), and the next statement reconnects. */
static PGresult *sent(struct db *db, int ok, unsigned flags, struct ob_err *err, bool *late) {
  PGresult *r = NULL;
  *late = false;
  if (ok) r = await_result(db, flags, late);
  if (*late) {
    PQfinish(db->conn); /* (in a transaction: db_tx sees the connection lost, nothing committed) */
    db->conn = NULL;
    ob_err_set(err, OB_EUNREACH, "PostgreSQL at '%s' did not answer within %u ms: the connection was dropped",
               db->redacted, db->answer_timeout_ms);
  }
  return r;
}

/* The name of sql's prepared statement on this connection, prepared now if it is not yet; NULL when
 * every slot holds another statement (then it runs unnamed). */
static const char *prepared_name(struct db *db, const char *sql, int nparams, char name[16], PGresult **fail,
                                 bool *late, struct ob_err *err) {
  size_t slot = DB_PREPARED_MAX;
  PGresult *r;
  for (size_t i = 0; i < DB_PREPARED_MAX; i++) {
    if (db->prepared[i] == sql) {
      slot = i;
      break;
    }
    if (!db->prepared[i] && slot == DB_PREPARED_MAX) slot = i;
  }
  if (slot == DB_PREPARED_MAX) return NULL;
  snprintf(name, 16, "ob_p%zu", slot);
  if (db->prepared[slot] == sql && db->prepared_gen[slot] == db->conn_gen) return name;
  r = sent(db, PQsendPrepare(db->conn, name, sql, nparams, NULL), 0, err, late);
  if (*late) return NULL;
  if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
    *fail = r;
    return NULL;
  }
  PQclear(r);
  db->prepared[slot] = sql;
  db->prepared_gen[slot] = db->conn_gen;
  return name;
}

static int exec_once(struct db *db, struct db_res **res, unsigned flags, const char *sql, int nparams,
                     const char *const *params, struct ob_err *err) {
  char name[16];
  const char *prep = NULL;
  PGresult *r = NULL;
  bool late = false;
  if (!db->conn) return ob_err_set(err, OB_EUNREACH, "PostgreSQL at '%s': not connected", db->redacted);
  if (nparams >= 0 && (flags & DB_PREPARE)) prep = prepared_name(db, sql, nparams, name, &r, &late, err);
  if (late) return OB_EUNREACH;
  if (!r) {
    int ok = prep ? PQsendQueryPrepared(db->conn, prep, nparams, params, db->bin_lengths, db->bin_formats, 0)
             : nparams >= 0 ? PQsendQueryParams(db->conn, sql, nparams, NULL, params, db->bin_lengths, db->bin_formats, 0)
                            : PQsendQuery(db->conn, sql);
    r = sent(db, ok, flags, err, &late);
    if (late) return OB_EUNREACH;
  }
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    int rc = result_error(db, r, err);
    PQclear(r);
    return rc;
  }
  if (res) {
    *res = ob_malloc(sizeof(**res));
    if (!*res) {
      PQclear(r);
      return ob_err_set(err, OB_ENOMEM, "out of memory");
    }
    (*res)->r = r;
  } else {
    PQclear(r);
  }
  return 0;
}

static int exec_retry(struct db *db, struct db_res **res, unsigned flags, const char *sql,
                      int nparams, const char *const *params, struct ob_err *err) {
  int rc;
  if (res) *res = NULL;
  if (PQstatus(db->conn) != CONNECTION_OK && !db->in_tx) {
    rc = reconnect(db, err);
    if (rc) return rc;
  }
  rc = exec_once(db, res, flags, sql, nparams, params, err);
  if (rc == OB_EUNREACH && !db->in_tx && (flags & DB_RETRY)) {
    /* The server went away (restart, failover): one reconnect, then the same statement again. */
    for (int attempt = 0; attempt < 20; attempt++) {
      rc = reconnect(db, err);
      if (rc == 0) break;
      ob_sleep_ms(250);
    }
    if (rc) return rc;
    rc = exec_once(db, res, flags, sql, nparams, params, err);
  }
  return rc;
}

int db_exec(struct db *db, struct db_res **res, unsigned flags, const char *sql, int nparams,
            const char *const *params, struct ob_err *err) {
  return exec_retry(db, res, flags, sql, nparams < 0 ? 0 : nparams, params, err);
}

int db_exec_bin(struct db *db, struct db_res **res, unsigned flags, const char *sql, int nparams,
                const char *const *params, const int *lengths, const int *formats, struct ob_err *err) {
  int rc;
  db->bin_lengths = lengths, db->bin_formats = formats;
  rc = exec_retry(db, res, flags, sql, nparams < 0 ? 0 : nparams, params, err);
  db->bin_lengths = db->bin_formats = NULL;
  return rc;
}

int db_exec_script(struct db *db, const char *sql, struct ob_err *err) {
  return exec_retry(db, NULL, DB_LONG, sql, -1, NULL, err);
}

size_t db_res_rows(const struct db_res *r) { return r ? (size_t)PQntuples(r->r) : 0; }
const char *db_res_get(const struct db_res *r, size_t row, size_t col) {
  if (!r || PQgetisnull(r->r, (int)row, (int)col)) return NULL;
  return PQgetvalue(r->r, (int)row, (int)col);
}
const char *db_res_name(const struct db_res *r, size_t col) { return PQfname(r->r, (int)col); }
const char *db_res_cmd_tuples(const struct db_res *r) { return r ? PQcmdTuples(r->r) : ""; }
void db_res_free(struct db_res *r) {
  if (!r) return;
  PQclear(r->r);
  ob_free(r);
}

int db_tx(struct db *db, int (*fn)(struct db *, void *, struct ob_err *), void *ud, struct ob_err *err) {
  int rc = 0;
  for (int attempt = 0; attempt < 5; attempt++) {
    rc = exec_retry(db, NULL, DB_RETRY, "BEGIN", 0, NULL, err);
    if (rc) return rc;
    db->in_tx = true;
    rc = fn(db, ud, err);
    if (rc) {
      bool lost = PQstatus(db->conn) != CONNECTION_OK;
      struct ob_err keep;
      if (err) keep = *err;
      if (!lost) exec_once(db, NULL, 0, "ROLLBACK", 0, NULL, NULL);
      db->in_tx = false;
      if (err) *err = keep;
      if (rc == OB_ECONFLICT && err && (!strcmp(err->pg_sqlstate, "40001") || !strcmp(err->pg_sqlstate, "40P01")))
        continue;
      if (rc == OB_EUNREACH && lost) {
        /* Nothing was committed: reconnect and run the transaction again. */
        if (reconnect(db, NULL) == 0) continue;
      }
      return rc;
    }
    rc = exec_once(db, NULL, 0, "COMMIT", 0, NULL, err);
    db->in_tx = false;
    if (rc == OB_EUNREACH)
      return ob_err_prefix(err, rc, "commit outcome unknown");
    if (rc == OB_ECONFLICT && err && (!strcmp(err->pg_sqlstate, "40001") || !strcmp(err->pg_sqlstate, "40P01")))
      continue;
    return rc;
  }
  return rc;
}

int db_advisory_lock(struct db *db, const char *name, bool try_only, struct ob_err *err) {
  const char *params[1] = {name};
  struct db_res *r;
  int rc = db_exec(db, &r, try_only ? 0 : DB_LONG,
                   try_only ? "SELECT pg_try_advisory_lock(hashtextextended($1, 0))"
                            : "SELECT pg_advisory_lock(hashtextextended($1, 0)), true",
                   1, params, err);
  if (rc) return rc;
  rc = (try_only && strcmp(db_res_get(r, 0, 0), "t") != 0)
           ? ob_err_set(err, OB_ECONFLICT, "lock '%s' is held by another process", name)
           : 0;
  db_res_free(r);
  return rc;
}

int db_advisory_unlock(struct db *db, const char *name, struct ob_err *err) {
  const char *params[1] = {name};
  return db_exec(db, NULL, 0, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", 1, params, err);
}
