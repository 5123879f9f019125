/* PostgreSQL access: one connection per struct db, parameterised queries only, one transaction
 * helper, reconnect after the server restarts, and the migrations runner.
 *
 * The one file that includes libpq is db/src/db.c. Parameters are text (NULL = SQL NULL); results
 * are read as text. Not thread-safe: one struct db per thread. */
#ifndef OB_DB_DB_H
#define OB_DB_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct ob_buf;
struct db;
struct db_res;

struct db_opts {
  const char *url;              /* postgresql://… (borrowed for db_open) */
  unsigned connect_timeout_s;   /* default 5 */
  const char *application_name; /* default "obridge" */
  unsigned statement_timeout_ms; /* 0 = server default */
  unsigned answer_timeout_ms;   /* 0 = wait as long as it takes; else a statement the server has not
                                 * answered within it (a server or network that went silent, where
                                 * the server's statement_timeout cannot help) drops the connection:
                                 * OB_EUNREACH, and the next statement reconnects */
};
void db_opts_init(struct db_opts *o);

/* Connect. Returns 0; OB_EUNREACH when the server cannot be reached or refuses (peer error, CLI
 * exit 3); OB_EINVAL for a malformed URL. The URL's password never appears in messages. */
int db_open(struct db **out, const struct db_opts *o, struct ob_err *err);
void db_close(struct db *db); /* NULL is a no-op */

enum db_flags {
  DB_RETRY = 1,   /* the statement is safe to repeat: after a lost connection, reconnect and retry once */
  DB_PREPARE = 2, /* a hot statement: prepared once per connection (sql's address names it, so sql must
                   * be a string that lives as long as db, a static one), then only executed; the
                   * server keeps its parse tree and may keep a plan. At most DB_PREPARED_MAX such
                   * statements per db; past that they run unprepared. */
  DB_LONG = 4,    /* waits on purpose (a blocking advisory lock, a migration): no answer timeout */
};
#define DB_PREPARED_MAX 16
/* Run one statement with text parameters ($1 … $n). res may be NULL when no rows are wanted.
 * Returns 0; OB_EUNREACH if the connection is lost (and could not be retried); OB_ECONFLICT for a
 * unique/serialization conflict (23505, 40001, 40P01); OB_EPEER for any other server error
 * (err->pg_sqlstate and the server's message).
 * Out: *res owned by the caller on success (free it with db_res_free); NULL on failure, so that
 *      db_res_free(res) is safe on every path. params are borrowed for the call. */
int db_exec(struct db *db, struct db_res **res, unsigned flags, const char *sql, int nparams,
            const char *const *params, struct ob_err *err);
/* The same with some parameters in binary: formats[i] 1 passes params[i] as lengths[i] raw bytes (a
 * bytea's binary form is its bytes: no hex encoding of a large document), 0 as text (lengths[i]
 * ignored). */
int db_exec_bin(struct db *db, struct db_res **res, unsigned flags, const char *sql, int nparams,
                const char *const *params, const int *lengths, const int *formats, struct ob_err *err);
/* A statement with no parameters, may hold several commands (migrations). */
int db_exec_script(struct db *db, const char *sql, struct ob_err *err);

/* Reading a result. Every string returned (values, column names, cmd_tuples) is owned by the
 * result and valid until db_res_free(r): copy what must outlive it. Values are PostgreSQL's text
 * form, NUL-terminated. Never allocate. */
size_t db_res_rows(const struct db_res *r);
const char *db_res_get(const struct db_res *r, size_t row, size_t col); /* NULL for SQL NULL */
const char *db_res_name(const struct db_res *r, size_t col);
void db_res_free(struct db_res *r);                                      /* NULL is a no-op */
const char *db_res_cmd_tuples(const struct db_res *r);                   /* rows affected, "" if n/a */

/* Run fn inside BEGIN … COMMIT. fn returns 0 to commit, anything else to roll back (and that is
 * returned). A serialization failure or deadlock retries the whole transaction (up to 5 times);
 * a connection lost before COMMIT reconnects and retries (nothing was committed); a connection
 * lost during COMMIT returns OB_EUNREACH ("commit outcome unknown"). */
int db_tx(struct db *db, int (*fn)(struct db *db, void *ud, struct ob_err *err), void *ud,
          struct ob_err *err);
bool db_in_tx(const struct db *db);

/* Server version as "15.18" (static per db). */
const char *db_server_version(struct db *db);

/* Session-level advisory locks (key from a name). try: returns 0 if taken, OB_ECONFLICT if held
 * elsewhere. */
int db_advisory_lock(struct db *db, const char *name, bool try_only, struct ob_err *err);
int db_advisory_unlock(struct db *db, const char *name, struct ob_err *err);

/* ---- migrations ---- */
struct db_migration {
  int version;      /* from the file name: 0001_init.sql -> 1 */
  char name[128];   /* file name */
  char sha256[65];  /* hex of the file's bytes */
  const char *sql;  /* borrowed */
  size_t len;
};
struct db_migration_set {
  struct db_migration *items; /* sorted by version */
  size_t n;
  char *storage;              /* owned texts when read from a directory */
};
/* The migrations built into the binary (migrations/ at build time). */
int db_migrations_builtin(struct db_migration_set *set, struct ob_err *err);
/* Read NNNN_name.sql files from dir. A gap in the numbers (they must run 1..N) or a duplicate
 * number is an error naming the files (OB_EINVAL). */
int db_migrations_from_dir(struct db_migration_set *set, const char *dir, struct ob_err *err);
void db_migrations_release(struct db_migration_set *set);

struct db_migration_status {
  int version;
  char name[128];
  bool applied;
  bool edited;           /* applied, but the file's sha256 differs from the recorded one */
  char applied_at[40];   /* "" if pending */
};
/* Apply every pending migration, each in its own transaction, under an advisory lock so two
 * runners never race. An applied migration whose file changed, or one recorded in the database
 * that the set does not have, is refused (OB_EINVAL) before anything runs. *applied = how many
 * ran (may be NULL). */
int db_migrate(struct db *db, const struct db_migration_set *set, int *applied, struct ob_err *err);
/* Status of every migration (set ∪ recorded). *out owned (ob_free). */
int db_migrate_status(struct db *db, const struct db_migration_set *set,
                      struct db_migration_status **out, size_t *n, struct ob_err *err);
#endif
