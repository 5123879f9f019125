/* Tenants and their bearer tokens (tables pinsvc_tenants, pinsvc_tokens). A token is 32 random
 * bytes from getrandom(), written "obt_" + base64url; the database keeps its SHA-256 only, so a
 * stolen database (or a backup) holds no usable token. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/sha256.h"
#include "ob/db/db.h"
#include "ob/node/pinsvc.h"

bool pinsvc_tenant_name_valid(const char *name) {
  size_t n = strlen(name);
  if (n < 1 || n > 64) return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

void pinsvc_token_hash(char hex[65], const char *token) {
  uint8_t h[32];
  ob_sha256(h, token, strlen(token));
  ob_hex_encode(hex, h, sizeof(h));
  hex[64] = 0;
}

static int64_t num(const char *s) {
  long long v = -1;
  if (s) sscanf(s, "%lld", &v);
  return (int64_t)v;
}

int pinsvc_tenant_add(struct db *db, const char *name, int64_t quota_pins, int64_t quota_bytes, struct ob_err *err) {
  char qp[24], qb[24];
  const char *p[] = {name, quota_pins >= 0 ? qp : NULL, quota_bytes >= 0 ? qb : NULL};
  int rc;
  if (!pinsvc_tenant_name_valid(name))
    return ob_err_set(err, OB_EINVAL, "tenant name '%.80s': 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit", name);
  snprintf(qp, sizeof(qp), "%lld", (long long)quota_pins);
  snprintf(qb, sizeof(qb), "%lld", (long long)quota_bytes);
  rc = db_exec(db, NULL, 0, "INSERT INTO pinsvc_tenants (name, quota_pins, quota_bytes) VALUES ($1, $2::bigint, $3::bigint)",
               3, p, err);
  if (rc == OB_ECONFLICT) return ob_err_set(err, OB_ECONFLICT, "tenant '%s' exists already", name);
  return rc;
}

static int tenant_id(struct db *db, const char *name, char id[24], struct ob_err *err) {
  const char *p[] = {name};
  struct db_res *r = NULL;
  int rc = db_exec(db, &r, DB_RETRY, "SELECT id FROM pinsvc_tenants WHERE name = $1", 1, p, err);
  if (rc) return rc;
  if (db_res_rows(r) != 1) rc = ob_err_set(err, OB_ENOENT, "no tenant named '%.80s' (see obridge tenant ls)", name);
  else snprintf(id, 24, "%s", db_res_get(r, 0, 0));
  db_res_free(r);
  return rc;
}

static void base64url(char *out, const uint8_t *in, size_t n) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8) | in[i];
    bits += 8;
    while (bits >= 6) *out++ = a[(acc >> (bits -= 6)) & 63];
  }
  if (bits) *out++ = a[(acc << (6 - bits)) & 63];
  *out = 0;
}

int pinsvc_token_new(struct db *db, const char *tenant, char token[64], struct ob_err *err) {
  uint8_t raw[32];
  char id[24], hash[65], hint[12];
  const char *p[] = {id, hash, hint};
  size_t got = 0;
  int rc = tenant_id(db, tenant, id, err);
  if (rc) return rc;
  while (got < sizeof(raw)) {
    ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ob_err_set(err, OB_EIO, "getrandom: %s", strerror(errno));
    got += (size_t)n;
  }
  memcpy(token, "obt_", 4);
  base64url(token + 4, raw, sizeof(raw)); /* 43 characters */
  memset(raw, 0, sizeof(raw));
  pinsvc_token_hash(hash, token);
  snprintf(hint, sizeof(hint), "%.8s", token);
  rc = db_exec(db, NULL, 0, "INSERT INTO pinsvc_tokens (tenant_id, hash, hint) VALUES ($1::bigint, $2, $3)", 3, p, err);
  if (rc) memset(token, 0, 64);
  return rc;
}

int pinsvc_tenant_revoke(struct db *db, const char *tenant, uint64_t *n, struct ob_err *err) {
  char id[24];
  const char *p[] = {id};
  struct db_res *r = NULL;
  int rc = tenant_id(db, tenant, id, err);
  if (rc) return rc;
  rc = db_exec(db, &r, DB_RETRY,
               "UPDATE pinsvc_tokens SET revoked_at = now() WHERE tenant_id = $1::bigint AND revoked_at IS NULL", 1, p, err);
  if (!rc) *n = (uint64_t)num(db_res_cmd_tuples(r));
  db_res_free(r);
  return rc;
}

int pinsvc_tenant_list(struct db *db, struct pinsvc_tenant **out, size_t *n, struct ob_err *err) {
  static const char sql[] =
      "SELECT t.id, t.name, coalesce(t.quota_pins, -1), coalesce(t.quota_bytes, -1),"
      " (SELECT count(*) FROM pinsvc_requests r WHERE r.tenant_id = t.id AND r.replaced_by IS NULL),"
      " (SELECT coalesce(sum(coalesce((p.meta->>'dag_size')::bigint, p.size, 0)), 0) FROM pinsvc_requests r"
      "   JOIN pins p USING (request_id) WHERE r.tenant_id = t.id AND p.status = 'pinned'),"
      " (SELECT count(*) FROM pinsvc_tokens k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL),"
      " to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
      " FROM pinsvc_tenants t ORDER BY t.name";
  struct db_res *r = NULL;
  int rc = db_exec(db, &r, DB_RETRY, sql, 0, NULL, err);
  *out = NULL;
  *n = 0;
  if (rc) return rc;
  if (db_res_rows(r) && !(*out = ob_calloc(db_res_rows(r), sizeof(**out)))) {
    db_res_free(r);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < db_res_rows(r); i++) {
    struct pinsvc_tenant *t = &(*out)[i];
    t->id = num(db_res_get(r, i, 0));
    snprintf(t->name, sizeof(t->name), "%s", db_res_get(r, i, 1));
    t->quota_pins = num(db_res_get(r, i, 2));
    t->quota_bytes = num(db_res_get(r, i, 3));
    t->pins = num(db_res_get(r, i, 4));
    t->bytes = num(db_res_get(r, i, 5));
    t->tokens = num(db_res_get(r, i, 6));
    snprintf(t->created, sizeof(t->created), "%s", db_res_get(r, i, 7));
  }
  *n = db_res_rows(r);
  db_res_free(r);
  return 0;
}
