/* Checking committed rounds from the chain and IPFS alone (see ob/node/verify.h). */
#include "ob/node/verify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/abi.h"
#include "ob/chain/eip712.h"
#include "ob/chain/keccak.h"
#include "ob/chain/loop.h"
#include "ob/chain/merkle.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/node/batch.h"
#include "ob/storage/kubo.h"

#define RPC_TIMEOUT_MS 30000
#define VERIFY_BATCH 256 /* eth_calls per JSON-RPC batch */
#define COMMITTED_SIG "Committed(uint64,bytes32,string,uint64,uint32)"
#define COMMIT_SIG "commit(uint64,bytes32,string,uint64,uint32,bytes[])"

void node_verify_round_release(struct node_verify_round *r) {
  for (size_t i = 0; i < r->nchecks; i++) ob_free(r->checks[i]);
  for (size_t i = 0; i < r->nfailures; i++) ob_free(r->failures[i]);
  ob_free(r->checks);
  ob_free(r->failures);
  r->checks = r->failures = NULL;
  r->nchecks = r->nfailures = 0;
}

__attribute__((format(printf, 3, 0))) static int push(char ***list, size_t *n, const char *fmt, va_list ap) {
  char tmp[1024];
  char **l = ob_realloc(*list, (*n + 1) * sizeof(*l));
  if (!l) return OB_ENOMEM;
  *list = l;
  vsnprintf(tmp, sizeof(tmp), fmt, ap);
  if (!(l[*n] = ob_strdup(tmp))) return OB_ENOMEM;
  (*n)++;
  return 0;
}

__attribute__((format(printf, 2, 3))) static int check(struct node_verify_round *r, const char *fmt, ...) {
  va_list ap;
  int rc;
  va_start(ap, fmt);
  rc = push(&r->checks, &r->nchecks, fmt, ap);
  va_end(ap);
  return rc;
}

__attribute__((format(printf, 2, 3))) static int fail(struct node_verify_round *r, const char *fmt, ...) {
  va_list ap;
  int rc;
  r->ok = false;
  va_start(ap, fmt);
  rc = push(&r->failures, &r->nfailures, fmt, ap);
  va_end(ap);
  return rc;
}

static int call(struct node_verify_ctx *c, const char *method, const char *params, struct ob_json **j,
                struct ob_err *err) {
  struct ob_buf res;
  int rc;
  ob_buf_init(&res, (size_t)1 << 28);
  rc = chain_rpc_call_sync(c->rpc, method, params, 0, RPC_TIMEOUT_MS, &res, err);
  if (!rc && ob_json_parse(j, res.buf, res.len, NULL, err)) rc = ob_err_set(err, OB_EPEER, "%s: reply is not JSON", method);
  ob_buf_release(&res);
  return rc;
}

static int chain_id(struct node_verify_ctx *c, struct ob_err *err) {
  struct ob_json *j = NULL;
  int rc;
  if (c->chain_id) return 0;
  rc = call(c, "eth_chainId", "[]", &j, err);
  if (!rc && chain_json_quantity(j, &c->chain_id, "eth_chainId result", err)) rc = OB_EPEER;
  ob_json_free(j);
  return rc;
}

/* Hex string member → bytes (exactly n when n > 0). */
static int hex_member(const struct ob_json *o, const char *key, uint8_t *out, size_t n, const char *what,
                      struct ob_err *err) {
  const char *s = ob_json_string(ob_json_get(o, key));
  size_t got = 0;
  if (!s || ob_hex_decode(out, n, &got, s, strlen(s), NULL) || got != n)
    return ob_err_set(err, OB_EPEER, "%s: '%s' is not %zu bytes of hex", what, key, n);
  return 0;
}

/* eth_getLogs for Committed (round: topic1, or every round when all) over [0, head] in ranges;
 * each(log) per log. */
static int committed_logs(struct node_verify_ctx *c, bool all, uint64_t round,
                          int (*each)(void *ud, const struct ob_json *log, struct ob_err *err), void *ud,
                          struct ob_err *err) {
  struct ob_json *j = NULL;
  uint64_t head = 0, step = c->log_range ? c->log_range : 10000;
  uint8_t topic[32];
  char t0[67], t1[67] = "", a[43], params[512];
  int rc = call(c, "eth_blockNumber", "[]", &j, err);
  if (!rc && chain_json_quantity(j, &head, "eth_blockNumber result", err)) rc = OB_EPEER;
  ob_json_free(j);
  if (rc) return rc;
  chain_keccak256(topic, COMMITTED_SIG, strlen(COMMITTED_SIG));
  ob_hex_encode0x(t0, topic, 32);
  if (!all) {
    memset(topic, 0, 32);
    for (int i = 0; i < 8; i++) topic[31 - i] = (uint8_t)(round >> (8 * i));
    ob_hex_encode0x(t1, topic, 32);
  }
  ob_hex_encode0x(a, c->registry, 20);
  for (uint64_t from = 0; from <= head; from += step) {
    uint64_t to = head - from < step ? head : from + step - 1;
    j = NULL;
    snprintf(params, sizeof(params),
             "[{\"address\":\"%s\",\"topics\":[\"%s\"%s%s%s],\"fromBlock\":\"0x%" PRIx64 "\",\"toBlock\":\"0x%" PRIx64
             "\"}]",
             a, t0, all ? "" : ",\"", t1, all ? "" : "\"", from, to);
    rc = call(c, "eth_getLogs", params, &j, err);
    if (!rc && !ob_json_is(j, OB_JSON_ARRAY)) rc = ob_err_set(err, OB_EPEER, "eth_getLogs: expected an array");
    for (size_t i = 0; !rc && ob_json_at(j, i); i++) rc = each(ud, ob_json_at(j, i), err);
    ob_json_free(j);
    if (rc) return rc;
    if (to == head) break;
  }
  return 0;
}

struct rounds_acc {
  uint64_t *v;
  size_t n;
};

static int round_of_log(const struct ob_json *log, uint64_t *round, struct ob_err *err) {
  const struct ob_json *topics = ob_json_get(log, "topics");
  const char *s = ob_json_string(ob_json_at(topics, 1));
  uint8_t t[32];
  size_t got = 0;
  if (!s || ob_hex_decode(t, 32, &got, s, strlen(s), NULL) || got != 32)
    return ob_err_set(err, OB_EPEER, "Committed log: topics[1] is not a round");
  *round = 0;
  for (int i = 24; i < 32; i++) *round = (*round << 8) | t[i];
  return 0;
}

static int add_round(void *ud, const struct ob_json *log, struct ob_err *err) {
  struct rounds_acc *acc = ud;
  uint64_t r = 0, *v;
  int rc = round_of_log(log, &r, err);
  if (rc) return rc;
  for (size_t i = 0; i < acc->n; i++)
    if (acc->v[i] == r) return 0;
  if (!(v = ob_realloc(acc->v, (acc->n + 1) * sizeof(*v)))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  acc->v = v;
  acc->v[acc->n++] = r;
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int node_verify_committed_rounds(struct node_verify_ctx *c, uint64_t **rounds, size_t *n, struct ob_err *err) {
  struct rounds_acc acc = {NULL, 0};
  int rc = committed_logs(c, true, 0, add_round, &acc, err);
  if (rc) {
    ob_free(acc.v);
    return rc;
  }
  if (acc.n) qsort(acc.v, acc.n, sizeof(*acc.v), cmp_u64);
  *rounds = acc.v;
  *n = acc.n;
  return 0;
}

/* The first Committed log of the round: root, cid, timestamp, count, tx, block. */
struct found {
  struct node_verify_round *r;
  bool seen;
  int logs;
};

static int take_log(void *ud, const struct ob_json *log, struct ob_err *err) {
  struct found *f = ud;
  struct node_verify_round *r = f->r;
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  const char *data = ob_json_string(ob_json_get(log, "data"));
  uint8_t *d = NULL;
  size_t n = 0;
  int rc = 0;
  f->logs++;
  if (f->seen) return 0;
  memset(&v, 0, sizeof(v));
  if (!data || ob_hex_decode_alloc(&d, &n, data, strlen(data), NULL))
    return ob_err_set(err, OB_EPEER, "Committed log: data is not hex");
  rc = chain_abi_sig_parse(&sig, "Committed(bytes32,string,uint64,uint32)", err);
  if (!rc && chain_abi_decode(&v, sig->inputs, d, n, err)) rc = ob_err_set(err, OB_EPEER, "Committed log: data does not decode");
  if (!rc) {
    memcpy(r->root, v.items[0].data, 32);
    if (v.items[1].len >= sizeof(r->cid)) rc = ob_err_set(err, OB_EPEER, "Committed log: cid too long");
    else {
      memcpy(r->cid, v.items[1].data, v.items[1].len);
      r->cid[v.items[1].len] = 0;
    }
    chain_u256_to_u64(&v.items[2].num, &r->timestamp);
    uint64_t cnt = 0;
    chain_u256_to_u64(&v.items[3].num, &cnt);
    r->count = (uint32_t)cnt;
  }
  if (!rc) rc = hex_member(log, "transactionHash", r->tx, 32, "Committed log", err);
  if (!rc && chain_json_quantity(ob_json_get(log, "blockNumber"), &r->block, "Committed log blockNumber", err))
    rc = OB_EPEER;
  if (!rc) f->seen = true;
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  ob_free(d);
  return rc;
}

static int bytes_sink(void *ud, const void *buf, size_t n, struct ob_err *err) {
  if (ob_buf_add(ud, buf, n))
    return ob_err_set(err, OB_ELIMIT, "the batch document is larger than %zu bytes", (size_t)NODE_BATCH_MAX_BYTES);
  return 0;
}

/* Signers: recover each signature of the commit transaction; compare with the set at the block. */
static int check_signers(struct node_verify_ctx *c, struct node_verify_round *r, struct ob_err *err) {
  struct ob_json *j = NULL;
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  struct chain_signer *s = NULL;
  struct node_registry_state *st = NULL;
  uint8_t *d = NULL, to[20], digest[32];
  size_t n = 0;
  char h[67], params[128], block[24];
  const char *input;
  int rc;
  memset(&v, 0, sizeof(v));
  ob_hex_encode0x(h, r->tx, 32);
  snprintf(params, sizeof(params), "[\"%s\"]", h);
  rc = call(c, "eth_getTransactionByHash", params, &j, err);
  if (rc) goto out;
  if (!ob_json_is(j, OB_JSON_OBJECT)) {
    rc = ob_err_set(err, OB_EPEER, "eth_getTransactionByHash %s: no transaction", h);
    goto out;
  }
  if (hex_member(j, "to", to, 20, "commit transaction", NULL) || memcmp(to, c->registry, 20) != 0) {
    rc = fail(r, "round %" PRIu64 ": transaction %s was not sent to the registry (signers not checked)", r->round, h);
    goto out;
  }
  input = ob_json_string(ob_json_get(j, "input"));
  if (!input) input = ob_json_string(ob_json_get(j, "data"));
  if (!input || ob_hex_decode_alloc(&d, &n, input, strlen(input), NULL)) {
    rc = ob_err_set(err, OB_EPEER, "commit transaction %s: input is not hex", h);
    goto out;
  }
  if ((rc = chain_abi_sig_parse(&sig, COMMIT_SIG, err)) != 0) goto out;
  if (chain_abi_decode_call(&v, sig, d, n, NULL)) {
    rc = fail(r, "round %" PRIu64 ": transaction %s is not a commit(...) call", r->round, h);
    goto out;
  }
  {
    uint64_t round = 0, ts = 0, cnt = 0;
    chain_u256_to_u64(&v.items[0].num, &round);
    chain_u256_to_u64(&v.items[3].num, &ts);
    chain_u256_to_u64(&v.items[4].num, &cnt);
    if (round != r->round || memcmp(v.items[1].data, r->root, 32) || v.items[2].len != strlen(r->cid) ||
        memcmp(v.items[2].data, r->cid, v.items[2].len) || ts != r->timestamp || cnt != r->count) {
      rc = fail(r, "round %" PRIu64 ": the commit calldata differs from the Committed log", r->round);
      goto out;
    }
  }
  {
    struct chain_commitment cm = {r->round, {0}, r->cid, r->timestamp, r->count};
    memcpy(cm.root, r->root, 32);
    chain_eip712_commitment_digest(digest, c->chain_id, c->registry, &cm);
  }
  st = ob_calloc(1, sizeof(*st));
  if (!st || (rc = chain_signer_new(&s, err)) != 0) {
    rc = st ? rc : ob_err_set(err, OB_ENOMEM, "out of memory");
    goto out;
  }
  snprintf(block, sizeof(block), "0x%" PRIx64, r->block);
  if ((rc = node_registry_signers_at(c->rpc, c->registry, block, st, err)) != 0) goto out;
  r->threshold = st->threshold;
  {
    const struct chain_abi_value *sigs = &v.items[5];
    size_t good = 0;
    bool sig_ok = true;
    for (size_t i = 0; i < sigs->n && i < NODE_REGISTRY_MAX_SIGNERS; i++) {
      uint8_t addr[20];
      char ah[43];
      bool known = false, dup = false;
      if (sigs->items[i].len != 65 || chain_recover(s, addr, digest, sigs->items[i].data, NULL)) {
        sig_ok = false;
        if ((rc = fail(r, "round %" PRIu64 ": signature %zu does not recover a signer", r->round, i)) != 0) goto out;
        continue;
      }
      for (size_t k = 0; k < r->nsigners; k++) dup |= memcmp(r->signers[k], addr, 20) == 0;
      memcpy(r->signers[r->nsigners++], addr, 20);
      for (size_t k = 0; k < st->nsigners; k++) known |= memcmp(st->signers[k], addr, 20) == 0;
      chain_addr_checksum(ah, addr);
      if (!known) {
        sig_ok = false;
        if ((rc = fail(r, "round %" PRIu64 ": signer %s is not in the signer set at block %" PRIu64, r->round, ah,
                       r->block)) != 0)
          goto out;
      } else if (dup) {
        sig_ok = false;
        if ((rc = fail(r, "round %" PRIu64 ": signer %s signed twice", r->round, ah)) != 0) goto out;
      } else
        good++;
    }
    if (good < st->threshold) {
      sig_ok = false;
      rc = fail(r, "round %" PRIu64 ": %zu valid signers, threshold %u", r->round, good, st->threshold);
    } else if (sig_ok)
      rc = check(r, "signers");
  }
out:
  chain_signer_free(s);
  ob_free(st);
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  ob_free(d);
  ob_json_free(j);
  return rc;
}

/* The document's CID recomputed (profile from the CID's version). */
static int check_cid(struct node_verify_round *r, const char *doc, size_t len) {
  struct ipfs_cid want, got;
  struct ipfs_dag_builder *b = NULL;
  char text[IPFS_CID_TEXT_MAX];
  int rc;
  if (ipfs_cid_parse(&want, r->cid, NULL)) return fail(r, "round %" PRIu64 ": '%s' is not a CID", r->round, r->cid);
  rc = ipfs_dag_builder_new(&b, want.version == 0 ? IPFS_PROFILE_V0_2015 : IPFS_PROFILE_V1_2025, NULL);
  if (!rc) rc = ipfs_dag_builder_update(b, doc, len);
  if (!rc) rc = ipfs_dag_builder_finish(b, &got, NULL, NULL);
  ipfs_dag_builder_free(b);
  if (rc) return rc;
  if (got.len != want.len || memcmp(got.bytes, want.bytes, got.len) != 0) {
    ipfs_cid_format(text, sizeof(text), &got);
    return fail(r, "round %" PRIu64 ": the document's CID is %s, not the committed %s", r->round, text, r->cid);
  }
  return check(r, "cid");
}

struct vcall {
  int rc;
  bool answered, is_true;
  struct ob_err err;
};

static void vcall_cb(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct vcall *v = ud;
  const char *s = rc ? NULL : ob_json_string(result);
  v->answered = true;
  v->rc = rc;
  if (rc && err) v->err = *err;
  if (s) {
    size_t n = strlen(s);
    v->is_true = n == 66 && s[65] == '1' && strspn(s + 2, "0") == 63;
  }
}

/* The contract's verify(...) for feeds[from..to), one JSON-RPC batch. */
static int verify_on_chain(struct node_verify_ctx *c, struct node_verify_round *r, const struct node_batch *b,
                           const size_t *idx, size_t n, struct ob_err *err) {
  struct chain_rpc_req *reqs = ob_calloc(n ? n : 1, sizeof(*reqs));
  struct vcall *vc = ob_calloc(n ? n : 1, sizeof(*vc));
  char **params = ob_calloc(n ? n : 1, sizeof(*params));
  char a[43];
  int rc = (!reqs || !vc || !params) ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
  ob_hex_encode0x(a, c->registry, 20);
  for (size_t i = 0; i < n && !rc; i++) {
    const struct node_batch_feed *f = &b->feeds[idx[i]];
    struct ob_buf d;
    ob_buf_init(&d, 1 << 20);
    rc = node_registry_verify_data(&d, r->round, f->id, &f->value, f->decimals, f->observed_at,
                                   (const uint8_t(*)[32])f->proof, f->proof_len, err);
    if (!rc) {
      size_t cap = 2 * d.len + 128;
      if (!(params[i] = ob_malloc(cap))) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
      else {
        int off = snprintf(params[i], cap, "[{\"to\":\"%s\",\"data\":\"", a);
        ob_hex_encode0x(params[i] + off, (const uint8_t *)d.buf, d.len);
        off += 2 + 2 * (int)d.len;
        snprintf(params[i] + off, cap - (size_t)off, "\"},\"latest\"]");
      }
    }
    ob_buf_release(&d);
    reqs[i] = (struct chain_rpc_req){"eth_call", params[i], vcall_cb, &vc[i]};
  }
  if (!rc && n) rc = chain_rpc_batch(c->rpc, reqs, n, 0, RPC_TIMEOUT_MS, err);
  if (!rc) {
    for (size_t i = 0; i < n; i++) {
      while (!vc[i].answered)
        if (!chain_loop_run_once(c->loop)) {
          rc = ob_err_set(err, OB_ESTATE, "event loop stopped");
          goto out;
        }
    }
    for (size_t i = 0; i < n && !rc; i++) {
      const struct node_batch_feed *f = &b->feeds[idx[i]];
      if (vc[i].rc) {
        if (err) *err = vc[i].err;
        rc = vc[i].rc;
      } else if (!vc[i].is_true)
        rc = fail(r, "round %" PRIu64 ": feed '%s': the contract's verify() returns false", r->round, f->name);
    }
  }
out:
  for (size_t i = 0; params && i < n; i++) ob_free(params[i]);
  ob_free(params);
  ob_free(reqs);
  ob_free(vc);
  return rc;
}

static int check_document(struct node_verify_ctx *c, struct node_verify_round *r, const char *doc, size_t len,
                          const char *feed, struct ob_err *err) {
  struct node_batch b;
  struct ob_err perr;
  size_t *idx = NULL, n = 0;
  int rc;
  node_batch_init(&b);
  ob_err_clear(&perr);
  if (node_batch_parse(&b, doc, len, &perr)) {
    rc = fail(r, "round %" PRIu64 ": %s", r->round, perr.msg);
    node_batch_release(&b);
    return rc;
  }
  if ((rc = check(r, "document")) != 0) goto out;
  {
    bool same = true;
    if (b.chain_id != c->chain_id) same = false, rc = fail(r, "round %" PRIu64 ": the document's chainId is %" PRIu64 ", the chain's %" PRIu64, r->round, b.chain_id, c->chain_id);
    if (!rc && memcmp(b.registry, c->registry, 20)) same = false, rc = fail(r, "round %" PRIu64 ": the document names another registry", r->round);
    if (!rc && b.round != r->round) same = false, rc = fail(r, "round %" PRIu64 ": the document is for round %" PRIu64, r->round, b.round);
    if (!rc && b.timestamp != r->timestamp) same = false, rc = fail(r, "round %" PRIu64 ": the document's timestamp differs from the commitment's", r->round);
    if (!rc && memcmp(b.root, r->root, 32)) same = false, rc = fail(r, "round %" PRIu64 ": the document's root differs from the committed root", r->round);
    if (!rc && b.nfeeds != r->count) same = false, rc = fail(r, "round %" PRIu64 ": the document has %zu feeds, the commitment counts %" PRIu32, r->round, b.nfeeds, r->count);
    if (!rc && same) rc = check(r, "commitment");
    if (!rc) rc = check(r, "root");
    if (!rc) rc = check(r, "proofs");
    if (!rc) rc = check(r, "values");
    if (rc) goto out;
  }
  if (!(idx = ob_calloc(b.nfeeds ? b.nfeeds : 1, sizeof(*idx)))) {
    rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < b.nfeeds; i++)
    if (!feed || strcmp(b.feeds[i].name, feed) == 0) idx[n++] = i;
  if (feed && !n) {
    rc = fail(r, "round %" PRIu64 ": feed '%s' is not in the round", r->round, feed);
    goto out;
  }
  {
    size_t before = r->nfailures;
    for (size_t i = 0; i < n && !rc; i += VERIFY_BATCH)
      rc = verify_on_chain(c, r, &b, idx + i, n - i < VERIFY_BATCH ? n - i : VERIFY_BATCH, err);
    if (!rc && r->nfailures == before) rc = check(r, "contract verify");
  }
  r->feeds = n;
out:
  ob_free(idx);
  node_batch_release(&b);
  return rc;
}

int node_verify_one(struct node_verify_ctx *c, uint64_t round, const char *feed, struct node_verify_round *r,
                    struct ob_err *err) {
  struct found f;
  struct ob_buf doc;
  uint8_t root[32];
  int rc;
  memset(r, 0, sizeof(*r));
  r->round = round;
  r->ok = true;
  if ((rc = chain_id(c, err)) != 0) return rc;
  f = (struct found){r, false, 0};
  if ((rc = committed_logs(c, false, round, take_log, &f, err)) != 0) return rc;
  if ((rc = node_registry_root_of(c->rpc, c->registry, round, root, err)) != 0) return rc;
  if (!f.seen) {
    static const uint8_t zero[32];
    return fail(r, "round %" PRIu64 ": never committed (no Committed log%s)", round,
                memcmp(root, zero, 32) ? ", yet rootOf is set" : ", rootOf is zero");
  }
  r->committed = true;
  if (f.logs > 1 && (rc = fail(r, "round %" PRIu64 ": %d Committed logs", round, f.logs)) != 0) return rc;
  if (memcmp(root, r->root, 32)) {
    if ((rc = fail(r, "round %" PRIu64 ": rootOf differs from the Committed log's root", round)) != 0) return rc;
  } else if ((rc = check(r, "rootOf")) != 0)
    return rc;
  if ((rc = check_signers(c, r, err)) != 0) return rc;
  ob_buf_init(&doc, NODE_BATCH_MAX_BYTES);
  if (c->document)
    rc = ob_buf_add(&doc, c->document, c->document_len) ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
  else
    rc = ipfs_kubo_cat(c->kubo, r->cid, bytes_sink, &doc, err);
  if (rc == OB_ELIMIT) rc = fail(r, "round %" PRIu64 ": %s", round, err ? err->msg : "document too large");
  else if (!rc) {
    rc = check_cid(r, doc.buf ? doc.buf : "", doc.len);
    if (!rc) rc = check_document(c, r, doc.buf ? doc.buf : "", doc.len, feed, err);
  }
  ob_buf_release(&doc);
  return rc;
}
