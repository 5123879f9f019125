/* obridge chain status|call, and the chain check of `obridge doctor`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_chain.h"
#include "cli_doctor.h"
#include "config.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/json.h"
#include "ob/core/util.h"

int cli_chain_opts(struct chain_rpc_opts *o, const char ***urls_out, const struct ob_config *c) {
  const char **urls = ob_calloc(c->nendpoints ? c->nendpoints : 1, sizeof(*urls));
  if (!urls) return OB_ENOMEM;
  for (size_t i = 0; i < c->nendpoints; i++) urls[i] = c->endpoints[i].url;
  chain_rpc_opts_init(o);
  o->urls = urls;
  o->nurls = c->nendpoints;
  o->chain_id = c->chain_id;
  o->request_timeout_ms = c->request_timeout_s * 1000;
  o->keepalive_ms = c->keepalive_s * 1000;
  o->max_message = (size_t)c->max_message_mib << 20;
  o->max_lag_blocks = c->max_lag_blocks;
  o->ca_file = c->ca_file;
  *urls_out = urls;
  return 0;
}

static unsigned check_timeout_ms(const struct ob_config *c) {
  unsigned t = c->request_timeout_s * 1000;
  return t > 10000 ? 10000 : t;
}

/* ---- doctor ---- */

static int check_one(const char *url, const struct ob_config *c, char *line, size_t cap) {
  struct ob_buf id, head;
  struct ob_json *v = NULL;
  struct ob_err err;
  uint64_t chain_id = 0, block = 0, t0 = ob_mono_ms();
  int rc;
  ob_err_clear(&err);
  ob_buf_init(&id, 1 << 10);
  ob_buf_init(&head, 1 << 10);
  rc = chain_rpc_call_once_ca(url, c->ca_file, "eth_chainId", "[]", check_timeout_ms(c), &id, &err);
  if (!rc) rc = ob_json_parse(&v, id.buf, id.len, NULL, &err);
  if (!rc) rc = chain_json_quantity(v, &chain_id, "eth_chainId result", &err);
  ob_json_free(v);
  v = NULL;
  if (!rc && chain_id != c->chain_id) {
    const char *env = ob_config_env_source(c, "chain.chain_id");
    rc = ob_err_set(&err, OB_EMISMATCH, "reports chain id %llu, config chain.chain_id is %llu%s%s%s",
                    (unsigned long long)chain_id, (unsigned long long)c->chain_id, env ? " (from $" : "",
                    env ? env : "", env ? ")" : "");
  }
  if (!rc) rc = chain_rpc_call_once_ca(url, c->ca_file, "eth_blockNumber", "[]", check_timeout_ms(c), &head, &err);
  if (!rc) rc = ob_json_parse(&v, head.buf, head.len, NULL, &err);
  if (!rc) rc = chain_json_quantity(v, &block, "eth_blockNumber result", &err);
  ob_json_free(v);
  if (rc) snprintf(line, cap, "'%s': %s", url, ob_err_msg(&err, rc));
  else
    snprintf(line, cap, "'%s': chain id %llu, head block %llu (%llu ms)", url, (unsigned long long)chain_id,
             (unsigned long long)block, (unsigned long long)(ob_mono_ms() - t0));
  ob_buf_release(&id);
  ob_buf_release(&head);
  return rc;
}

int doctor_chain(const struct ob_config *c, struct doctor_result *r) {
  struct ob_buf all;
  int first_rc = 0;
  size_t ok = 0;
  ob_buf_init(&all, sizeof(r->detail) - 1);
  for (size_t i = 0; i < c->nendpoints; i++) {
    char line[400];
    int rc = check_one(c->endpoints[i].url, c, line, sizeof(line));
    /* A wrong chain id is a configuration error: it wins over an unreachable endpoint. */
    if (rc && (!first_rc || rc == OB_EMISMATCH)) first_rc = rc;
    if (!rc) ok++;
    if (all.len + strlen(line) + 2 < all.max) ob_buf_addf(&all, "%s%s", i ? "; " : "", line);
  }
  /* One reachable endpoint on the right chain is enough to work; a bad one is still reported. */
  doctor_set(r, first_rc, "%s", all.buf);
  if (first_rc == OB_EMISMATCH)
    doctor_fix(r, "point chain.endpoints at the chain of chain.chain_id (or fix chain.chain_id)");
  else if (first_rc)
    doctor_fix(r, "start the chain node or fix chain.endpoints / $OBRIDGE_RPC_URL");
  ob_buf_release(&all);
  (void)ok;
  return 0;
}

/* ---- chain status ---- */

static void status_json(struct ob_buf *b, const struct chain_endpoint_status *st, size_t n, bool ready) {
  struct ob_jw w;
  ob_jw_init(&w, b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "ready");
  ob_jw_bool(&w, ready);
  ob_jw_key(&w, "endpoints");
  ob_jw_arr_begin(&w);
  for (size_t i = 0; i < n; i++) {
    ob_jw_obj_begin(&w);
    ob_jw_key(&w, "url");
    ob_jw_str(&w, st[i].url);
    ob_jw_key(&w, "health");
    ob_jw_str(&w, chain_health_name(st[i].health));
    ob_jw_key(&w, "active");
    ob_jw_bool(&w, st[i].active);
    ob_jw_key(&w, "head");
    if (st[i].head_known) ob_jw_u64(&w, st[i].head);
    else ob_jw_null(&w);
    ob_jw_key(&w, "lag");
    if (st[i].head_known) ob_jw_u64(&w, st[i].lag);
    else ob_jw_null(&w);
    ob_jw_key(&w, "chain_id");
    if (st[i].chain_id) ob_jw_u64(&w, st[i].chain_id);
    else ob_jw_null(&w);
    ob_jw_key(&w, "rtt_ms");
    ob_jw_u64(&w, st[i].rtt_ms);
    ob_jw_key(&w, "error");
    ob_jw_str(&w, st[i].last_error[0] ? st[i].last_error : NULL);
    ob_jw_obj_end(&w);
  }
  ob_jw_arr_end(&w);
  ob_jw_obj_end(&w);
  ob_jw_finish(&w);
  ob_buf_addch(b, '\n');
}

static int run_status(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print the endpoints as JSON"}, {0}};
  struct ob_config *c;
  struct chain_loop *loop = NULL;
  struct chain_rpc *rpc = NULL;
  struct chain_rpc_opts o;
  struct chain_endpoint_status st[16];
  const char **urls = NULL;
  struct ob_err err;
  size_t n;
  bool ready;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), exit_code;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  ob_err_clear(&err);
  if (cli_chain_opts(&o, &urls, c)) return cli_fail(OB_ENOMEM, NULL);
  o.connect_timeout_ms = check_timeout_ms(c);
  rc = chain_loop_new(&loop, &err);
  if (!rc) rc = chain_rpc_new(&rpc, loop, &o, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  chain_rpc_wait(rpc, CHAIN_WAIT_ALL, check_timeout_ms(c), &err);
  n = chain_rpc_status(rpc, st, OB_ARRAY_LEN(st));
  ready = chain_rpc_ready(rpc);
  if (cli_opt(opts, "json")->set) {
    struct ob_buf b;
    ob_buf_init(&b, 1 << 20);
    status_json(&b, st, n, ready);
    cli_out(b.buf, b.len);
    ob_buf_release(&b);
  } else {
    for (size_t i = 0; i < n; i++) {
      char head[32] = "-", lag[32] = "-";
      if (st[i].head_known) {
        snprintf(head, sizeof(head), "%llu", (unsigned long long)st[i].head);
        snprintf(lag, sizeof(lag), "%llu", (unsigned long long)st[i].lag);
      }
      printf("%s %-11s head %-10s lag %-6s %s%s%s\n", st[i].active ? "*" : " ", chain_health_name(st[i].health),
             head, lag, st[i].url, st[i].last_error[0] && st[i].health != CHAIN_HEALTH_ALIVE ? ": " : "",
             st[i].health != CHAIN_HEALTH_ALIVE ? st[i].last_error : "");
    }
  }
  exit_code = ready ? CLI_EXIT_OK : CLI_EXIT_PEER;
  for (size_t i = 0; i < n && !ready; i++) { /* a configuration error: retrying will not help */
    char why[300];
    if (!st[i].wrong_chain_id) continue;
    chain_rpc_chain_id_msg(why, sizeof(why), st[i].url, st[i].chain_id, o.chain_id);
    exit_code = cli_failf(OB_EINVAL, "wrong chain: %s", why);
  }
out:
  chain_rpc_free(rpc);
  chain_loop_free(loop);
  ob_free(urls);
  return exit_code;
}

/* ---- chain call ---- */

static int run_call(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"url", CLI_VALUE, "URL", "endpoint to ask (default: the first of chain.endpoints)"},
                           {0}};
  struct ob_config *c;
  struct ob_buf out;
  struct ob_err err;
  char **pos = NULL;
  int npos = 0, exit_code;
  const char *url;
  int rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (npos < 1 || npos > 2) return cli_failf(OB_EUSAGE, "expected METHOD [PARAMS]\nusage: obridge %s", self->usage);
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  url = cli_opt(opts, "url")->value;
  if (!url) url = c->nendpoints ? c->endpoints[0].url : NULL;
  if (!url) return cli_failf(OB_EUSAGE, "no endpoint: set chain.endpoints or --url");
  ob_err_clear(&err);
  ob_buf_init(&out, (size_t)c->max_message_mib << 20);
  rc = chain_rpc_call_once_ca(url, c->ca_file, pos[0], npos > 1 ? pos[1] : "[]", c->request_timeout_s * 1000,
                              &out, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else {
    ob_buf_addch(&out, '\n');
    exit_code = cli_out(out.buf, out.len);
  }
  ob_buf_release(&out);
  return exit_code;
}

static const struct cli_cmd cmd_status = {
    .name = "status", .summary = "endpoints, their health, head block and lag (exit 3 if none is usable)",
    .usage = "chain status [--json]", .example = "obridge chain status --json", .run = run_status,
    .details = "Health: alive; out-of-sync (head behind the best endpoint by more than chain.max_lag_blocks); "
               "unreachable (down, silent, or on another chain id). '*' marks the endpoint requests go to."};
static const struct cli_cmd cmd_call = {
    .name = "call", .summary = "send one JSON-RPC request and print its result as JSON",
    .usage = "chain call [--url URL] METHOD [PARAMS]", .example = "obridge chain call eth_getBalance '[\"0xf39F…\",\"latest\"]'",
    .run = run_call};
static const struct cli_cmd *const subs[] = {&cmd_status, &cmd_call, NULL};

const struct cli_cmd cli_cmd_chain = {
    .name = "chain", .summary = "chain endpoints: status and raw JSON-RPC calls",
    .usage = "chain <status|call> [options]", .example = "obridge chain status", .subs = subs};
