/* obridge tenant add|token|ls|revoke: the pinning service's tenants and their bearer tokens
 * (node/pinsvc.h). The tenant 'operator' exists from the start: it owns the local CLI's pins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_db.h"
#include "ob/core/alloc.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/pinsvc.h"

/* --quota-pins / --quota-bytes: a non-negative integer, or absent (-1: no limit). */
static int quota(struct cli_opt *opts, const char *name, int64_t *out, struct ob_err *err) {
  struct cli_opt *o = cli_opt(opts, name);
  uint64_t v = 0;
  char what[32];
  *out = -1;
  if (!o->set) return 0;
  snprintf(what, sizeof(what), "--%s", name);
  if (ob_parse_u64(&v, o->value, what, err) != 0 || v > (uint64_t)INT64_MAX)
    return ob_err_set(err, OB_EUSAGE, "%s: expected a non-negative integer, got '%.40s'", what, o->value);
  *out = (int64_t)v;
  return 0;
}

static int run_add(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"quota-pins", CLI_VALUE, "N", "at most N live pin requests (default: no limit)"},
                           {"quota-bytes", CLI_VALUE, "B", "at most B bytes of pinned content (default: no limit)"},
                           {"json", CLI_FLAG, NULL, "print {\"tenant\",\"quota_pins\",\"quota_bytes\"}"},
                           {0}};
  char **pos = NULL;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  int64_t qp, qb;
  struct ob_err err;
  struct db *db = NULL;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "tenant add: give one NAME\nusage: obridge %s", self->usage);
  if (!pinsvc_tenant_name_valid(pos[0]))
    return cli_failf(OB_EINVAL, "tenant name '%.80s': 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit", pos[0]);
  if ((rc = quota(opts, "quota-pins", &qp, &err)) || (rc = quota(opts, "quota-bytes", &qb, &err))) return cli_fail(rc, &err);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = pinsvc_tenant_add(db, pos[0], qp, qb, &err);
  db_close(db);
  if (rc) return cli_fail(rc, &err);
  if (cli_opt(opts, "json")->set)
    printf("{\"tenant\":\"%s\",\"quota_pins\":%lld,\"quota_bytes\":%lld}\n", pos[0], (long long)qp, (long long)qb);
  else
    printf("tenant %s added (pins: %s, bytes: %s); 'obridge tenant token %s' gives it a token\n", pos[0],
           qp < 0 ? "no limit" : cli_opt(opts, "quota-pins")->value, qb < 0 ? "no limit" : cli_opt(opts, "quota-bytes")->value,
           pos[0]);
  return 0;
}

static int run_token(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{0}};
  char **pos = NULL, token[64];
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  struct ob_err err;
  struct db *db = NULL;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "tenant token: give one NAME\nusage: obridge %s", self->usage);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = pinsvc_token_new(db, pos[0], token, &err);
  db_close(db);
  if (rc) return cli_fail(rc, &err);
  printf("# a new bearer token for tenant %s; it is shown once (only its SHA-256 is kept)\n%s\n", pos[0], token);
  memset(token, 0, sizeof(token));
  return fflush(stdout) == 0 ? 0 : CLI_EXIT_FAIL;
}

static int run_revoke(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print {\"tenant\",\"revoked\"}"}, {0}};
  char **pos = NULL;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  uint64_t n = 0;
  struct ob_err err;
  struct db *db = NULL;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "tenant revoke: give one NAME\nusage: obridge %s", self->usage);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = pinsvc_tenant_revoke(db, pos[0], &n, &err);
  db_close(db);
  if (rc) return cli_fail(rc, &err);
  if (cli_opt(opts, "json")->set) printf("{\"tenant\":\"%s\",\"revoked\":%llu}\n", pos[0], (unsigned long long)n);
  else printf("tenant %s: %llu token%s revoked (its pins stay)\n", pos[0], (unsigned long long)n, n == 1 ? "" : "s");
  return 0;
}

static void limit_text(char *out, size_t cap, int64_t v) {
  if (v < 0) snprintf(out, cap, "-");
  else snprintf(out, cap, "%lld", (long long)v);
}

static int run_ls(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print a JSON array"}, {0}};
  struct pinsvc_tenant *t = NULL;
  size_t n = 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  struct ob_err err;
  struct db *db = NULL;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = pinsvc_tenant_list(db, &t, &n, &err);
  db_close(db);
  if (rc) return cli_fail(rc, &err);
  if (cli_opt(opts, "json")->set) {
    struct cli_json cj;
    struct ob_jw *w = cli_json_begin(&cj);
    ob_jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
      ob_jw_obj_begin(w);
      ob_jw_key(w, "name");
      ob_jw_str(w, t[i].name);
      ob_jw_key(w, "quota_pins");
      if (t[i].quota_pins < 0) ob_jw_null(w);
      else ob_jw_i64(w, t[i].quota_pins);
      ob_jw_key(w, "quota_bytes");
      if (t[i].quota_bytes < 0) ob_jw_null(w);
      else ob_jw_i64(w, t[i].quota_bytes);
      ob_jw_key(w, "pins");
      ob_jw_i64(w, t[i].pins);
      ob_jw_key(w, "bytes");
      ob_jw_i64(w, t[i].bytes);
      ob_jw_key(w, "tokens");
      ob_jw_i64(w, t[i].tokens);
      ob_jw_key(w, "created");
      ob_jw_str(w, t[i].created);
      ob_jw_obj_end(w);
    }
    ob_jw_arr_end(w);
    exit_code = cli_json_end(&cj);
  } else {
    printf("%-24s %10s %10s %14s %14s %6s  %s\n", "NAME", "PINS", "QUOTA", "BYTES", "QUOTA_BYTES", "TOKENS", "CREATED");
    for (size_t i = 0; i < n; i++) {
      char qp[24], qb[24];
      limit_text(qp, sizeof(qp), t[i].quota_pins);
      limit_text(qb, sizeof(qb), t[i].quota_bytes);
      printf("%-24s %10lld %10s %14lld %14s %6lld  %s\n", t[i].name, (long long)t[i].pins, qp, (long long)t[i].bytes, qb,
             (long long)t[i].tokens, t[i].created);
    }
  }
  ob_free(t);
  return exit_code;
}

static const struct cli_cmd cmd_add = {
    .name = "add", .summary = "add a pinning service tenant, with optional quotas",
    .usage = "tenant add NAME [--quota-pins N] [--quota-bytes B] [--json]",
    .details = "NAME: 1 to 64 of A-Z a-z 0-9 . _ -. Over --quota-pins a POST /pins is refused with 403\n"
               "PIN_QUOTA_EXCEEDED; once its pinned content reaches --quota-bytes, with 403 BYTE_QUOTA_EXCEEDED.",
    .example = "obridge tenant add alice --quota-pins 10000 --quota-bytes 10737418240", .run = run_add};
static const struct cli_cmd cmd_token = {
    .name = "token", .summary = "issue a new bearer token for a tenant (printed once, as the last line)",
    .usage = "tenant token NAME",
    .details = "The token is printed once, on the last line of stdout; the database keeps only its SHA-256.\n"
               "A tenant may hold several tokens (one per device); 'tenant revoke' revokes them all.",
    .example = "obridge tenant token alice | tail -1 > alice.token", .run = run_token};
static const struct cli_cmd cmd_ls = {.name = "ls", .summary = "list tenants: live pins, pinned bytes, quotas, tokens",
                                      .usage = "tenant ls [--json]", .example = "obridge tenant ls --json", .run = run_ls};
static const struct cli_cmd cmd_revoke = {
    .name = "revoke", .summary = "revoke every token of a tenant (its requests then get 401; its pins stay)",
    .usage = "tenant revoke NAME [--json]", .example = "obridge tenant revoke alice", .run = run_revoke};
static const struct cli_cmd *const subs[] = {&cmd_add, &cmd_token, &cmd_ls, &cmd_revoke, NULL};

const struct cli_cmd cli_cmd_tenant = {.name = "tenant", .summary = "pinning service tenants and their bearer tokens",
                                       .usage = "tenant <add|token|ls|revoke> [options]",
                                       .example = "obridge tenant add alice", .subs = subs};
