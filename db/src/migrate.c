/* Migrations: numbered SQL files, each applied once in its own transaction, recorded with its
 * sha256, under an advisory lock. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/log.h"
#include "ob/core/sha256.h"
#include "ob/core/util.h"
#include "ob/db/db.h"

struct ob_embedded_file {
  const char *name;
  const char *data;
  size_t len;
};
extern const struct ob_embedded_file ob_builtin_migrations[];

#define MIGRATE_LOCK "obridge:migrate"
#define MIGRATION_MAX_BYTES ((size_t)4 << 20)

/* "0001_init.sql" -> 1; -1 if the name is not NNNN_name.sql. */
static int version_of(const char *name) {
  int v = 0;
  size_t n = strlen(name);
  if (n < 10 || !ob_str_ends(name, ".sql") || name[4] != '_') return -1;
  for (int i = 0; i < 4; i++) {
    if (name[i] < '0' || name[i] > '9') return -1;
    v = v * 10 + (name[i] - '0');
  }
  for (size_t i = 5; i < n - 4; i++)
    if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
      return -1;
  return v;
}

static int cmp_mig(const void *a, const void *b) {
  const struct db_migration *x = a, *y = b;
  if (x->version != y->version) return x->version < y->version ? -1 : 1;
  return strcmp(x->name, y->name);
}

static int add(struct db_migration_set *set, const char *name, const char *sql, size_t len,
               struct ob_err *err) {
  struct db_migration *m;
  uint8_t h[32];
  int v = version_of(name);
  if (v <= 0) return ob_err_set(err, OB_EINVAL, "migration '%s': name must be NNNN_name.sql with NNNN from 0001", name);
  m = ob_realloc(set->items, (set->n + 1) * sizeof(*m));
  if (!m) return ob_err_set(err, OB_ENOMEM, "out of memory");
  set->items = m;
  m = &set->items[set->n++];
  memset(m, 0, sizeof(*m));
  m->version = v;
  snprintf(m->name, sizeof(m->name), "%s", name);
  ob_sha256(h, sql, len);
  ob_hex_encode(m->sha256, h, 32);
  m->sql = sql;
  m->len = len;
  return 0;
}

/* Versions must be exactly 1..N: a gap or a duplicate means a file is missing or misnamed. */
static int check_sequence(struct db_migration_set *set, const char *where, struct ob_err *err) {
  qsort(set->items, set->n, sizeof(*set->items), cmp_mig);
  for (size_t i = 0; i < set->n; i++) {
    if (i > 0 && set->items[i].version == set->items[i - 1].version)
      return ob_err_set(err, OB_EINVAL, "%s: duplicate migration number %04d ('%s' and '%s')", where,
                        set->items[i].version, set->items[i - 1].name, set->items[i].name);
    if (set->items[i].version != (int)i + 1)
      return ob_err_set(err, OB_EINVAL, "%s: gap in migration numbers: %04d is missing (next is '%s')",
                        where, (int)i + 1, set->items[i].name);
  }
  return 0;
}

void db_migrations_release(struct db_migration_set *set) {
  for (size_t i = 0; set->storage && i < set->n; i++) ob_free((char *)set->items[i].sql);
  ob_free(set->items);
  memset(set, 0, sizeof(*set));
}

int db_migrations_builtin(struct db_migration_set *set, struct ob_err *err) {
  int rc = 0;
  memset(set, 0, sizeof(*set));
  for (const struct ob_embedded_file *f = ob_builtin_migrations; f->name && !rc; f++)
    rc = add(set, f->name, f->data, f->len, err);
  if (!rc) rc = check_sequence(set, "built-in migrations", err);
  if (rc) db_migrations_release(set);
  return rc;
}

int db_migrations_from_dir(struct db_migration_set *set, const char *dir, struct ob_err *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = 0;
  memset(set, 0, sizeof(*set));
  if (!d) return ob_err_set(err, OB_ENOENT, "cannot open migrations directory '%s'", dir);
  set->storage = (char *)set; /* marks: texts are owned */
  while (!rc && (e = readdir(d))) {
    char path[4096];
    struct ob_buf b;
    if (!ob_str_ends(e->d_name, ".sql")) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    ob_buf_init(&b, MIGRATION_MAX_BYTES + 1);
    rc = ob_file_read(path, &b, MIGRATION_MAX_BYTES, err);
    if (!rc) {
      size_t len;
      char *text = ob_buf_detach(&b, &len);
      rc = text ? add(set, e->d_name, text, len, err) : ob_err_set(err, OB_ENOMEM, "out of memory");
      if (rc) ob_free(text);
    }
    ob_buf_release(&b);
  }
  closedir(d);
  if (!rc && set->n == 0) rc = ob_err_set(err, OB_EINVAL, "no NNNN_name.sql files in '%s'", dir);
  if (!rc) rc = check_sequence(set, dir, err);
  if (rc) db_migrations_release(set);
  return rc;
}

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " sha256 text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static int recorded(struct db *db, struct db_res **res, struct ob_err *err) {
  int rc = db_exec(db, NULL, DB_RETRY, create_table, 0, NULL, err);
  if (rc) return rc;
  return db_exec(db, res, DB_RETRY,
                 "SELECT version, name, sha256, to_char(applied_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations ORDER BY version",
                 0, NULL, err);
}

static const struct db_migration *find(const struct db_migration_set *set, int version) {
  for (size_t i = 0; i < set->n; i++)
    if (set->items[i].version == version) return &set->items[i];
  return NULL;
}

/* Refuse to run when the database and the files disagree about what was applied. */
static int check_applied(const struct db_migration_set *set, struct db_res *r, struct ob_err *err) {
  for (size_t i = 0; i < db_res_rows(r); i++) {
    int v = (int)strtol(db_res_get(r, i, 0), NULL, 10);
    const struct db_migration *m = find(set, v);
    if (!m)
      return ob_err_set(err, OB_EINVAL,
                        "the database has migration %04d ('%s') that these files do not: "
                        "is this obridge older than the database?", v, db_res_get(r, i, 1));
    if (strcmp(m->sha256, db_res_get(r, i, 2)) != 0)
      return ob_err_set(err, OB_EINVAL,
                        "migration '%s' was edited after it was applied (sha256 %.12s…, recorded %.12s…): "
                        "add a new migration instead", m->name, m->sha256, db_res_get(r, i, 2));
  }
  return 0;
}

struct apply_ctx {
  const struct db_migration *m;
};

static int apply_one(struct db *db, void *ud, struct ob_err *err) {
  const struct db_migration *m = ((struct apply_ctx *)ud)->m;
  char version[16];
  const char *params[3] = {version, m->name, m->sha256};
  int rc;
  /* The file may not be NUL-terminated where it came from: run a copy. */
  char *sql = ob_strndup(m->sql, m->len);
  if (!sql) return ob_err_set(err, OB_ENOMEM, "out of memory");
  rc = db_exec_script(db, sql, err);
  ob_free(sql);
  if (rc) return ob_err_prefix(err, rc, "migration '%s' failed", m->name);
  snprintf(version, sizeof(version), "%d", m->version);
  return db_exec(db, NULL, 0, "INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
                 3, params, err);
}

int db_migrate(struct db *db, const struct db_migration_set *set, int *applied, struct ob_err *err) {
  struct db_res *r = NULL;
  int rc, count = 0;
  if (applied) *applied = 0;
  rc = db_advisory_lock(db, MIGRATE_LOCK, false, err);
  if (rc) return rc;
  rc = recorded(db, &r, err);
  if (!rc) rc = check_applied(set, r, err);
  for (size_t i = 0; !rc && i < set->n; i++) {
    struct apply_ctx ctx = {&set->items[i]};
    bool done = false;
    for (size_t k = 0; k < db_res_rows(r); k++)
      if ((int)strtol(db_res_get(r, k, 0), NULL, 10) == set->items[i].version) done = true;
    if (done) continue;
    rc = db_tx(db, apply_one, &ctx, err);
    if (!rc) {
      count++;
      OB_LOG(OB_LOG_INFO, "db", "migration applied", "name", set->items[i].name, NULL);
    }
  }
  db_res_free(r);
  db_advisory_unlock(db, MIGRATE_LOCK, NULL);
  if (applied) *applied = count;
  return rc;
}

int db_migrate_status(struct db *db, const struct db_migration_set *set,
                      struct db_migration_status **out, size_t *n, struct ob_err *err) {
  struct db_res *r = NULL;
  struct db_migration_status *st;
  size_t cnt = 0;
  int rc = recorded(db, &r, err);
  if (rc) return rc;
  st = ob_calloc(set->n + db_res_rows(r) + 1, sizeof(*st));
  if (!st) {
    db_res_free(r);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < set->n; i++) {
    st[cnt].version = set->items[i].version;
    snprintf(st[cnt].name, sizeof(st[cnt].name), "%s", set->items[i].name);
    for (size_t k = 0; k < db_res_rows(r); k++)
      if ((int)strtol(db_res_get(r, k, 0), NULL, 10) == set->items[i].version) {
        st[cnt].applied = true;
        st[cnt].edited = strcmp(set->items[i].sha256, db_res_get(r, k, 2)) != 0;
        snprintf(st[cnt].applied_at, sizeof(st[cnt].applied_at), "%s", db_res_get(r, k, 3));
      }
    cnt++;
  }
  for (size_t k = 0; k < db_res_rows(r); k++) {
    int v = (int)strtol(db_res_get(r, k, 0), NULL, 10);
    if (find(set, v)) continue;
    st[cnt].version = v;
    snprintf(st[cnt].name, sizeof(st[cnt].name), "%s", db_res_get(r, k, 1));
    st[cnt].applied = true;
    st[cnt].edited = true; /* unknown to these files */
    snprintf(st[cnt].applied_at, sizeof(st[cnt].applied_at), "%s", db_res_get(r, k, 3));
    cnt++;
  }
  db_res_free(r);
  *out = st;
  *n = cnt;
  return 0;
}
