/* One table describes every config key: JSON path, type, bounds, default, environment variable
 * and help. Loading, validation, `config show` and the docs come from it. */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"

#define CONFIG_MAX_BYTES ((size_t)1 << 20)
#define CONFIG_MAX_DEPTH 16

enum ctype { C_STR, C_DBURL, C_RPCURL, C_HTTPURL, C_U32, C_U64, C_ENUM, C_ADDR, C_ENDPOINTS, C_PATHS, C_FEEDS };

struct centry {
  const char *key; /* "section.name" */
  enum ctype type;
  size_t off;
  const char *env;
  const char *def;
  uint64_t min, max;
  const char *const *choices;
  const char *help;
};

static const char *const levels[] = {"trace", "debug", "info", "warn", "error", "off", NULL};
static const char *const profiles[] = {"unixfs-v0-2015", "unixfs-v1-2025", NULL};
static const char *const bools[] = {"false", "true", NULL}; /* a C_ENUM that also takes a JSON boolean */

#define OFF(f) offsetof(struct ob_config, f)
/* At most 64 keys: struct ob_config's from_env has one bit per entry. */
static const struct centry table[] = {
    {"log.level", C_ENUM, OFF(log_level), "OBRIDGE_LOG_LEVEL", NULL, 0, 0, levels,
     "log level (unset: warn for one-shot commands, info for the pin worker)"},
    {"database.url", C_DBURL, OFF(db_url), "OBRIDGE_DATABASE_URL", "postgresql://127.0.0.1:5432/obridge", 0, 0, NULL,
     "PostgreSQL connection URL"},
    {"database.connect_timeout_s", C_U32, OFF(db_connect_timeout_s), NULL, "5", 1, 300, NULL,
     "seconds to wait for a connection"},
    {"database.answer_timeout_s", C_U32, OFF(db_answer_timeout_s), NULL, "30", 0, 3600, NULL,
     "seconds a statement may go unanswered before the connection is dropped and made again (0: no limit)"},
    {"database.application_name", C_STR, OFF(db_application_name), NULL, "obridge", 0, 63, NULL,
     "application_name reported to PostgreSQL"},
    {"chain.chain_id", C_U64, OFF(chain_id), "OBRIDGE_CHAIN_ID", "31337", 1, 4503599627370476, NULL,
     "EIP-155 chain id the endpoints must report"},
    {"chain.endpoints", C_ENDPOINTS, 0, "OBRIDGE_RPC_URL", "ws://127.0.0.1:8545", 1, 16, NULL,
     "JSON-RPC endpoints, best first: [{\"url\": \"ws://…\", \"name\": \"…\"}]"},
    {"chain.keystore", C_STR, OFF(keystore), "OBRIDGE_KEYSTORE", NULL, 1, 4096, NULL,
     "path of the signer's v3 keystore file"},
    {"chain.password_file", C_STR, OFF(password_file), "OBRIDGE_KEYSTORE_PASSWORD_FILE", NULL, 1, 4096, NULL,
     "file holding the keystore password (else $OBRIDGE_KEYSTORE_PASSWORD or a prompt)"},
    {"chain.ca_file", C_STR, OFF(ca_file), "OBRIDGE_CA_FILE", NULL, 1, 4096, NULL,
     "PEM file of CA certificates trusted for wss:// and https:// endpoints (else the system store)"},
    {"chain.registry", C_ADDR, OFF(registry), "OBRIDGE_REGISTRY", NULL, 0, 0, NULL,
     "address of the ObridgeRegistry contract"},
    {"chain.confirmations", C_U32, OFF(confirmations), NULL, "1", 0, 1000, NULL,
     "blocks on top of a transaction's block before it is final"},
    {"chain.request_timeout_s", C_U32, OFF(request_timeout_s), NULL, "30", 1, 600, NULL,
     "seconds before a JSON-RPC request times out"},
    {"chain.keepalive_s", C_U32, OFF(keepalive_s), NULL, "15", 1, 600, NULL,
     "websocket ping interval; a connection silent for twice this is dead"},
    {"chain.max_message_mib", C_U32, OFF(max_message_mib), NULL, "64", 1, 1024, NULL,
     "largest JSON-RPC message accepted, MiB"},
    {"chain.bump_after_blocks", C_U32, OFF(bump_after_blocks), NULL, "3", 1, 1000, NULL,
     "blocks a transaction may wait before its fees are raised"},
    {"chain.max_lag_blocks", C_U32, OFF(max_lag_blocks), NULL, "5", 1, 100000, NULL,
     "an endpoint this far behind the best head is out of sync"},
    {"chain.max_fee_gwei", C_U64, OFF(max_fee_gwei), NULL, "500", 1, 100000000, NULL,
     "ceiling on maxFeePerGas (or gasPrice), gwei"},
    {"chain.max_priority_fee_gwei", C_U64, OFF(max_priority_fee_gwei), NULL, "50", 0, 100000000, NULL,
     "ceiling on maxPriorityFeePerGas, gwei"},
    {"commit.signer_keystores", C_PATHS, OFF(signer_keystores), "OBRIDGE_SIGNER_KEYSTORES", NULL, 1, 32, NULL,
     "v3 keystores whose keys sign `obridge commit` when --signer-key-files is not given (else the sender's key)"},
    {"commit.signer_password_files", C_PATHS, OFF(signer_password_files), "OBRIDGE_SIGNER_PASSWORD_FILES", NULL, 1, 32,
     NULL, "one password file per signer keystore, in the same order (else each password the way chain.keystore's comes)"},
    {"ipfs.api", C_HTTPURL, OFF(ipfs_api), "OBRIDGE_IPFS_API", "http://127.0.0.1:5001", 0, 0, NULL,
     "Kubo RPC API base URL"},
    {"ipfs.connect_timeout_s", C_U32, OFF(ipfs_connect_timeout_s), NULL, "10", 1, 300, NULL,
     "seconds to wait for a connection to the IPFS API"},
    {"ipfs.stall_timeout_s", C_U32, OFF(ipfs_stall_timeout_s), NULL, "60", 1, 3600, NULL,
     "a request with no progress for this long is abandoned"},
    {"ipfs.profile", C_ENUM, OFF(ipfs_profile), NULL, "unixfs-v1-2025", 0, 0, profiles,
     "CID profile for new pins"},
    {"pins.workers", C_U32, OFF(pin_workers), NULL, "2", 1, 64, NULL, "pin jobs processed at once"},
    {"pins.max_attempts", C_U32, OFF(pin_max_attempts), NULL, "5", 1, 100, NULL,
     "attempts before a pin job is failed"},
    {"pins.retry_base_s", C_U32, OFF(pin_retry_base_s), NULL, "5", 1, 3600, NULL,
     "first retry delay; doubles with each attempt"},
    {"pins.url_max_bytes", C_U64, OFF(pin_url_max_bytes), NULL, "10737418240", 1, UINT64_MAX, NULL,
     "largest download `pin add URL` accepts"},
    {"pins.replicate_to", C_PATHS, OFF(pin_replicate_to), NULL, NULL, 1, 16, NULL,
     "remote pinning services (`obridge pin remote service add`) that get every pinned CID too"},
    {"pins.fetch_timeout_s", C_U32, OFF(pin_fetch_timeout_s), NULL, "120", 1, 86400, NULL,
     "a pin by CID (pinning service) fails when the node fetched nothing for this long"},
    {"http.listen", C_STR, OFF(http_listen), "OBRIDGE_HTTP_LISTEN", "127.0.0.1:9470", 3, 300, NULL,
     "HOST:PORT of the HTTP server (/health, /metrics, the pinning service API); an IP address; port 0: any free port"},
    {"http.tls_cert", C_STR, OFF(http_tls_cert), "OBRIDGE_HTTP_TLS_CERT", NULL, 1, 4096, NULL,
     "PEM certificate (chain) of the HTTP server: set with http.tls_key, it serves HTTPS only"},
    {"http.tls_key", C_STR, OFF(http_tls_key), "OBRIDGE_HTTP_TLS_KEY", NULL, 1, 4096, NULL,
     "PEM private key of http.tls_cert"},
    {"http.allow_plain_remote", C_ENUM, OFF(http_allow_plain_remote), NULL, "false", 0, 0, bools,
     "true: serve plain HTTP on an address other than loopback (bearer tokens then cross the network in clear)"},
    {"http.max_body_bytes", C_U64, OFF(http_max_body_bytes), NULL, "1048576", 1024, 1073741824, NULL,
     "largest request body accepted (larger: 413)"},
    {"http.rate_limit_per_s", C_U32, OFF(http_rate_per_s), NULL, "20", 0, 1000000, NULL,
     "pinning service requests per second per token (0: no limit); over it: 429"},
    {"http.rate_burst", C_U32, OFF(http_rate_burst), NULL, "100", 1, 1000000, NULL,
     "requests a token may make at once before http.rate_limit_per_s applies"},
    {"http.cors_origin", C_STR, OFF(http_cors_origin), "OBRIDGE_HTTP_CORS_ORIGIN", "*", 1, 300, NULL,
     "Access-Control-Allow-Origin of the HTTP server's replies (the proof API is read by browsers); 'none': no CORS"},
    {"oracle.round_interval_s", C_U32, OFF(round_interval_s), NULL, "60", 1, 86400, NULL,
     "seconds between the rounds the daemon's leader starts"},
    {"oracle.leader_lease_s", C_U32, OFF(leader_lease_s), NULL, "30", 1, 3600, NULL,
     "the round leader's lease: a standby takes over this long after the leader stops renewing it"},
    {"oracle.retention_days", C_U32, OFF(oracle_retention_days), "OBRIDGE_ORACLE_RETENTION_DAYS", "30", 0, 36500, NULL,
     "observations older than this many days are deleted after each round, in bounded batches (0: kept)"},
    {"oracle.feeds", C_FEEDS, OFF(oracle_feeds), NULL, NULL, 0, 100000, NULL,
     "feeds declared in the config: [{\"name\", \"decimals\", \"sources\": [...]}, ...] (schemas/feed.schema.json)"},
    {"oracle.feeds_dir", C_STR, OFF(feeds_dir), "OBRIDGE_FEEDS_DIR", NULL, 1, 4096, NULL,
     "directory whose *.json files each hold {\"feeds\": [...]} (added to oracle.feeds)"},
    {"oracle.ca_file", C_STR, OFF(oracle_ca_file), "OBRIDGE_ORACLE_CA_FILE", NULL, 1, 4096, NULL,
     "PEM file of CA certificates trusted for https:// data sources (else the system store)"},
    {"oracle.max_per_host", C_U32, OFF(oracle_max_per_host), NULL, "8", 1, 256, NULL,
     "connections to one data-source host at once"},
    {"oracle.push_adapters", C_STR, OFF(push_adapters), "OBRIDGE_PUSH_ADAPTERS", NULL, 3, 8192, NULL,
     "FEED=ADAPTER pairs, comma-separated: the leader pushes each feed's new value to its adapter after each round"},
};
#undef OFF

static const char *const sections[] = {"log", "database", "chain", "commit", "ipfs", "pins", "http", "oracle"};
static const char *const endpoint_keys[] = {"url", "name"};

static const char *str_at(const void *ctx, size_t i) { return ((const char *const *)ctx)[i]; }

/* The keys of one section ("chain"), for suggestions and the list of what is expected. */
struct section_keys {
  const char *names[OB_ARRAY_LEN(table)];
  size_t n;
};

static void section_keys(struct section_keys *k, const char *section) {
  size_t sl = strlen(section);
  k->n = 0;
  for (size_t i = 0; i < OB_ARRAY_LEN(table); i++)
    if (strncmp(table[i].key, section, sl) == 0 && table[i].key[sl] == '.') k->names[k->n++] = table[i].key + sl + 1;
}

/* "unknown key .chain.endpont: did you mean .chain.endpoints?", or the list of keys when none is near.
 * at is the path of the unknown key, parent the path of the object holding it. */
static int unknown_key(struct ob_err *err, const char *at, const char *parent, const char *key,
                       const char *const *names, size_t n) {
  const char *near = ob_str_nearest(key, str_at, names, n);
  char list[512] = "";
  if (near) return ob_err_set(err, OB_EINVAL, "unknown key %s: did you mean %s.%s?", at, parent, near);
  for (size_t i = 0; i < n; i++)
    snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", names[i]);
  return ob_err_set(err, OB_EINVAL, "unknown key %s (expected one of %s)", at, list);
}

static void clear_paths(struct ob_paths *p) {
  for (size_t i = 0; i < p->n; i++) ob_free(p->v[i]);
  ob_free(p->v);
  p->v = NULL;
  p->n = 0;
}

void ob_config_free(struct ob_config *c) {
  if (!c) return;
  for (size_t i = 0; i < OB_ARRAY_LEN(table); i++) {
    if (table[i].type == C_ENDPOINTS) continue;
    if (table[i].type == C_FEEDS) {
      ob_json_free(*(struct ob_json **)((char *)c + table[i].off));
      continue;
    }
    if (table[i].type == C_PATHS) {
      clear_paths((struct ob_paths *)((char *)c + table[i].off));
      continue;
    }
    if (table[i].type != C_U32 && table[i].type != C_U64) ob_free(*(char **)((char *)c + table[i].off));
  }
  for (size_t i = 0; i < c->nendpoints; i++) {
    ob_free(c->endpoints[i].url);
    ob_free(c->endpoints[i].name);
  }
  ob_free(c->endpoints);
  ob_free(c->source);
  ob_free(c);
}

/* ---- value checks: each returns 0 or OB_EINVAL with a message about the value alone ---- */

static int check_port(const char *p, size_t n, struct ob_err *err) {
  uint64_t port = 0;
  if (n == 0 || n > 5 || p[0] == '0')
    return ob_err_set(err, OB_EINVAL, "port '%.*s' out of range (1-65535)", (int)n, p);
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return ob_err_set(err, OB_EINVAL, "port '%.*s' is not a number", (int)n, p);
    port = port * 10 + (uint64_t)(p[i] - '0');
  }
  if (port < 1 || port > 65535) return ob_err_set(err, OB_EINVAL, "port %" PRIu64 " out of range (1-65535)", port);
  return 0;
}

static int check_url(const char *v, const char *const *schemes, const char *expect, struct ob_err *err) {
  const char *sep = strstr(v, "://"), *auth, *end, *host, *colon;
  bool ok = false;
  if (sep)
    for (const char *const *s = schemes; *s; s++)
      if ((size_t)(sep - v) == strlen(*s) && strncmp(v, *s, strlen(*s)) == 0) ok = true;
  if (!ok) return ob_err_set(err, OB_EINVAL, "expected %s URL, got '%.80s'", expect, v);
  auth = sep + 3;
  end = auth + strcspn(auth, "/?#");
  host = auth;
  for (const char *p = auth; p < end; p++)
    if (*p == '@') host = p + 1;
  for (const char *p = v; *p; p++)
    if ((unsigned char)*p <= ' ') return ob_err_set(err, OB_EINVAL, "URL contains a space or control character");
  if (*host == '[') {
    const char *rb = memchr(host, ']', (size_t)(end - host));
    if (!rb) return ob_err_set(err, OB_EINVAL, "URL has an unterminated IPv6 address");
    colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
  } else {
    colon = memchr(host, ':', (size_t)(end - host));
  }
  if (host == end || host == colon) return ob_err_set(err, OB_EINVAL, "URL '%.80s' has no host", v);
  if (colon) return check_port(colon + 1, (size_t)(end - colon - 1), err);
  return 0;
}

static const char *const db_schemes[] = {"postgresql", "postgres", NULL};
static const char *const rpc_schemes[] = {"ws", "wss", "http", "https", NULL};
static const char *const http_schemes[] = {"http", "https", NULL};

static int check_string(const struct centry *e, const char *v, struct ob_err *err) {
  size_t n = strlen(v);
  switch (e->type) {
  case C_DBURL: return check_url(v, db_schemes, "a postgresql://", err);
  case C_RPCURL: return check_url(v, rpc_schemes, "a ws://, wss://, http:// or https://", err);
  case C_HTTPURL: return check_url(v, http_schemes, "an http:// or https://", err);
  case C_ENUM:
    for (const char *const *c = e->choices; *c; c++)
      if (strcmp(*c, v) == 0) return 0;
    {
      char list[256] = "";
      for (const char *const *c = e->choices; *c; c++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", c == e->choices ? "" : ", ", *c);
      return ob_err_set(err, OB_EINVAL, "unknown value '%.60s' (expected one of %s)", v, list);
    }
  case C_ADDR: {
    uint8_t a[20];
    if (n != 42 || ob_hex_decode_fixed(a, 20, v, NULL) != 0 || v[0] != '0' || v[1] != 'x')
      return ob_err_set(err, OB_EINVAL, "expected a 0x-prefixed 20-byte address, got '%.60s'", v);
    return 0;
  }
  default:
    if (n < e->min || n > e->max)
      return ob_err_set(err, OB_EINVAL, "expected a string of %" PRIu64 " to %" PRIu64 " bytes", e->min, e->max);
    return 0;
  }
}

static int set_string(struct ob_config *c, const struct centry *e, const char *v, struct ob_err *err) {
  char **slot = (char **)((char *)c + e->off);
  char *d;
  int rc = check_string(e, v, err);
  if (rc) return rc;
  d = ob_strdup(v);
  if (!d) return ob_err_set(err, OB_ENOMEM, "out of memory");
  ob_free(*slot);
  *slot = d;
  return 0;
}

static int set_number(struct ob_config *c, const struct centry *e, const char *text, size_t len,
                      struct ob_err *err) {
  struct ob_json num = {.type = OB_JSON_NUMBER, .str = (char *)text, .len = len};
  uint64_t v;
  if (ob_json_u64(&num, &v, NULL) != 0 || v < e->min || v > e->max)
    return ob_err_set(err, OB_EINVAL, "expected an integer from %" PRIu64 " to %" PRIu64 ", got %.40s",
                      e->min, e->max, text);
  if (e->type == C_U32) *(uint32_t *)((char *)c + e->off) = (uint32_t)v;
  else *(uint64_t *)((char *)c + e->off) = v;
  return 0;
}

static int add_endpoint(struct ob_config *c, const char *url, const char *name, struct ob_err *err) {
  struct ob_endpoint *ep;
  int rc = check_url(url, rpc_schemes, "a ws://, wss://, http:// or https://", err);
  if (rc) return rc;
  ep = ob_realloc(c->endpoints, (c->nendpoints + 1) * sizeof(*ep));
  if (!ep) return ob_err_set(err, OB_ENOMEM, "out of memory");
  c->endpoints = ep;
  ep[c->nendpoints].url = ob_strdup(url);
  ep[c->nendpoints].name = ob_strdup(name);
  c->nendpoints++;
  return 0;
}

static void clear_endpoints(struct ob_config *c) {
  for (size_t i = 0; i < c->nendpoints; i++) {
    ob_free(c->endpoints[i].url);
    ob_free(c->endpoints[i].name);
  }
  c->nendpoints = 0;
}

/* Append one path (1 to 4096 bytes) to a list of at most e->max. */
static int add_path(struct ob_paths *p, const struct centry *e, const char *v, size_t n, struct ob_err *err) {
  char **nv;
  if (p->n >= e->max) return ob_err_set(err, OB_EINVAL, "expected at most %" PRIu64 " paths", e->max);
  if (n < 1 || n > 4096) return ob_err_set(err, OB_EINVAL, "expected paths of 1 to 4096 bytes");
  if (!(nv = ob_realloc(p->v, (p->n + 1) * sizeof(*nv))) || !(nv[p->n] = ob_strndup(v, n))) {
    if (nv) p->v = nv;
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  p->v = nv;
  p->n++;
  return 0;
}

/* Set from text (defaults and environment use this). */
static int set_text(struct ob_config *c, const struct centry *e, const char *v, struct ob_err *err) {
  if (e->type == C_U32 || e->type == C_U64) return set_number(c, e, v, strlen(v), err);
  if (e->type == C_PATHS) { /* comma-separated */
    struct ob_paths *p = (struct ob_paths *)((char *)c + e->off);
    int rc = 0;
    clear_paths(p);
    for (const char *s = v; !rc; s += strcspn(s, ",") + 1) {
      rc = add_path(p, e, s, strcspn(s, ","), err);
      if (!s[strcspn(s, ",")]) break;
    }
    return rc;
  }
  if (e->type == C_ENDPOINTS) {
    clear_endpoints(c);
    return add_endpoint(c, v, "default", err);
  }
  return set_string(c, e, v, err);
}

/* ---- the JSON file ---- */

static int type_error(struct ob_err *err, const char *expected, const struct ob_json *v) {
  return ob_err_set(err, OB_EINVAL, "expected %s, got %s", expected, ob_json_type_name(v->type));
}

static int load_endpoints(struct ob_config *c, const struct ob_json *arr, char *path, size_t pathcap,
                          struct ob_err *err) {
  size_t base = strlen(path);
  if (arr->type != OB_JSON_ARRAY) return type_error(err, "an array of endpoints", arr);
  if (arr->len < 1 || arr->len > 16)
    return ob_err_set(err, OB_EINVAL, "expected 1 to 16 endpoints, got %zu", arr->len);
  clear_endpoints(c);
  for (size_t i = 0; i < arr->len; i++) {
    const struct ob_json *ep = arr->items[i], *url, *name;
    int rc;
    snprintf(path + base, pathcap - base, "[%zu]", i);
    if (ep->type != OB_JSON_OBJECT) return type_error(err, "an object {\"url\", \"name\"}", ep);
    for (size_t k = 0; k < ep->len; k++)
      if (strcmp(ep->keys[k], "url") != 0 && strcmp(ep->keys[k], "name") != 0) {
        char parent[256], at[512];
        snprintf(parent, sizeof(parent), "%s", path);
        snprintf(at, sizeof(at), "%s.%.60s", parent, ep->keys[k]);
        path[0] = '\0'; /* the message names the path itself */
        return unknown_key(err, at, parent, ep->keys[k], endpoint_keys, OB_ARRAY_LEN(endpoint_keys));
      }
    url = ob_json_get(ep, "url");
    name = ob_json_get(ep, "name");
    snprintf(path + base, pathcap - base, "[%zu].url", i);
    if (!url) return ob_err_set(err, OB_EINVAL, "missing");
    if (url->type != OB_JSON_STRING) return type_error(err, "a string", url);
    if (name && (name->type != OB_JSON_STRING || name->len > 64 || strlen(name->str) != name->len)) {
      snprintf(path + base, pathcap - base, "[%zu].name", i);
      if (name->type != OB_JSON_STRING) return type_error(err, "a string", name);
      return ob_err_set(err, OB_EINVAL, "expected a string of at most 64 bytes");
    }
    {
      char dflt[32];
      snprintf(dflt, sizeof(dflt), "endpoint-%zu", i);
      rc = add_endpoint(c, url->str, name ? name->str : dflt, err);
    }
    if (rc) return rc;
  }
  path[base] = '\0';
  return 0;
}

/* Keep oracle.feeds as written (a copy of the subtree); cli_feeds_load checks each feed, naming its path. */
static int load_feeds(struct ob_config *c, const struct centry *e, const struct ob_json *v, struct ob_err *err) {
  struct ob_json **slot = (struct ob_json **)((char *)c + e->off), *copy = NULL;
  struct ob_buf b;
  int rc;
  if (v->type != OB_JSON_ARRAY) return type_error(err, "an array of feeds", v);
  if (v->len > e->max) return ob_err_set(err, OB_EINVAL, "expected at most %" PRIu64 " feeds, got %zu", e->max, v->len);
  ob_buf_init(&b, CONFIG_MAX_BYTES * 2);
  rc = ob_json_dump(&b, v);
  if (!rc) rc = ob_json_parse(&copy, b.buf, b.len, NULL, err);
  ob_buf_release(&b);
  if (rc) return ob_err_set(err, OB_ENOMEM, "out of memory");
  ob_json_free(*slot);
  *slot = copy;
  return 0;
}

static const struct centry *find_entry(const char *section, const char *name) {
  size_t sl = strlen(section);
  for (size_t i = 0; i < OB_ARRAY_LEN(table); i++)
    if (strncmp(table[i].key, section, sl) == 0 && table[i].key[sl] == '.' &&
        strcmp(table[i].key + sl + 1, name) == 0)
      return &table[i];
  return NULL;
}

static int load_value(struct ob_config *c, const struct centry *e, const struct ob_json *v, char *path,
                      size_t pathcap, struct ob_err *err) {
  switch (e->type) {
  case C_ENDPOINTS: return load_endpoints(c, v, path, pathcap, err);
  case C_FEEDS: return load_feeds(c, e, v, err);
  case C_PATHS: {
    struct ob_paths *p = (struct ob_paths *)((char *)c + e->off);
    size_t base = strlen(path);
    if (v->type != OB_JSON_ARRAY) return type_error(err, "an array of paths", v);
    if (v->len < e->min || v->len > e->max)
      return ob_err_set(err, OB_EINVAL, "expected %" PRIu64 " to %" PRIu64 " paths, got %zu", e->min, e->max, v->len);
    clear_paths(p);
    for (size_t i = 0; i < v->len; i++) {
      int rc;
      snprintf(path + base, pathcap - base, "[%zu]", i);
      if (v->items[i]->type != OB_JSON_STRING) return type_error(err, "a string", v->items[i]);
      if (strlen(v->items[i]->str) != v->items[i]->len) return ob_err_set(err, OB_EINVAL, "string contains a NUL character");
      if ((rc = add_path(p, e, v->items[i]->str, v->items[i]->len, err))) return rc;
    }
    path[base] = '\0';
    return 0;
  }
  case C_U32:
  case C_U64:
    if (v->type != OB_JSON_NUMBER) return type_error(err, "an integer", v);
    return set_number(c, e, v->str, v->len, err);
  default:
    if (e->choices == bools && v->type == OB_JSON_BOOL) return set_string(c, e, v->b ? "true" : "false", err);
    if (v->type != OB_JSON_STRING) return type_error(err, "a string", v);
    if (strlen(v->str) != v->len) return ob_err_set(err, OB_EINVAL, "string contains a NUL character");
    return set_string(c, e, v->str, err);
  }
}

static int load_section(struct ob_config *c, const char *section, const struct ob_json *obj, char *path,
                        size_t pathcap, struct ob_err *err) {
  if (obj->type != OB_JSON_OBJECT) return type_error(err, "an object", obj);
  for (size_t i = 0; i < obj->len; i++) {
    const struct centry *e = find_entry(section, obj->keys[i]);
    int rc;
    snprintf(path, pathcap, ".%s.%s", section, obj->keys[i]);
    if (!e) {
      struct section_keys k;
      char parent[64], at[256];
      section_keys(&k, section);
      snprintf(parent, sizeof(parent), ".%s", section);
      snprintf(at, sizeof(at), "%.200s", path);
      path[0] = '\0'; /* the message names the path itself */
      return unknown_key(err, at, parent, obj->keys[i], k.names, k.n);
    }
    rc = load_value(c, e, obj->items[i], path, pathcap, err);
    if (rc) return rc;
  }
  return 0;
}

static int load_json(struct ob_config *c, const struct ob_json *root, struct ob_err *err) {
  char path[256] = "";
  if (root->type != OB_JSON_OBJECT)
    return ob_err_prefix(err, type_error(err, "an object at the top level", root), "config");
  for (size_t i = 0; i < root->len; i++) {
    bool known = false;
    int rc;
    for (size_t s = 0; s < OB_ARRAY_LEN(sections); s++)
      if (strcmp(root->keys[i], sections[s]) == 0) known = true;
    if (strcmp(root->keys[i], "$schema") == 0) continue; /* editors' schema hint */
    if (!known) {
      char at[80];
      snprintf(at, sizeof(at), ".%.60s", root->keys[i]);
      unknown_key(err, at, "", root->keys[i], sections, OB_ARRAY_LEN(sections));
      return ob_err_prefix(err, OB_EINVAL, "config");
    }
    rc = load_section(c, root->keys[i], root->items[i], path, sizeof(path), err);
    if (rc) return path[0] ? ob_err_prefix(err, rc, "config: %s", path) : ob_err_prefix(err, rc, "config");
  }
  return 0;
}

static int apply_defaults(struct ob_config *c, struct ob_err *err) {
  for (size_t i = 0; i < OB_ARRAY_LEN(table); i++) {
    int rc;
    if (!table[i].def) continue;
    rc = set_text(c, &table[i], table[i].def, err);
    if (rc) return ob_err_prefix(err, rc, "config: default of %s", table[i].key);
  }
  return 0;
}

static int apply_env(struct ob_config *c, struct ob_err *err) {
  for (size_t i = 0; i < OB_ARRAY_LEN(table); i++) {
    const char *v = table[i].env ? getenv(table[i].env) : NULL;
    int rc;
    if (!v || !*v) continue;
    rc = set_text(c, &table[i], v, err);
    if (rc) return ob_err_prefix(err, rc, "config: $%s (%s)", table[i].env, table[i].key);
    c->from_env |= (uint64_t)1 << i;
  }
  return 0;
}

/* "json: at byte 30: parse error: …" -> "line 3, column 14: json: parse error: …" (both 1-based). */
static void where_in_text(struct ob_err *err, const char *text, size_t len) {
  size_t at = 0, line = 1, col = 1;
  int skip = 0;
  char rest[sizeof(err->msg)];
  if (!err || sscanf(err->msg, "json: at byte %zu: %n", &at, &skip) != 1 || skip == 0) return;
  if (at > len) at = len;
  for (size_t i = 0; i < at; i++) {
    if (text[i] == '\n') line++, col = 1;
    else col++;
  }
  snprintf(rest, sizeof(rest), "%s", err->msg + skip);
  ob_err_set(err, err->code, "line %zu, column %zu: json: %s", line, col, rest);
}

int ob_config_load_text(struct ob_config **out, const char *text, size_t len, int use_env,
                        struct ob_err *err) {
  struct ob_json_limits lim;
  struct ob_json *root = NULL;
  struct ob_config *c = ob_calloc(1, sizeof(*c));
  int rc;
  *out = NULL;
  if (!c) return ob_err_set(err, OB_ENOMEM, "out of memory");
  rc = apply_defaults(c, err);
  if (!rc && text) {
    ob_json_limits_init(&lim);
    lim.max_bytes = CONFIG_MAX_BYTES;
    lim.max_depth = CONFIG_MAX_DEPTH;
    lim.max_string = 64 * 1024;
    rc = ob_json_parse(&root, text, len, &lim, err);
    if (rc) {
      where_in_text(err, text, len);
      ob_err_prefix(err, rc == OB_ENOMEM ? rc : OB_EPARSE, "config");
    }
    else rc = load_json(c, root, err);
    if (rc && rc != OB_ENOMEM) rc = rc == OB_ELIMIT ? OB_ELIMIT : OB_EPARSE;
  }
  if (!rc && use_env) rc = apply_env(c, err);
  ob_json_free(root);
  if (rc) {
    ob_config_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

int ob_config_load(struct ob_config **out, const char *path, struct ob_err *err) {
  struct ob_buf b;
  int rc;
  *out = NULL;
  if (!path) return ob_config_load_text(out, NULL, 0, 1, err);
  ob_buf_init(&b, CONFIG_MAX_BYTES + 1);
  rc = ob_file_read(path, &b, CONFIG_MAX_BYTES, err);
  if (rc == OB_ELIMIT)
    ob_err_set(err, OB_ELIMIT, "'%s' is larger than the limit of %zu bytes", path, CONFIG_MAX_BYTES);
  if (rc) {
    ob_buf_release(&b);
    return ob_err_prefix(err, rc == OB_EIO ? OB_EIO : rc == OB_ELIMIT ? OB_ELIMIT : OB_ENOENT, "config");
  }
  rc = ob_config_load_text(out, b.buf, b.len, 1, err);
  ob_buf_release(&b);
  if (rc) {
    /* Name the file: "config 'x.json': .chain…". */
    char msg[sizeof(err->msg)];
    if (err) {
      snprintf(msg, sizeof(msg), "%s", err->msg);
      if (strncmp(msg, "config: ", 8) == 0)
        ob_err_set(err, rc, "config '%s': %s", path, msg + 8);
    }
    return rc;
  }
  (*out)->source = ob_strdup(path);
  return 0;
}

const char *ob_config_env_source(const struct ob_config *c, const char *key) {
  for (size_t i = 0; i < OB_ARRAY_LEN(table); i++)
    if (strcmp(table[i].key, key) == 0) return (c->from_env >> i) & 1 ? table[i].env : NULL;
  return NULL;
}

int ob_config_dump(const struct ob_config *c, struct ob_buf *out) {
  struct ob_jw w;
  const char *open = NULL;
  ob_jw_init(&w, out, true);
  ob_jw_obj_begin(&w);
  for (size_t i = 0; i < OB_ARRAY_LEN(table); i++) {
    const struct centry *e = &table[i];
    const char *dot = strchr(e->key, '.');
    if (!open || strncmp(open, e->key, (size_t)(dot - e->key + 1)) != 0) {
      if (open) ob_jw_obj_end(&w);
      ob_jw_strn(&w, e->key, (size_t)(dot - e->key));
      ob_jw_obj_begin(&w);
      open = e->key;
    }
    ob_jw_key(&w, dot + 1);
    if (e->type == C_U32) ob_jw_u64(&w, *(const uint32_t *)((const char *)c + e->off));
    else if (e->type == C_U64) ob_jw_u64(&w, *(const uint64_t *)((const char *)c + e->off));
    else if (e->type == C_ENDPOINTS) {
      ob_jw_arr_begin(&w);
      for (size_t k = 0; k < c->nendpoints; k++) {
        char red[1024];
        ob_log_redact_url(red, sizeof(red), c->endpoints[k].url);
        ob_jw_obj_begin(&w);
        ob_jw_key(&w, "url");
        ob_jw_str(&w, red);
        ob_jw_key(&w, "name");
        ob_jw_str(&w, c->endpoints[k].name);
        ob_jw_obj_end(&w);
      }
      ob_jw_arr_end(&w);
    } else if (e->type == C_FEEDS) {
      const struct ob_json *f = *(struct ob_json *const *)((const char *)c + e->off);
      if (f) ob_jw_value(&w, f);
      else {
        ob_jw_arr_begin(&w);
        ob_jw_arr_end(&w);
      }
    } else if (e->type == C_PATHS) {
      const struct ob_paths *p = (const struct ob_paths *)((const char *)c + e->off);
      ob_jw_arr_begin(&w);
      for (size_t k = 0; k < p->n; k++) ob_jw_str(&w, p->v[k]);
      ob_jw_arr_end(&w);
    } else {
      const char *v = *(char *const *)((const char *)c + e->off);
      if (v && e->type == C_DBURL) {
        char red[1024];
        ob_log_redact_url(red, sizeof(red), v);
        ob_jw_str(&w, red);
      } else {
        ob_jw_str(&w, v);
      }
    }
  }
  if (open) ob_jw_obj_end(&w);
  ob_jw_obj_end(&w);
  return ob_jw_finish(&w);
}

_Static_assert(OB_ARRAY_LEN(table) <= 64, "struct ob_config.from_env has one bit per table entry");
