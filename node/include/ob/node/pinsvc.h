/* The pinning service: the IPFS Pinning Service API 1.0.0 (tests/vectors/pinning-service-api) on
 * the node's HTTP server, over tenants, bearer tokens and pin requests in PostgreSQL
 * (migrations/0011_pinsvc.sql). A pin request shares its uuid with the pin queue row that does the
 * work (origin_kind 'cid': the node fetches the CID, after swarm/connect to the request's origins),
 * so the pin workers of `obridge serve` / `obridge run` / `obridge pin worker` pin it and the
 * request's status is the row's.
 *
 *   GET    /pins               list (cid ≤ 10, name + match, status, before, after, limit 1..1000
 *                              default 10, meta); newest first; without status: pinned only
 *   POST   /pins               Pin -> 202 PinStatus
 *   GET    /pins/{requestid}   PinStatus
 *   POST   /pins/{requestid}   replace: a new request is queued, the old one removed once the new
 *                              one is pinned
 *   DELETE /pins/{requestid}   202; the CID leaves the node when no pin of any tenant holds it
 *
 * Every route needs `Authorization: Bearer TOKEN` (401 otherwise); a tenant sees only its own
 * requests (another tenant's id is 404). Quotas: 403 naming the limit (PIN_QUOTA_EXCEEDED,
 * BYTE_QUOTA_EXCEEDED); per-token rate limit: 429 RATE_LIMITED with Retry-After.
 *
 * Rules: err may be NULL; the server runs on the loop's thread and uses db and kubo there
 * (blocking, short statements). Parsers never trust their input: outside bytes only. */
#ifndef OB_NODE_PINSVC_H
#define OB_NODE_PINSVC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/storage/cid.h"

struct ob_err;
struct db;
struct ipfs_kubo;
struct chain_loop;
struct node_http;
struct pinsvc;

#define PINSVC_MAX_CIDS 10
#define PINSVC_MAX_ORIGINS 20
#define PINSVC_MAX_META 1000
#define PINSVC_NAME_MAX 255

/* ---- parsing what clients send ---- */

/* A Pin object (request body of POST /pins and POST /pins/{requestid}). */
struct pinsvc_pin {
  char cid[IPFS_CID_TEXT_MAX];   /* canonical text: CIDv0 "Qm…", CIDv1 base32 */
  char name[PINSVC_NAME_MAX + 1];
  char *origins_json;            /* owned: a JSON array of strings (multiaddrs), "[]" when absent */
  char *meta_json;               /* owned: a JSON object of strings, "{}" when absent */
};
/* Parse and check a Pin: a JSON object with cid (a CID that parses), name (≤ 255 bytes), origins
 * (≤ 20 distinct multiaddrs, each '/'-led printable ASCII ≤ 1024 bytes), meta (an object of ≤ 1000
 * string values). Unknown members are ignored. Allocates origins_json and meta_json (release with
 * pinsvc_pin_release, also after a failure). Returns 0; OB_EINVAL/OB_EPARSE naming what was wrong. */
int pinsvc_pin_parse(struct pinsvc_pin *out, const char *body, size_t len, struct ob_err *err);
void pinsvc_pin_release(struct pinsvc_pin *p);

enum pinsvc_match { PINSVC_EXACT, PINSVC_IEXACT, PINSVC_PARTIAL, PINSVC_IPARTIAL };

/* The filters of GET /pins, checked. */
struct pinsvc_query {
  char cids[PINSVC_MAX_CIDS][IPFS_CID_TEXT_MAX];
  size_t ncids;
  size_t cid_items;              /* CIDs given, repeats included (at most 10) */
  char name[PINSVC_NAME_MAX + 1];
  bool has_name;
  enum pinsvc_match match;
  char status[40];               /* "pinned" or a checked comma list: "queued,pinning" */
  char before[40], after[40];    /* RFC 3339 as given ("" when absent), checked */
  uint32_t limit;                /* 1..1000, default 10 */
  char *meta_json;               /* owned, NULL when absent: a JSON object of strings */
};
/* The raw query values (decoded; NULL when absent). cid and status may be given comma-separated
 * and/or repeated: each array holds every occurrence. */
struct pinsvc_query_in {
  const char *cid[PINSVC_MAX_CIDS + 1];
  size_t ncid;                   /* occurrences (may exceed the array: then too many) */
  const char *status[8];
  size_t nstatus;
  const char *name, *match, *before, *after, *limit, *meta;
};
/* Returns 0; OB_EINVAL naming the parameter. Allocates meta_json (pinsvc_query_release). */
int pinsvc_query_parse(struct pinsvc_query *q, const struct pinsvc_query_in *in, struct ob_err *err);
void pinsvc_query_release(struct pinsvc_query *q);

/* An RFC 3339 date-time ("2020-07-27T17:32:28Z", fraction and offset allowed) with valid fields. */
bool pinsvc_timestamp_valid(const char *s);

/* ---- tenants and tokens (the CLI's `obridge tenant`) ---- */

struct pinsvc_tenant {
  int64_t id;
  char name[65];
  int64_t quota_pins, quota_bytes; /* -1: no limit */
  int64_t pins, bytes;             /* live requests; bytes of pinned content */
  int64_t tokens;                  /* tokens not revoked */
  char created[40];
};
/* A tenant name: 1 to 64 of [A-Za-z0-9._-], starting with a letter or digit. */
bool pinsvc_tenant_name_valid(const char *name);
/* quota -1: no limit. OB_ECONFLICT when the name exists. */
int pinsvc_tenant_add(struct db *db, const char *name, int64_t quota_pins, int64_t quota_bytes, struct ob_err *err);
/* A new token for the tenant: "obt_" + 43 base64url characters (32 random bytes); only its
 * SHA-256 is stored. token gets the text (the one time it exists outside the client).
 * OB_ENOENT for an unknown tenant. */
int pinsvc_token_new(struct db *db, const char *tenant, char token[64], struct ob_err *err);
/* Revoke every token of the tenant; *n = how many. OB_ENOENT for an unknown tenant. */
int pinsvc_tenant_revoke(struct db *db, const char *tenant, uint64_t *n, struct ob_err *err);
/* Every tenant, by name. *out owned (ob_free). */
int pinsvc_tenant_list(struct db *db, struct pinsvc_tenant **out, size_t *n, struct ob_err *err);
/* sha256 hex of a token, as stored. */
void pinsvc_token_hash(char hex[65], const char *token);

/* ---- the server ---- */

struct pinsvc_opts {
  struct db *db;               /* borrowed; the loop's thread */
  struct ipfs_kubo *kubo;      /* borrowed: id (delegates) and pin/rm; short timeouts */
  struct chain_loop *loop;
  double rate_per_s;           /* per token; 0: no limit. Default 20 */
  uint32_t rate_burst;         /* default 100 */
  uint32_t sweep_ms;           /* replaced and orphaned requests; default 1000 */
};
void pinsvc_opts_init(struct pinsvc_opts *o);
/* Add the routes to http, read the node's addresses, start the sweep timer. *out owned: free it
 * with pinsvc_free after node_http_free (the routes point at it). */
int pinsvc_new(struct pinsvc **out, struct node_http *http, const struct pinsvc_opts *o, struct ob_err *err);
void pinsvc_free(struct pinsvc *s); /* NULL is a no-op */
/* One sweep now (tests): replaced requests whose successor is pinned are removed, queue rows of
 * deleted requests are dropped, and CIDs no pin holds any more are unpinned on the node.
 * *removed (may be NULL) = requests and rows removed. */
int pinsvc_sweep(struct pinsvc *s, uint64_t *removed, struct ob_err *err);
#endif
