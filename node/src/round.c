/* The commit pipeline (round.h): build, pin, sign, submit, confirm, each step fenced and recorded. */
#include "ob/node/round.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/eip712.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/chain/txm.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/batch.h"
#include "ob/node/commit_store.h"
#include "ob/node/lease.h"
#include "ob/node/registry.h"
#include "ob/node/txm_store.h"
#include "ob/storage/cid.h"
#include "ob/storage/kubo.h"
#include "ob/storage/pin.h"

/* ---- the fence ---- */

int node_fence_check(struct db *db, const struct node_fence *f, struct ob_err *err) {
  struct db_res *r = NULL;
  const char *p[1];
  int rc;
  if (!f) return 0;
  if (f->token) return node_lease_check(db, f->token, err);
  if (!f->lock) return ob_err_set(err, OB_EINVAL, "fence: neither a lease token nor an advisory lock");
  /* db_advisory_lock keys the lock hashtextextended(name, 0): the same bigint split into two oids. */
  p[0] = f->lock;
  rc = db_exec(db, &r, 0,
               "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
               "AND classid = ((hashtextextended($1, 0) >> 32) & 4294967295)::bigint::oid "
               "AND objid = (hashtextextended($1, 0) & 4294967295)::bigint::oid AND objsubid = 1",
               1, p, err);
  if (!rc && strcmp(db_res_get(r, 0, 0), "0") == 0)
    rc = ob_err_set(err, OB_ESTATE, "advisory lock '%s' is not held by this session: another run owns the round",
                    f->lock);
  db_res_free(r);
  return rc;
}

/* ---- signing ---- */

static int by_addr(const void *a, const void *b) {
  return memcmp(((const struct node_sig *)a)->addr, ((const struct node_sig *)b)->addr, 20);
}

int node_sign_digest(const uint8_t (*keys)[32], const uint8_t (*addrs)[20], size_t nkeys,
                     const struct node_registry_state *st, const uint8_t digest[32], struct node_sig *out,
                     size_t *n, struct ob_err *err) {
  struct chain_signer *s = NULL;
  int rc = chain_signer_new(&s, err);
  *n = 0;
  for (size_t i = 0; !rc && i < nkeys; i++) {
    bool member = false;
    char a[43];
    for (size_t j = 0; j < st->nsigners; j++) member = member || memcmp(st->signers[j], addrs[i], 20) == 0;
    chain_addr_checksum(a, addrs[i]);
    if (!member) {
      rc = ob_err_set(err, OB_EINVAL, "signer %s is not in the registry's signer set", a);
      break;
    }
    for (size_t j = 0; j < *n; j++)
      if (memcmp(out[j].addr, addrs[i], 20) == 0) rc = ob_err_set(err, OB_EINVAL, "signer %s given twice", a);
    if (!rc) rc = chain_sign(s, out[*n].sig, digest, keys[i], err);
    if (!rc) memcpy(out[(*n)++].addr, addrs[i], 20);
  }
  chain_signer_free(s);
  if (!rc && *n < st->threshold)
    rc = ob_err_set(err, OB_EINVAL, "%zu signature%s, the registry needs %u", *n, *n == 1 ? "" : "s", st->threshold);
  if (!rc) qsort(out, *n, sizeof(*out), by_addr);
  return rc;
}

/* ---- pinning ---- */

int node_commit_pin(const struct node_commit_ctx *ctx, const char *name, const char *doc, size_t len,
                    char cid[NODE_CID_MAX], struct ob_err *err) {
  struct ipfs_kubo_opts ko;
  struct ipfs_kubo *k = NULL;
  struct ipfs_pin_worker_opts wo;
  enum ipfs_profile prof;
  int rc = ipfs_profile_parse(&prof, ctx->ipfs_profile ? ctx->ipfs_profile : "unixfs-v1-2025", err);
  ipfs_kubo_opts_init(&ko);
  ko.api = ctx->ipfs_api;
  if (ctx->ipfs_connect_timeout_s) ko.connect_timeout_s = ctx->ipfs_connect_timeout_s;
  if (ctx->ipfs_stall_timeout_s) ko.stall_timeout_s = ctx->ipfs_stall_timeout_s;
  if (!rc) rc = ipfs_kubo_new(&k, &ko, err);
  ipfs_pin_worker_opts_init(&wo);
  wo.kubo = k;
  wo.stall_timeout_s = ko.stall_timeout_s;
  wo.stop = ctx->stop;
  if (!rc) rc = ipfs_pin_memory(&wo, prof, name, doc, len, cid, err);
  ipfs_kubo_free(k);
  return rc;
}

/* ---- fenced writes ---- */

struct write {
  const struct node_commit_ctx *ctx;
  char regl[43];
  uint64_t round;
  const char *step, *cid, *tx_hash;
  int64_t tx_id;
  uint64_t gas_used;
  /* insert */
  const char *root, *batch;
  size_t batch_len;
  uint32_t feeds;
};

static int write_tx(struct db *db, void *ud, struct ob_err *err) {
  const struct write *w = ud;
  int rc = node_fence_check(db, w->ctx->fence, err);
  if (!rc && w->batch)
    rc = node_round_insert(db, w->ctx->chain_id, w->regl, w->round, w->root, w->feeds, w->batch, w->batch_len, err);
  else if (!rc)
    rc = node_round_step(db, w->ctx->chain_id, w->regl, w->round, w->step, w->cid, w->tx_id, w->tx_hash, w->gas_used, err);
  if (!rc && w->ctx->on_step) rc = w->ctx->on_step(w->ctx->step_ud, db, w->round, w->step, err);
  return rc;
}

static int step_write(const struct node_commit_ctx *ctx, const char *regl, uint64_t round, const char *step,
                      const char *cid, int64_t tx_id, const char *tx_hash, uint64_t gas_used, struct ob_err *err) {
  struct write w;
  memset(&w, 0, sizeof(w));
  w.ctx = ctx;
  snprintf(w.regl, sizeof(w.regl), "%s", regl);
  w.round = round, w.step = step, w.cid = cid, w.tx_id = tx_id, w.tx_hash = tx_hash, w.gas_used = gas_used;
  return db_tx(ctx->db, write_tx, &w, err);
}

static int insert_write(const struct node_commit_ctx *ctx, const char *regl, uint64_t round, const char *root,
                        uint32_t feeds, const struct ob_buf *doc, struct ob_err *err) {
  struct write w;
  memset(&w, 0, sizeof(w));
  w.ctx = ctx;
  snprintf(w.regl, sizeof(w.regl), "%s", regl);
  w.round = round, w.step = "built", w.root = root, w.feeds = feeds, w.batch = doc->buf, w.batch_len = doc->len;
  return db_tx(ctx->db, write_tx, &w, err);
}

/* ---- the pipeline ---- */

__attribute__((format(printf, 2, 3))) static void notef(const struct node_commit_ctx *ctx, const char *fmt, ...) {
  char m[256];
  va_list ap;
  if (!ctx->note) return;
  va_start(ap, fmt);
  vsnprintf(m, sizeof(m), fmt, ap);
  va_end(ap);
  ctx->note(ctx->note_ud, m);
}

static void crash_at(const struct node_commit_ctx *ctx, const char *step) {
  if (ctx->crash_at) ctx->crash_at(step);
}

static int step_rank(const char *s) {
  static const char *const steps[] = {"built", "pinned", "signed", "submitted", "confirmed"};
  for (int i = 0; i < 5; i++)
    if (strcmp(s, steps[i]) == 0) return i + 1;
  return 0;
}

static unsigned ms_left(uint64_t deadline) {
  uint64_t now = ob_mono_ms();
  return now >= deadline ? 0 : (unsigned)(deadline - now);
}

static bool stopping(const struct node_commit_ctx *ctx) { return ctx->stop && *ctx->stop; }

bool node_commit_run_until_idle(const struct node_commit_ctx *ctx) {
  while (!chain_txm_idle(ctx->m) && ms_left(ctx->deadline) && !stopping(ctx)) chain_loop_run_once(ctx->loop);
  return chain_txm_idle(ctx->m);
}

/* Whether transaction id is still pending: this sender's, queued/signed/broadcast in the database and
 * its nonce not yet used on chain. One left queued or signed by a crash is first given its chance: the
 * manager (re)sends it (up to 5 s), so a commit that the chain takes at once is not superseded. */
static int tx_pending(const struct node_commit_ctx *ctx, int64_t id, bool *pending, struct ob_err *err) {
  struct node_tx_rows rows;
  struct ob_buf res;
  struct ob_json *j = NULL;
  char ids[24], from[43], params[80];
  uint64_t used = 0, until = ob_mono_ms() + 5000;
  int rc;
  *pending = false;
  memset(&rows, 0, sizeof(rows));
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  ob_hex_encode0x(from, ctx->from, 20);
  while (!(rc = node_tx_find(ctx->db, ids, &rows, err)) && rows.n == 1 &&
         (!strcmp(rows.v[0].state, "queued") || !strcmp(rows.v[0].state, "signed")) && ob_mono_ms() < until &&
         ms_left(ctx->deadline)) {
    node_tx_rows_free(&rows);
    chain_loop_run_once(ctx->loop);
  }
  if (rc || rows.n != 1 || strcmp(rows.v[0].from, from) != 0 ||
      (strcmp(rows.v[0].state, "queued") && strcmp(rows.v[0].state, "signed") && strcmp(rows.v[0].state, "broadcast"))) {
    node_tx_rows_free(&rows);
    return rc;
  }
  ob_buf_init(&res, 1 << 16);
  snprintf(params, sizeof(params), "[\"%s\",\"latest\"]", from);
  rc = chain_rpc_call_sync(ctx->rpc, "eth_getTransactionCount", params, 0, ms_left(ctx->deadline), &res, err);
  if (!rc) rc = ob_json_parse(&j, res.buf, res.len, NULL, err);
  if (!rc) rc = chain_json_quantity(j, &used, "eth_getTransactionCount", err);
  if (!rc) *pending = used <= rows.v[0].nonce;
  ob_json_free(j);
  ob_buf_release(&res);
  node_tx_rows_free(&rows);
  return rc;
}

/* The step a round's transaction has reached: confirmed (mined, succeeded) or superseded (another
 * transaction took its nonce); NULL while neither. */
static const char *tx_outcome(const struct node_commit_ctx *ctx, int64_t id, struct node_tx_rows *rows,
                              struct ob_err *err, int *rc) {
  char ids[24];
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  node_tx_rows_free(rows);
  if ((*rc = node_tx_find(ctx->db, ids, rows, err)) != 0 || rows->n != 1) return NULL;
  if ((!strcmp(rows->v[0].state, "confirmed") || !strcmp(rows->v[0].state, "finalized")) && rows->v[0].receipt_status == 1)
    return "confirmed";
  return strcmp(rows->v[0].state, "superseded") == 0 ? "superseded" : NULL;
}

/* What one run works on: the round to resume (row) or to build, and the one it supersedes (prev). */
struct run {
  const struct node_commit_ctx *ctx;
  const struct node_commit_req *req;
  struct node_commit_result *res;
  struct node_registry_state st;
  struct node_round_row row, prev;
  struct node_tx_rows rows, prows;
  struct node_batch b;  /* a resumed round's batch */
  struct node_batch *bp; /* the batch worked on: &b, or the caller's values */
  struct ob_buf doc, data;
  char regl[43], regc[43], root[67];
  int rank;
  bool found, superseded;
  bool pinned_early; /* a new round's document was pinned while its row was written */
  char pinned_cid[NODE_CID_MAX]; /* the document's CID once pinned */
};

/* The pin runs on a thread of its own while the loop goes on (chain_thread): an IPFS node that hangs
 * stalls the round for ipfs.stall_timeout_s, not the node (the daemon's /health, lease and websocket
 * keepalive run meanwhile). The pin only reads the document and the IPFS settings and uses its own
 * HTTP client.
 * A new round's pin starts while the round's row (the same document, ~1 MB for 1,000 feeds) is
 * written to PostgreSQL: the two waits overlap. Its outcome is recorded (step pinned) only after the
 * row is, so the steps stay in order whatever crashes where (a document pinned for a round whose row
 * was never written is only an unreferenced pin). */
struct pin_job {
  const struct node_commit_ctx *ctx;
  char name[64];
  const char *doc;
  size_t len;
  char cid[NODE_CID_MAX];
  struct ob_err err;
  int rc;
};

static void pin_job_main(void *ud) {
  struct pin_job *e = ud;
  ob_err_clear(&e->err);
  e->rc = node_commit_pin(e->ctx, e->name, e->doc, e->len, e->cid, &e->err);
}

static void pin_job_init(struct pin_job *e, const struct node_commit_ctx *ctx, uint64_t round, const struct ob_buf *doc) {
  memset(e, 0, sizeof(*e));
  e->ctx = ctx, e->doc = doc->buf, e->len = doc->len;
  snprintf(e->name, sizeof(e->name), "round-%" PRIu64 ".json", round);
}

/* Which round this run works on: the registry's unfinished one (or the newer one superseding it), or
 * a new one (r->found false) that may supersede r->prev's pending commit. */
static int pick_round(struct run *r, struct ob_err *err) {
  const struct node_commit_ctx *ctx = r->ctx;
  int found = 0, rc = node_round_unfinished(ctx->db, ctx->chain_id, r->regl, false, &r->row, &found, err);
  if (rc || !found) return rc;
  struct node_round_row newest;
  int nfound = 0;
  bool pending = false;
  memset(&newest, 0, sizeof(newest));
  if ((rc = node_round_unfinished(ctx->db, ctx->chain_id, r->regl, true, &newest, &nfound, err))) return rc;
  if (nfound && newest.round != r->row.round) {
    /* an earlier run was superseding row with newest: carry on with newest */
    r->prev = r->row;
    r->row = newest;
  } else {
    node_round_row_free(&newest);
    /* New values while the unfinished round's commit is still pending: a new round replaces it at
     * its nonce. */
    if (r->req->values && !r->req->only_this_round && strcmp(r->row.step, "submitted") == 0 && r->row.tx_id &&
        (rc = tx_pending(ctx, r->row.tx_id, &pending, err)))
      return rc;
    if (pending) {
      r->prev = r->row;
      memset(&r->row, 0, sizeof(r->row));
      return 0;
    }
  }
  if (r->req->only_this_round && r->row.round != r->req->round)
    return ob_err_set(err, OB_ESTATE, "round %" PRIu64 " of %s is unfinished (not this pipeline's round %" PRIu64
                      "): finish it first with obridge commit", r->row.round, r->regc, r->req->round);
  r->found = true;
  return 0;
}

static int build_round(struct run *r, struct ob_err *err) {
  const struct node_commit_ctx *ctx = r->ctx;
  struct node_batch *v = r->req->values;
  uint64_t dbmax = 0, round = r->req->round;
  int rc;
  if (r->prev.round) notef(ctx, "round %" PRIu64 " of %s is not mined yet: a new round supersedes it", r->prev.round, r->regc);
  if (!v) return ob_err_set(err, OB_EUSAGE, "--values FILE is required (no unfinished round to resume)");
  if ((rc = node_round_max(ctx->db, ctx->chain_id, r->regl, &dbmax, err))) return rc;
  if (!round) round = (r->st.latest_round > dbmax ? r->st.latest_round : dbmax) + 1;
  v->chain_id = ctx->chain_id;
  memcpy(v->registry, ctx->registry, 20);
  v->round = round;
  v->timestamp = ob_unix_s();
  if (v->timestamp <= r->st.latest_timestamp) v->timestamp = r->st.latest_timestamp;
  if ((rc = node_batch_seal(v, err)) || (rc = node_batch_write(v, &r->doc, err))) return rc == OB_ECHECK ? OB_EINVAL : rc;
  r->bp = v;
  ob_hex_encode0x(r->root, v->root, 32);
  {
    struct pin_job e;
    struct chain_thread *th = NULL;
    bool started;
    pin_job_init(&e, ctx, round, &r->doc);
    started = chain_thread_start(&th, ctx->loop, pin_job_main, &e) == 0; /* (not started: pinned after, as before) */
    rc = insert_write(ctx, r->regl, round, r->root, (uint32_t)v->nfeeds, &r->doc, err);
    chain_thread_wait(th);
    if (rc) return rc;
    if (started && e.rc) { /* the step is built; the pin's error is the run's, as a failed pin step's */
      if (err) *err = e.err;
      r->row.round = round;
      return e.rc;
    }
    if (started) {
      snprintf(r->pinned_cid, sizeof(r->pinned_cid), "%s", e.cid);
      r->pinned_early = true;
    }
  }
  r->row.round = round;
  snprintf(r->row.step, sizeof(r->row.step), "built");
  crash_at(ctx, "built");
  return 0;
}

static int resume_round(struct run *r, struct ob_err *err) {
  int rc = node_batch_parse(&r->b, r->row.batch, r->row.batch_len, err);
  r->bp = &r->b;
  if (!rc) rc = ob_buf_add(&r->doc, r->row.batch, r->row.batch_len);
  snprintf(r->res->step, sizeof(r->res->step), "%s", r->row.step);
  notef(r->ctx, "resuming round %" PRIu64 " of %s from step %s", r->row.round, r->regc, r->row.step);
  return rc;
}

static int pin_and_sign(struct run *r, struct node_sig *sigs, size_t *nsigs, struct ob_err *err) {
  const struct node_commit_ctx *ctx = r->ctx;
  struct chain_commitment cm;
  uint8_t digest[32];
  int rc;
  if (r->rank < 2) {
    if (!r->pinned_early) {
      struct pin_job e;
      struct chain_thread *th = NULL;
      pin_job_init(&e, ctx, r->row.round, &r->doc);
      if (chain_thread_start(&th, ctx->loop, pin_job_main, &e)) pin_job_main(&e);
      chain_thread_wait(th);
      if (e.rc) {
        if (err) *err = e.err;
        return e.rc;
      }
      snprintf(r->pinned_cid, sizeof(r->pinned_cid), "%s", e.cid);
    }
    snprintf(r->res->cid, sizeof(r->res->cid), "%s", r->pinned_cid);
    if ((rc = step_write(ctx, r->regl, r->row.round, "pinned", r->res->cid, 0, NULL, 0, err))) return rc;
    crash_at(ctx, "pinned");
  }
  cm.round = r->row.round;
  memcpy(cm.root, r->bp->root, 32);
  cm.cid = r->res->cid;
  cm.timestamp = r->bp->timestamp;
  cm.count = (uint32_t)r->bp->nfeeds;
  chain_eip712_commitment_digest(digest, ctx->chain_id, ctx->registry, &cm);
  if ((rc = node_sign_digest(ctx->keys, ctx->addrs, ctx->nkeys, &r->st, digest, sigs, nsigs, err))) return rc;
  if (r->rank < 3) {
    if ((rc = step_write(ctx, r->regl, r->row.round, "signed", NULL, 0, NULL, 0, err))) return rc;
    crash_at(ctx, "signed");
  }
  return 0;
}

/* prev ends confirmed (mined after all: its commit stands) or superseded. */
static int settle_prev(struct run *r, int64_t id, struct ob_err *err) {
  const struct node_commit_ctx *ctx = r->ctx;
  int rc = 0;
  const char *o = tx_outcome(ctx, r->prev.tx_id, &r->prows, err, &rc);
  if (rc) return rc;
  if (o && (rc = step_write(ctx, r->regl, r->prev.round, o, NULL, 0,
                            strcmp(o, "confirmed") ? NULL : r->prows.v[0].mined_hash, r->prows.v[0].gas_used, err)))
    return rc;
  r->superseded = o && strcmp(o, "superseded") == 0;
  if (o && !r->superseded && tx_outcome(ctx, id, &r->rows, err, &rc) && !rc &&
      strcmp(r->rows.v[0].state, "superseded") == 0) {
    if ((rc = step_write(ctx, r->regl, r->row.round, "superseded", NULL, 0, NULL, 0, err))) return rc;
    return ob_err_set(err, OB_ECHECK, "round %" PRIu64 " was mined before round %" PRIu64
                      " could replace it; round %" PRIu64 " is superseded: run again to commit new values",
                      r->prev.round, r->row.round, r->row.round);
  }
  return rc;
}

static int submit_and_confirm(struct run *r, const struct node_sig *sigs, size_t nsigs, struct ob_err *err) {
  const struct node_commit_ctx *ctx = r->ctx;
  struct chain_txm_req q;
  struct node_tx_row txr;
  uint8_t(*raw)[65] = ob_calloc(nsigs ? nsigs : 1, 65);
  uint8_t onchain_root[32];
  char key[96], name[64], ids[24];
  int64_t id = 0;
  int rc;
  if (!raw) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < nsigs; i++) memcpy(raw[i], sigs[i].sig, 65);
  rc = node_registry_commit_data(&r->data, r->row.round, r->bp->root, r->res->cid, r->bp->timestamp, (uint32_t)r->bp->nfeeds,
                                 (const uint8_t(*)[65])raw, nsigs, err);
  ob_free(raw);
  if (rc) return rc;
  snprintf(key, sizeof(key), "commit:%s:%" PRIu64, r->regl, r->row.round);
  snprintf(name, sizeof(name), "commit round %" PRIu64, r->row.round);
  /* Already on chain (a crash after sending): no dry run, the key finds the transaction. */
  if ((rc = node_registry_root_of(ctx->rpc, ctx->registry, r->row.round, onchain_root, err))) return rc;
  memset(&q, 0, sizeof(q));
  q.has_to = true;
  memcpy(q.to, ctx->registry, 20);
  q.data = (const uint8_t *)r->data.buf;
  q.data_len = r->data.len;
  q.gas_limit = NODE_COMMIT_GAS;
  q.purpose = name;
  q.key = key;
  if (memcmp(onchain_root, r->bp->root, 32) != 0 &&
      (rc = node_registry_simulate(ctx->rpc, ctx->from, ctx->registry, q.data, q.data_len, err)))
    return rc;
  /* Superseding: the same nonce as prev's commit while that is pending; otherwise (prev mined, or
   * the replacement made by a run that crashed: the key finds it) an ordinary submit. */
  if (r->prev.round && r->rank < 4 && (rc = tx_pending(ctx, r->prev.tx_id, &r->superseded, err))) return rc;
  rc = r->superseded ? chain_txm_supersede(ctx->m, r->prev.tx_id, &q, &id, err) : chain_txm_submit(ctx->m, &q, &id, err);
  if (rc) return rc;
  if ((rc = step_write(ctx, r->regl, r->row.round, "submitted", NULL, id, NULL, 0, err))) return rc;
  if (r->superseded && (rc = step_write(ctx, r->regl, r->prev.round, "superseded", NULL, 0, NULL, 0, err))) return rc;
  crash_at(ctx, "submitted");
  if (!node_commit_run_until_idle(ctx))
    return stopping(ctx) ? ob_err_set(err, OB_ECANCELED, "round %" PRIu64 ": stopping before tx %" PRId64 " was confirmed "
                                      "(the next run resumes the round)", r->row.round, id)
                         : ob_err_set(err, OB_ETIMEDOUT, "round %" PRIu64 ": tx %" PRId64 " not confirmed within --timeout",
                                      r->row.round, id);
  if (r->prev.round && (rc = settle_prev(r, id, err))) return rc;
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  node_tx_rows_free(&r->rows);
  if ((rc = node_tx_find(ctx->db, ids, &r->rows, err))) return rc;
  if (r->rows.n != 1) return ob_err_set(err, OB_ENOENT, "tx %" PRId64 " is gone from the database", id);
  txr = r->rows.v[0];
  if ((strcmp(txr.state, "confirmed") && strcmp(txr.state, "finalized")) || txr.receipt_status != 1)
    return ob_err_set(err, OB_ECHECK, "round %" PRIu64 ": tx %" PRId64 " %s%s%s", r->row.round, id, txr.state,
                      txr.error ? ": " : "", txr.error ? txr.error : (txr.receipt_status == 0 ? " (reverted)" : ""));
  if ((rc = step_write(ctx, r->regl, r->row.round, "confirmed", NULL, id, txr.mined_hash, txr.gas_used, err))) return rc;
  snprintf(r->res->tx, sizeof(r->res->tx), "%s", txr.mined_hash);
  r->res->gas_used = txr.gas_used;
  return 0;
}

static void run_release(struct run *r) {
  node_tx_rows_free(&r->rows);
  node_tx_rows_free(&r->prows);
  node_round_row_free(&r->row);
  node_round_row_free(&r->prev);
  node_batch_release(&r->b);
  ob_buf_release(&r->doc);
  ob_buf_release(&r->data);
}

int node_commit_run(const struct node_commit_ctx *ctx, const struct node_commit_req *req,
                    struct node_commit_result *res, struct ob_err *err) {
  static struct node_sig sigs[NODE_REGISTRY_MAX_SIGNERS];
  struct run *r = ob_calloc(1, sizeof(*r));
  size_t nsigs = 0;
  int rc;
  memset(res, 0, sizeof(*res));
  if (!r) return ob_err_set(err, OB_ENOMEM, "out of memory");
  if (ctx->nkeys > NODE_REGISTRY_MAX_SIGNERS) {
    ob_free(r);
    return ob_err_set(err, OB_EUSAGE, "more than %d signing keys", NODE_REGISTRY_MAX_SIGNERS);
  }
  r->ctx = ctx, r->req = req, r->res = res;
  node_batch_init(&r->b);
  ob_buf_init(&r->doc, NODE_BATCH_MAX_BYTES);
  ob_buf_init(&r->data, (size_t)1 << 24);
  ob_hex_encode0x(r->regl, ctx->registry, 20);
  chain_addr_checksum(r->regc, ctx->registry);
  rc = node_registry_read(ctx->rpc, ctx->registry, &r->st, err);
  if (!rc) rc = pick_round(r, err);
  if (!rc) rc = r->found ? resume_round(r, err) : build_round(r, err);
  if (!rc) {
    res->round = r->row.round;
    res->feeds = (uint32_t)r->bp->nfeeds;
    ob_hex_encode0x(res->root, r->bp->root, 32);
    snprintf(res->cid, sizeof(res->cid), "%s", r->row.cid);
    r->rank = step_rank(r->row.step);
    rc = pin_and_sign(r, sigs, &nsigs, err);
  }
  if (!rc) rc = submit_and_confirm(r, sigs, nsigs, err);
  if (r->superseded) res->superseded = r->prev.round;
  ob_memclear(sigs, sizeof(sigs));
  run_release(r);
  ob_free(r);
  return rc;
}
