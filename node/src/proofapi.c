/* The proof API (proofapi.h).
 *
 * Memory: the confirmed rounds held (at most keep_rounds, ascending), each with its parsed batch
 * document and the state of its one on-chain check; and one entry per feed name (sorted by name bytes,
 * as batch documents sort them) with the JSON of its newest published value, so `latest` is a lookup
 * and a copy. Rounds are published (feed entries updated, stream events sent) strictly in round order:
 * a round whose check is still running holds back the rounds after it, so a stream never skips one. */
#include "ob/node/proofapi.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/node/batch.h"
#include "ob/node/commit_store.h"
#include "ob/node/http.h"
#include "ob/node/proofs.h"
#include "ob/storage/kubo.h"

#define RPC_TIMEOUT_MS 10000
#define PING_MS 15000
#define POLL_BATCH 256
#define EXTRA_ROUNDS 16  /* older rounds loaded on demand, kept besides the window */
#define MAX_STREAM_FEEDS 1024
#define MAX_QUEUED ((size_t)8 << 20) /* a subscriber this far behind is cut off (it resumes with Last-Event-ID) */
#define DOC_RETRY_MS 30000 /* a document IPFS did not give is asked for again this often */

enum rstate { RS_CHECKING, RS_RETRY, RS_OK, RS_FAILED };

struct waiter {
  struct node_http_req *req;
  char *feed;
  struct waiter *next;
};

struct pround {
  struct node_proofapi *api;
  struct node_round_meta meta;
  struct node_batch b;
  size_t bytes;        /* the batch document's size (what trim counts against keep_bytes) */
  enum rstate state;
  bool published, rpc_pending;
  bool need_doc;       /* the document was not reachable: asked for again at doc_retry_at */
  uint64_t doc_retry_at;
  uint64_t rpc_id;
  char why[512];
  struct waiter *waiters;
};

struct feedent {
  char *name;
  uint64_t round;
  uint8_t id[32];
  char *json; /* the proof object */
  size_t json_len;
  char *item; /* the /v1/feeds entry */
  size_t item_len;
};

struct sub {
  struct node_proofapi *api;
  struct node_http_req *req;
  char **feeds; /* sorted; nfeeds 0: every feed */
  size_t nfeeds;
  struct sub *prev, *next;
};

struct node_proofapi {
  struct node_proofapi_opts o;
  char registry[43]; /* lower case, as the rounds table keeps it */
  uint8_t reg[20];
  struct chain_timer *timer;
  struct pround **rounds; /* held window, ascending */
  size_t nrounds;
  struct pround *extra[EXTRA_ROUNDS];
  uint64_t last_seen; /* newest confirmed round loaded */
  bool first_poll_done;
  struct feedent *ents;
  size_t nents;
  uint64_t newest_published;
  struct sub *subs;
  uint64_t last_ping;
};

void node_proofapi_opts_init(struct node_proofapi_opts *o) {
  memset(o, 0, sizeof(*o));
  o->poll_ms = 1000;
  o->max_age_s = 60;
  o->keep_rounds = 128;
  o->keep_bytes = (size_t)2 << 20;
}

/* ---- rounds ---- */

static void waiters_answer(struct pround *r);

static void pround_free(struct pround *r) {
  if (!r) return;
  if (r->rpc_pending) chain_rpc_cancel(r->api->o.rpc, r->rpc_id);
  if (r->waiters) {
    r->state = RS_FAILED;
    snprintf(r->why, sizeof(r->why), "round %" PRIu64 " was dropped from memory while checked; ask again", r->meta.round);
    waiters_answer(r);
  }
  node_batch_release(&r->b);
  ob_free(r);
}

static int cat_sink(void *ud, const void *buf, size_t n, struct ob_err *err) {
  if (ob_buf_add(ud, buf, n)) return ob_err_set(err, OB_ELIMIT, "the document is larger than %zu bytes", NODE_BATCH_MAX_BYTES);
  return 0;
}

/* The round's document: the database's copy, else IPFS by CID. 0, or the reason in r->why. */
static int load_document(struct pround *r, const struct node_round_row *row) {
  struct ob_err err;
  struct ob_buf doc;
  int rc;
  ob_err_clear(&err);
  if (row->batch_len) {
    rc = node_batch_parse(&r->b, row->batch, row->batch_len, &err);
    r->bytes = row->batch_len;
  } else if (!r->api->o.kubo || !row->cid[0]) {
    snprintf(r->why, sizeof(r->why), "round %" PRIu64 ": the database holds no batch document and %s", row->round,
             row->cid[0] ? "no IPFS node is configured" : "it has no CID");
    return OB_EUNREACH;
  } else {
    ob_buf_init(&doc, NODE_BATCH_MAX_BYTES);
    rc = ipfs_kubo_cat(r->api->o.kubo, row->cid, cat_sink, &doc, &err);
    if (rc) {
      snprintf(r->why, sizeof(r->why), "round %" PRIu64 ": batch document %s not reachable: %.150s", row->round, row->cid,
               ob_err_msg(&err, rc));
      ob_buf_release(&doc);
      r->need_doc = true;
      r->doc_retry_at = ob_mono_ms() + DOC_RETRY_MS;
      return rc;
    }
    r->need_doc = false;
    rc = node_batch_parse(&r->b, doc.buf ? doc.buf : "", doc.len, &err);
    r->bytes = doc.len;
    ob_buf_release(&doc);
  }
  if (rc) snprintf(r->why, sizeof(r->why), "round %" PRIu64 ": the batch document does not check: %.200s", row->round, ob_err_msg(&err, rc));
  else if (r->b.round != row->round || memcmp(r->b.root, r->meta.root, 32) != 0)
    snprintf(r->why, sizeof(r->why), "round %" PRIu64 ": the batch document (round %" PRIu64 ") is not the round's", row->round,
             r->b.round), rc = OB_ECHECK;
  return rc;
}

static void start_check(struct pround *r);
static void publish_ready(struct node_proofapi *api);

static void root_cb(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct pround *r = ud;
  const char *s = rc ? NULL : ob_json_string(result);
  uint8_t root[32];
  char a[67], b[67];
  r->rpc_pending = false;
  if (rc || !s || ob_hex_decode_fixed(root, 32, s, NULL)) {
    r->state = RS_RETRY;
    snprintf(r->why, sizeof(r->why), "round %" PRIu64 ": rootOf could not be read from the chain: %.200s", r->meta.round,
             rc ? (err ? err->msg : ob_strerror(rc)) : "not one 32-byte word");
  } else if (memcmp(root, r->b.root, 32) != 0) {
    r->state = RS_FAILED;
    ob_hex_encode0x(a, root, 32);
    ob_hex_encode0x(b, r->b.root, 32);
    snprintf(r->why, sizeof(r->why), "round %" PRIu64 ": the registry's root is %s, the batch document's %s", r->meta.round,
             a, b);
    OB_LOG(OB_LOG_WARN, "proofapi", "a confirmed round does not match the chain: not served", "why", r->why, NULL);
  } else {
    r->state = RS_OK;
  }
  waiters_answer(r);
  publish_ready(r->api);
}

/* eth_call rootOf(round), once per round (again only after a failed call). */
static void start_check(struct pround *r) {
  struct node_proofapi *api = r->api;
  char params[256], hexround[17];
  struct ob_err err;
  if (!api->o.rpc) {
    r->state = RS_RETRY;
    snprintf(r->why, sizeof(r->why), "round %" PRIu64 ": no chain endpoint configured to check the root", r->meta.round);
    return;
  }
  snprintf(hexround, sizeof(hexround), "%016" PRIx64, r->meta.round);
  /* rootOf(uint64): the selector is keccak256("rootOf(uint64)")[0..4] (node/registry.c reads it the same way). */
  snprintf(params, sizeof(params),
           "[{\"to\":\"%s\",\"data\":\"0x9d7384d9000000000000000000000000000000000000000000000000%s\"},\"latest\"]",
           api->registry, hexround);
  ob_err_clear(&err);
  r->state = RS_CHECKING;
  if (chain_rpc_call(api->o.rpc, "eth_call", params, 0, RPC_TIMEOUT_MS, root_cb, r, &r->rpc_id, &err) == 0)
    r->rpc_pending = true;
  else {
    r->state = RS_RETRY;
    snprintf(r->why, sizeof(r->why), "round %" PRIu64 ": cannot ask the chain: %.200s", r->meta.round, err.msg);
  }
}

static struct pround *pround_from_row(struct node_proofapi *api, const struct node_round_row *row) {
  struct pround *r = ob_calloc(1, sizeof(*r));
  if (!r) return NULL;
  r->api = api;
  node_batch_init(&r->b);
  r->meta.round = row->round;
  ob_hex_decode_fixed(r->meta.root, 32, row->root, NULL);
  snprintf(r->meta.cid, sizeof(r->meta.cid), "%s", row->cid);
  snprintf(r->meta.tx, sizeof(r->meta.tx), "%s", row->tx_hash);
  r->meta.block = row->block;
  memcpy(r->meta.registry, api->reg, 20);
  if (load_document(r, row)) r->state = RS_FAILED;
  else start_check(r);
  return r;
}

/* ---- feed entries ---- */

static struct feedent *ent_find(struct node_proofapi *api, const char *name) {
  size_t lo = 0, hi = api->nents;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(api->ents[mid].name, name);
    if (c == 0) return &api->ents[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

static const struct node_batch_feed *round_feed(const struct pround *r, const char *name) {
  size_t lo = 0, hi = r->b.nfeeds;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(r->b.feeds[mid].name, name);
    if (c == 0) return &r->b.feeds[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

/* JSON text of a writer's output, owned. */
static char *json_of(const struct pround *r, const struct node_batch_feed *f, bool item, size_t *len) {
  struct ob_buf b;
  struct ob_jw w;
  char *out = NULL;
  ob_buf_init(&b, (size_t)1 << 24);
  ob_jw_init(&w, &b, false);
  if (item) node_proof_list_json(&w, r->meta.round, f);
  else node_proof_json(&w, &r->meta, f);
  if (ob_jw_finish(&w) == 0 && (out = ob_malloc(b.len + 1)) != NULL) {
    memcpy(out, b.buf, b.len);
    out[b.len] = 0;
    *len = b.len;
  }
  ob_buf_release(&b);
  return out;
}

static int ent_set(struct feedent *e, const struct pround *r, const struct node_batch_feed *f) {
  char *j = json_of(r, f, false, &e->json_len), *i = j ? json_of(r, f, true, &e->item_len) : NULL;
  if (!i) {
    ob_free(j);
    return OB_ENOMEM;
  }
  ob_free(e->json);
  ob_free(e->item);
  e->json = j, e->item = i;
  e->round = r->meta.round;
  memcpy(e->id, f->id, 32);
  return 0;
}

/* Merge a round's sorted feeds into the sorted entries. */
static int ents_merge(struct node_proofapi *api, const struct pround *r) {
  size_t n = api->nents, m = r->b.nfeeds, i = 0, k = 0, o = 0;
  struct feedent *ne = ob_calloc(n + m ? n + m : 1, sizeof(*ne));
  int rc = 0;
  if (!ne) return OB_ENOMEM;
  while (i < n || k < m) {
    int c = i == n ? 1 : k == m ? -1 : strcmp(api->ents[i].name, r->b.feeds[k].name);
    if (c < 0) {
      ne[o++] = api->ents[i++];
      continue;
    }
    if (c == 0) ne[o] = api->ents[i++];
    else if (!(ne[o].name = ob_strdup(r->b.feeds[k].name))) rc = OB_ENOMEM;
    if (!rc) rc = ent_set(&ne[o], r, &r->b.feeds[k]);
    o++, k++;
  }
  ob_free(api->ents);
  api->ents = ne;
  api->nents = o;
  return rc;
}

/* ---- streams ---- */

static bool sub_wants(const struct sub *s, const char *name) {
  size_t lo = 0, hi = s->nfeeds;
  if (!s->nfeeds) return true;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(s->feeds[mid], name);
    if (c == 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

static int sse_event(struct node_http_req *req, uint64_t round, const char *json, size_t len) {
  struct ob_buf b;
  int rc;
  ob_buf_init(&b, len + 64);
  rc = ob_buf_addf(&b, "id: %" PRIu64 "\ndata: ", round);
  if (!rc) rc = ob_buf_add(&b, json, len);
  if (!rc) rc = ob_buf_addstr(&b, "\n\n");
  if (!rc) rc = node_http_stream_write(req, b.buf, b.len);
  ob_buf_release(&b);
  return rc;
}

/* Every subscribed feed of round r as events to s. */
static void sub_send_round(struct sub *s, const struct pround *r) {
  for (size_t k = 0; k < r->b.nfeeds; k++) {
    const struct node_batch_feed *f = &r->b.feeds[k];
    struct feedent *e;
    if (!sub_wants(s, f->name)) continue;
    e = ent_find(s->api, f->name);
    if (e && e->round == r->meta.round) sse_event(s->req, r->meta.round, e->json, e->json_len);
    else {
      size_t len = 0;
      char *j = json_of(r, f, false, &len);
      if (j) sse_event(s->req, r->meta.round, j, len);
      ob_free(j);
    }
  }
}

static void sub_closed(void *ud, struct node_http_req *req);

/* A subscriber that stopped reading is ended rather than queued for without bound; its client
 * reconnects with Last-Event-ID and misses nothing the server still holds. */
static void broadcast(struct node_proofapi *api, const struct pround *r) {
  struct sub *s = api->subs, *next;
  for (; s; s = next) {
    next = s->next;
    if (node_http_stream_queued(s->req) > MAX_QUEUED) {
      OB_LOG(OB_LOG_WARN, "proofapi", "a stream subscriber is too far behind: ended", "remote", node_http_remote(s->req), NULL);
      node_http_on_close(s->req, NULL, NULL);
      node_http_stream_end(s->req);
      sub_closed(s, s->req);
      continue;
    }
    sub_send_round(s, r);
  }
}

/* ---- publishing, in round order ---- */

static void publish_ready(struct node_proofapi *api) {
  for (size_t i = 0; i < api->nrounds; i++) {
    struct pround *r = api->rounds[i];
    if (r->published) continue;
    if (r->state == RS_CHECKING || r->state == RS_RETRY) return; /* later rounds wait for this one */
    r->published = true;
    if (r->state != RS_OK) continue;
    if (ents_merge(api, r)) {
      OB_LOG(OB_LOG_ERROR, "proofapi", "out of memory publishing a round", NULL);
      continue;
    }
    if (r->meta.round > api->newest_published) api->newest_published = r->meta.round;
    broadcast(api, r);
    if (api->o.on_round) api->o.on_round(api->o.on_round_ud, r->meta.round);
  }
}

static size_t held_bytes(const struct node_proofapi *api) {
  size_t n = 0;
  for (size_t i = 0; i < api->nrounds; i++) n += api->rounds[i]->bytes;
  return n;
}

/* At most keep_rounds rounds, and their documents within keep_bytes (the newest always held): 100
 * rounds of 1,000 feeds held whole were ~200 MB of the daemon's memory. */
static void trim(struct node_proofapi *api) {
  while ((api->nrounds > api->o.keep_rounds || (api->nrounds > 1 && held_bytes(api) > api->o.keep_bytes)) &&
         api->rounds[0]->published) {
    pround_free(api->rounds[0]);
    memmove(api->rounds, api->rounds + 1, (api->nrounds - 1) * sizeof(*api->rounds));
    api->nrounds--;
  }
}

static int hold(struct node_proofapi *api, struct pround *r) {
  struct pround **nr = ob_realloc(api->rounds, (api->nrounds + 1) * sizeof(*nr));
  if (!nr) return OB_ENOMEM;
  api->rounds = nr;
  api->rounds[api->nrounds++] = r;
  if (r->meta.round > api->last_seen) api->last_seen = r->meta.round;
  return 0;
}

static void poll_db(struct node_proofapi *api) {
  struct node_round_row *rows = NULL;
  struct ob_err err;
  size_t n = 0;
  bool first = !api->first_poll_done;
  int rc;
  ob_err_clear(&err);
  rc = node_round_confirmed(api->o.db, api->o.chain_id, api->registry, api->last_seen, first,
                            first ? api->o.keep_rounds : POLL_BATCH, &rows, &n, &err);
  if (rc) {
    OB_LOG(OB_LOG_WARN, "proofapi", "cannot read confirmed rounds", "error", err.msg, NULL);
    node_round_rows_free(rows, n);
    return;
  }
  api->first_poll_done = true;
  for (size_t k = 0; k < n; k++) {
    const struct node_round_row *row = &rows[first ? n - 1 - k : k];
    struct pround *r = pround_from_row(api, row);
    if (!r || hold(api, r)) {
      pround_free(r);
      break;
    }
    if (r->state == RS_FAILED) OB_LOG(OB_LOG_WARN, "proofapi", "a confirmed round cannot be served", "why", r->why, NULL);
  }
  node_round_rows_free(rows, n);
}

/* A round whose check could not run is checked again at each poll (the chain may come back); one whose
 * document IPFS did not give is asked for again every DOC_RETRY_MS (a round skipped by the streams then
 * becomes readable at /rounds/{round}). */
static void retry(struct node_proofapi *api) {
  uint64_t now = ob_mono_ms();
  for (size_t i = 0; i < api->nrounds; i++) {
    struct pround *r = api->rounds[i];
    if (r->state == RS_RETRY && !r->rpc_pending) start_check(r);
    if (r->state == RS_FAILED && r->need_doc && now >= r->doc_retry_at) {
      struct node_round_row row;
      memset(&row, 0, sizeof(row));
      row.round = r->meta.round;
      snprintf(row.cid, sizeof(row.cid), "%s", r->meta.cid);
      if (load_document(r, &row) == 0) start_check(r);
    }
  }
}

static void ping(struct node_proofapi *api) {
  uint64_t now = ob_mono_ms();
  if (now - api->last_ping < PING_MS) return;
  api->last_ping = now;
  for (struct sub *s = api->subs; s; s = s->next) node_http_stream_write(s->req, ": ping\n\n", 8);
}

static void tick(void *ud) {
  struct node_proofapi *api = ud;
  retry(api);
  poll_db(api);
  publish_ready(api);
  trim(api);
  ping(api);
}

/* ---- requests ---- */

static bool not_modified(struct node_http_req *req, const char *etag) {
  const char *inm = node_http_header(req, "If-None-Match");
  return inm && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

static void reply_cached(struct node_http_req *req, const char *etag, const char *cache, const char *body, size_t len) {
  node_http_add_header(req, "ETag", etag);
  node_http_add_header(req, "Cache-Control", cache);
  if (not_modified(req, etag)) node_http_reply(req, 304, NULL, "", 0);
  else node_http_reply(req, 200, "application/json", body, len);
}

static void etag_of(char out[48], uint64_t round, const uint8_t id[32]) {
  char h[17];
  ob_hex_encode(h, id, 8);
  snprintf(out, 48, "\"%" PRIu64 "-%s\"", round, h);
}

static void h_feeds(void *ud, struct node_http_req *req) {
  struct node_proofapi *api = ud;
  struct ob_buf b;
  char etag[48], cache[64];
  int rc;
  ob_buf_init(&b, (size_t)1 << 28);
  rc = ob_buf_addstr(&b, "{\"feeds\":[");
  for (size_t i = 0; !rc && i < api->nents; i++) {
    if (i) rc = ob_buf_addch(&b, ',');
    if (!rc) rc = ob_buf_add(&b, api->ents[i].item, api->ents[i].item_len);
  }
  if (!rc) rc = ob_buf_addstr(&b, "]}");
  if (rc) node_http_error(req, 500, "INTERNAL", "cannot write the feed list");
  else {
    snprintf(etag, sizeof(etag), "\"feeds-%" PRIu64 "-%zu\"", api->newest_published, api->nents);
    snprintf(cache, sizeof(cache), "public, max-age=%u", api->o.max_age_s);
    reply_cached(req, etag, cache, b.buf, b.len);
  }
  ob_buf_release(&b);
}

static void h_latest(void *ud, struct node_http_req *req) {
  struct node_proofapi *api = ud;
  const char *name = node_http_param(req, "name");
  struct feedent *e = name ? ent_find(api, name) : NULL;
  char etag[48], cache[64];
  if (!e) {
    node_http_error(req, 404, "NOT_FOUND", "unknown feed '%s' (no confirmed, checked round holds it)", name ? name : "");
    return;
  }
  etag_of(etag, e->round, e->id);
  snprintf(cache, sizeof(cache), "public, max-age=%u", api->o.max_age_s);
  reply_cached(req, etag, cache, e->json, e->json_len);
}

/* Answer a /rounds request from a checked (or failed) round. */
static void answer_round(struct node_http_req *req, const struct pround *r, const char *feed) {
  const struct node_batch_feed *f;
  char etag[48], *j;
  size_t len = 0;
  if (r->state != RS_OK) {
    node_http_error(req, 503, "UNAVAILABLE", "%s", r->why);
    return;
  }
  if (!(f = round_feed(r, feed))) {
    node_http_error(req, 404, "NOT_FOUND", "feed '%s' is not in round %" PRIu64, feed, r->meta.round);
    return;
  }
  if (!(j = json_of(r, f, false, &len))) {
    node_http_error(req, 500, "INTERNAL", "out of memory");
    return;
  }
  etag_of(etag, r->meta.round, f->id);
  reply_cached(req, etag, "public, max-age=31536000, immutable", j, len);
  ob_free(j);
}

static void waiters_answer(struct pround *r) {
  if (r->state == RS_CHECKING) return;
  while (r->waiters) {
    struct waiter *w = r->waiters;
    r->waiters = w->next;
    node_http_on_close(w->req, NULL, NULL);
    answer_round(w->req, r, w->feed);
    ob_free(w->feed);
    ob_free(w);
  }
}

static void waiter_closed(void *ud, struct node_http_req *req) {
  struct pround *r = ud;
  for (struct waiter **p = &r->waiters; *p; p = &(*p)->next)
    if ((*p)->req == req) {
      struct waiter *w = *p;
      *p = w->next;
      ob_free(w->feed);
      ob_free(w);
      return;
    }
}

static struct pround *find_round(struct node_proofapi *api, uint64_t round) {
  for (size_t i = 0; i < api->nrounds; i++)
    if (api->rounds[i]->meta.round == round) return api->rounds[i];
  for (size_t i = 0; i < EXTRA_ROUNDS; i++)
    if (api->extra[i] && api->extra[i]->meta.round == round) return api->extra[i];
  return NULL;
}

/* An older round than the window, from the database. NULL with *status 404 or 500. */
static struct pround *load_old_round(struct node_proofapi *api, uint64_t round, int *status, struct ob_err *err) {
  struct node_round_row *rows = NULL;
  struct pround *r = NULL;
  size_t n = 0, slot = EXTRA_ROUNDS;
  *status = 500;
  if (node_round_confirmed(api->o.db, api->o.chain_id, api->registry, round - 1, false, 1, &rows, &n, err) == 0) {
    if (n == 1 && rows[0].round == round) r = pround_from_row(api, &rows[0]);
    else *status = 404;
  }
  node_round_rows_free(rows, n);
  if (!r) return NULL;
  for (size_t i = 0; i < EXTRA_ROUNDS && slot == EXTRA_ROUNDS; i++)
    if (!api->extra[i] || (!api->extra[i]->waiters && api->extra[i]->state != RS_CHECKING)) slot = i;
  if (slot == EXTRA_ROUNDS) slot = 0; /* all busy: the first one's waiters get a 503 */
  pround_free(api->extra[slot]);
  api->extra[slot] = r;
  r->published = true; /* never streamed: streams only carry rounds from the window on */
  return r;
}

static void h_round(void *ud, struct node_http_req *req) {
  struct node_proofapi *api = ud;
  const char *name = node_http_param(req, "name"), *rs = node_http_param(req, "round");
  struct pround *r;
  struct ob_err err;
  uint64_t round = 0;
  int status = 0;
  ob_err_clear(&err);
  if (!rs || ob_parse_u64(&round, rs, "round", NULL) || round == 0) {
    node_http_error(req, 400, "BAD_REQUEST", "round: expected a positive integer, got '%s'", rs ? rs : "");
    return;
  }
  if (!(r = find_round(api, round)) && round <= api->last_seen) r = load_old_round(api, round, &status, &err);
  if (!r) {
    if (status == 500) node_http_error(req, 503, "UNAVAILABLE", "cannot read round %" PRIu64 ": %s", round, err.msg);
    else node_http_error(req, 404, "NOT_FOUND", "round %" PRIu64 " of registry %s is not confirmed", round, api->registry);
    return;
  }
  if (r->state != RS_CHECKING || !api->o.rpc) {
    answer_round(req, r, name ? name : "");
    return;
  }
  struct waiter *w = ob_calloc(1, sizeof(*w));
  if (!w || !(w->feed = ob_strdup(name ? name : ""))) {
    ob_free(w);
    node_http_error(req, 500, "INTERNAL", "out of memory");
    return;
  }
  w->req = req;
  w->next = r->waiters;
  r->waiters = w;
  node_http_on_close(req, waiter_closed, r);
}

static void sub_free(struct sub *s) {
  for (size_t i = 0; i < s->nfeeds; i++) ob_free(s->feeds[i]);
  ob_free(s->feeds);
  ob_free(s);
}

static void sub_closed(void *ud, struct node_http_req *req) {
  struct sub *s = ud;
  (void)req;
  if (s->prev) s->prev->next = s->next;
  else s->api->subs = s->next;
  if (s->next) s->next->prev = s->prev;
  sub_free(s);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ?feeds=A,B (repeatable) into s->feeds, sorted; each must be a known feed. 0, or replied already. */
static int sub_feeds(struct sub *s, struct node_http_req *req) {
  const char *vals[64];
  size_t nv = node_http_query_all(req, "feeds", vals, 64);
  for (size_t v = 0; v < nv && v < 64; v++) {
    const char *p = vals[v];
    while (*p) {
      size_t len = strcspn(p, ",");
      char *name;
      if (len && s->nfeeds < MAX_STREAM_FEEDS) {
        char **nf = ob_realloc(s->feeds, (s->nfeeds + 1) * sizeof(*nf));
        if (!nf || !(name = ob_malloc(len + 1))) {
          if (nf) s->feeds = nf;
          node_http_error(req, 500, "INTERNAL", "out of memory");
          return -1;
        }
        s->feeds = nf;
        memcpy(name, p, len);
        name[len] = 0;
        s->feeds[s->nfeeds++] = name;
        if (!ent_find(s->api, name)) {
          node_http_error(req, 404, "NOT_FOUND", "unknown feed '%s'", name);
          return -1;
        }
      }
      p += len + (p[len] == ',');
    }
  }
  if (s->nfeeds) qsort(s->feeds, s->nfeeds, sizeof(*s->feeds), cmp_str);
  return 0;
}

/* The first events: after Last-Event-ID, every held round after it; without, each feed's latest. */
static void sub_backlog(struct sub *s, const char *last_id) {
  struct node_proofapi *api = s->api;
  uint64_t last = 0;
  if (last_id && ob_parse_u64(&last, last_id, "Last-Event-ID", NULL) == 0) {
    if (api->nrounds && api->rounds[0]->meta.round > last + 1) {
      char c[160];
      int n = snprintf(c, sizeof(c), ": rounds before %" PRIu64 " are no longer held here; ask /v1/feeds/{name}/rounds/{round}\n\n",
                       api->rounds[0]->meta.round);
      node_http_stream_write(s->req, c, (size_t)n);
    }
    for (size_t i = 0; i < api->nrounds; i++) {
      struct pround *r = api->rounds[i];
      if (r->meta.round > last && r->published && r->state == RS_OK) sub_send_round(s, r);
    }
    return;
  }
  /* Each feed's latest, in round order, so a Last-Event-ID taken from them misses nothing. */
  struct feedent **v = ob_calloc(api->nents ? api->nents : 1, sizeof(*v));
  size_t n = 0;
  if (!v) return;
  for (size_t i = 0; i < api->nents; i++)
    if (sub_wants(s, api->ents[i].name)) v[n++] = &api->ents[i];
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && v[j]->round < v[j - 1]->round; j--) {
      struct feedent *t = v[j];
      v[j] = v[j - 1], v[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++) sse_event(s->req, v[i]->round, v[i]->json, v[i]->json_len);
  ob_free(v);
}

static void h_stream(void *ud, struct node_http_req *req) {
  struct node_proofapi *api = ud;
  struct sub *s = ob_calloc(1, sizeof(*s));
  if (!s) {
    node_http_error(req, 500, "INTERNAL", "out of memory");
    return;
  }
  s->api = api;
  s->req = req;
  if (sub_feeds(s, req)) {
    sub_free(s);
    return;
  }
  node_http_add_header(req, "Cache-Control", "no-cache");
  node_http_add_header(req, "X-Accel-Buffering", "no");
  if (node_http_stream_begin(req, 200, "text/event-stream")) {
    sub_free(s);
    return;
  }
  node_http_stream_write(req, "retry: 1000\n\n", 13);
  s->next = api->subs;
  if (api->subs) api->subs->prev = s;
  api->subs = s;
  node_http_on_close(req, sub_closed, s);
  sub_backlog(s, node_http_header(req, "Last-Event-ID"));
}

/* ---- lifecycle ---- */

int node_proofapi_new(struct node_proofapi **out, const struct node_proofapi_opts *o, struct ob_err *err) {
  struct node_proofapi *api;
  int rc;
  *out = NULL;
  if (!o->registry || chain_addr_parse((uint8_t[20]){0}, o->registry, NULL))
    return ob_err_set(err, OB_EINVAL, "proof API: registry '%s' is not an address", o->registry ? o->registry : "");
  if (!(api = ob_calloc(1, sizeof(*api)))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  api->o = *o;
  if (!api->o.poll_ms) api->o.poll_ms = 1000;
  if (!api->o.keep_rounds) api->o.keep_rounds = 128;
  if (!api->o.keep_bytes) api->o.keep_bytes = (size_t)2 << 20;
  chain_addr_parse(api->reg, o->registry, NULL);
  ob_hex_encode0x(api->registry, api->reg, 20);
  api->last_ping = ob_mono_ms();
  rc = chain_timer_new(&api->timer, o->loop, tick, api, err);
  if (rc) {
    ob_free(api);
    return rc;
  }
  chain_timer_start(api->timer, 0, api->o.poll_ms);
  *out = api;
  return 0;
}

const char *node_proofapi_round_check(struct node_proofapi *api, uint64_t round, const char **why) {
  struct pround *r = api ? find_round(api, round) : NULL;
  *why = NULL;
  if (!r) return "unknown";
  switch (r->state) {
  case RS_OK: return "passed";
  case RS_FAILED: *why = r->why; return "failed";
  case RS_RETRY: *why = r->why; return "checking";
  default: return "checking";
  }
}

int node_proofapi_add_routes(struct node_proofapi *api, struct node_http *http, struct ob_err *err) {
  int rc = node_http_route(http, "GET", "/v1/feeds", h_feeds, api, err);
  if (!rc) rc = node_http_route(http, "GET", "/v1/feeds/{name...}/latest", h_latest, api, err);
  if (!rc) rc = node_http_route(http, "GET", "/v1/feeds/{name...}/rounds/{round}", h_round, api, err);
  if (!rc) rc = node_http_route(http, "GET", "/v1/stream", h_stream, api, err);
  return rc;
}

void node_proofapi_free(struct node_proofapi *api) {
  if (!api) return;
  chain_timer_free(api->timer);
  while (api->subs) {
    struct sub *s = api->subs;
    node_http_on_close(s->req, NULL, NULL);
    node_http_stream_end(s->req);
    api->subs = s->next;
    sub_free(s);
  }
  for (size_t i = 0; i < api->nrounds; i++) pround_free(api->rounds[i]);
  for (size_t i = 0; i < EXTRA_ROUNDS; i++) pround_free(api->extra[i]);
  ob_free(api->rounds);
  for (size_t i = 0; i < api->nents; i++) {
    ob_free(api->ents[i].name);
    ob_free(api->ents[i].json);
    ob_free(api->ents[i].item);
  }
  ob_free(api->ents);
  ob_free(api);
}
