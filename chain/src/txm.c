/* The transaction manager. Memory holds the transactions not final yet (a list in nonce order);
 * the store holds the truth and is written before anything is sent. A periodic cycle asks the
 * chain for its head and the sender's nonce, then for the receipt of every version of every
 * pending transaction, and decides: confirm, finalize, fail, bump, or send again after a reorg. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/chain/txm.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "rpc_int.h"

#define GWEI 1000000000ULL
#define CONSUMED_GRACE_MS 2000 /* see decide(): how long "nonce consumed elsewhere" must hold */

struct ver {
  char hash[67];
  uint8_t *raw;
  size_t raw_len;
  bool legacy;
  struct chain_u256 max_fee, prio, gas_price; /* wei per gas */
};

struct tx {
  struct tx *next;
  int64_t id;
  uint64_t nonce;
  enum chain_tx_state state;
  bool has_to;
  uint8_t to[20];
  struct chain_u256 value;
  uint64_t gas_limit;
  uint8_t *data;
  size_t data_len;
  struct ver *vers;
  size_t nvers;
  struct tx *rival; /* superseded at this nonce: its versions may still be the one mined */
  uint64_t broadcast_block;
  int bumps;
  bool need_bump;
  bool unproven;  /* confirmed when loaded: not trusted until this process sees its receipt */
  bool rejecting; /* refused for good: the failure is being recorded */
  int consumed_seen; /* cycles in a row that saw the chain past its nonce and no receipt of ours */
  uint64_t consumed_since_ms; /* when the first of them did */
  uint64_t warned_ms; /* last "not accepted" warning (rate-limited) */
  unsigned unwarned;  /* warnings left out since */
  /* mined version, as last seen */
  bool mined;
  char mined_hash[67], block_hash[67];
  uint64_t block_number;
  int receipt_status;
  uint64_t gas_used;
  /* in flight */
  uint64_t send_id;
  int checks;        /* receipt replies outstanding */
  bool seen_receipt; /* this cycle */
  struct tx *seen_owner; /* which entry's version was mined (self or rival) */
  char seen_hash[67], seen_block_hash[67];
  uint64_t seen_block;
  int seen_status;
  uint64_t seen_gas;
};

struct chain_txm {
  struct chain_rpc *rpc;
  struct chain_txm_opts o;
  struct chain_txm_signer signer;
  struct chain_txm_store store;
  struct chain_txm_cbs cbs;
  void *ud;
  char from_hex[43];
  struct tx *txs;
  struct chain_timer *timer;
  uint64_t head;
  uint64_t latest_nonce; /* the chain's nonce at head: nonces below are used */
  uint64_t floor;        /* allocation floor (the chain's pending nonce at start) */
  bool fees_known, legacy;
  struct chain_u256 base_fee, tip, gas_price; /* wei per gas, as the chain last said */
  uint64_t fee_block;
  bool cycle_running;
  int cycle_replies;
  struct chain_txm_counts counts;
  struct call *calls; /* requests in flight: cancelled by chain_txm_free, whose rpc lives on */
  bool kicked; /* a cycle is wanted as soon as the running one ends */
  int quick;   /* cycles left at a short, doubling delay after a send (then check_interval_ms) */
  bool next_quick, this_quick; /* the timer's next shot is a quick cycle; the running one is */
};

/* A request the manager made. The rpc client usually outlives the manager (the daemon makes one
 * per round on its shared connection), so a reply must never reach a freed manager: every request
 * goes through txm_call and chain_txm_free cancels what is still in flight. */
struct call {
  struct call *next;
  struct chain_txm *m;
  chain_rpc_cb *cb;
  void *ud;
  bool ud_owned;    /* ud is freed with ob_free if the request is cancelled */
  bool in_call;     /* inside chain_rpc_call: a reply now is marked done, not freed */
  bool done;
  uint64_t id;
};

static void call_unlink(struct chain_txm *m, struct call *k) {
  struct call **p = &m->calls;
  while (*p && *p != k) p = &(*p)->next;
  if (*p) *p = k->next;
}

static void call_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct call *k = ud;
  call_unlink(k->m, k);
  k->cb(k->ud, rc, result, err);
  if (k->in_call) k->done = true;
  else ob_free(k);
}

static int txm_call(struct chain_txm *m, const char *method, const char *params, chain_rpc_cb *cb, void *ud, bool ud_owned,
                    uint64_t *id_out, struct ob_err *err) {
  struct call *k = ob_calloc(1, sizeof(*k));
  int rc;
  if (!k) return ob_err_set(err, OB_ENOMEM, "out of memory");
  k->m = m, k->cb = cb, k->ud = ud, k->ud_owned = ud_owned, k->in_call = true;
  k->next = m->calls;
  m->calls = k;
  rc = chain_rpc_call(m->rpc, method, params, 0, 0, call_reply, k, &k->id, err);
  if (rc) {
    call_unlink(m, k);
    ob_free(k);
    return rc;
  }
  if (k->done) { /* answered already: its callback ran */
    ob_free(k);
    return 0;
  }
  k->in_call = false;
  if (id_out) *id_out = k->id;
  return 0;
}

static const char *const state_names[] = {"queued", "signed", "broadcast", "confirmed", "finalized", "failed", "superseded"};

const char *chain_tx_state_name(enum chain_tx_state s) {
  return (unsigned)s < OB_ARRAY_LEN(state_names) ? state_names[s] : "unknown";
}

int chain_tx_state_parse(enum chain_tx_state *out, const char *s) {
  for (size_t i = 0; i < OB_ARRAY_LEN(state_names); i++) {
    if (strcmp(s, state_names[i]) == 0) {
      *out = (enum chain_tx_state)i;
      return 0;
    }
  }
  return OB_EINVAL;
}

void chain_txm_opts_init(struct chain_txm_opts *o) {
  memset(o, 0, sizeof(*o));
  o->confirmations = 1;
  o->finality_blocks = 64;
  o->bump_after_blocks = 3;
  chain_u256_from_u64(&o->max_fee_wei, 500 * GWEI);
  chain_u256_from_u64(&o->max_priority_fee_wei, 50 * GWEI);
  chain_u256_from_u64(&o->min_priority_fee_wei, 1 * GWEI);
  o->check_interval_ms = 250;
  o->start_timeout_ms = 30000;
}

/* ------------------------------------------------------------------ memory */

static void tx_free(struct tx *t) {
  if (!t) return;
  for (size_t i = 0; i < t->nvers; i++) ob_free(t->vers[i].raw);
  ob_free(t->vers);
  ob_free(t->data);
  tx_free(t->rival);
  ob_free(t);
}

static void list_insert(struct chain_txm *m, struct tx *t) {
  struct tx **p = &m->txs;
  while (*p && (*p)->nonce <= t->nonce) p = &(*p)->next;
  t->next = *p;
  *p = t;
}

static void list_remove(struct chain_txm *m, struct tx *t) {
  struct tx **p = &m->txs;
  while (*p && *p != t) p = &(*p)->next;
  if (*p) *p = t->next;
  t->next = NULL;
}

static struct tx *find_id(struct chain_txm *m, int64_t id) {
  for (struct tx *t = m->txs; t; t = t->next)
    if (t->id == id) return t;
  return NULL;
}

static struct tx *find_nonce(struct chain_txm *m, uint64_t nonce) {
  for (struct tx *t = m->txs; t; t = t->next)
    if (t->nonce == nonce) return t;
  return NULL;
}

static int tx_from_req(struct tx **out, const struct chain_txm_req *r, struct ob_err *err) {
  struct tx *t = ob_calloc(1, sizeof(*t));
  if (!t) return ob_err_set(err, OB_ENOMEM, "out of memory");
  t->has_to = r->has_to;
  memcpy(t->to, r->to, 20);
  t->value = r->value;
  t->gas_limit = r->gas_limit;
  if (r->data_len) {
    t->data = ob_malloc(r->data_len);
    if (!t->data) {
      ob_free(t);
      return ob_err_set(err, OB_ENOMEM, "out of memory");
    }
    memcpy(t->data, r->data, r->data_len);
    t->data_len = r->data_len;
  }
  *out = t;
  return 0;
}

static int tx_add_ver(struct tx *t, const struct chain_txm_ver *v) {
  struct ver *nv = ob_realloc(t->vers, (t->nvers + 1) * sizeof(*nv));
  if (!nv) return OB_ENOMEM;
  t->vers = nv;
  nv = &t->vers[t->nvers];
  memset(nv, 0, sizeof(*nv));
  snprintf(nv->hash, sizeof(nv->hash), "%s", v->hash);
  nv->raw = ob_malloc(v->raw_len ? v->raw_len : 1);
  if (!nv->raw) return OB_ENOMEM;
  memcpy(nv->raw, v->raw, v->raw_len);
  nv->raw_len = v->raw_len;
  nv->legacy = v->legacy;
  nv->max_fee = v->max_fee;
  nv->prio = v->max_priority_fee;
  nv->gas_price = v->gas_price;
  t->nvers++;
  return 0;
}

/* ------------------------------------------------------------------ store wrappers */

static void notify(struct chain_txm *m, struct tx *t, const char *hash) {
  if (m->cbs.on_state) m->cbs.on_state(m->ud, t->id, t->nonce, t->state, hash);
}

static int set_state(struct chain_txm *m, struct tx *t, struct chain_txm_update *u) {
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  rc = m->store.update(m->store.ud, t->id, u, &err);
  if (rc) {
    OB_LOGF(OB_LOG_WARN, "chain", "cannot record tx %" PRId64 " as %s: %s", t->id, chain_tx_state_name(u->state),
            ob_err_msg(&err, rc));
    return rc;
  }
  t->state = u->state;
  notify(m, t, t->nvers ? t->vers[t->nvers - 1].hash : NULL);
  return 0;
}

static int set_simple(struct chain_txm *m, struct tx *t, enum chain_tx_state st) {
  struct chain_txm_update u = {.state = st, .broadcast_block = t->broadcast_block, .bumps = t->bumps};
  return set_state(m, t, &u);
}

/* ------------------------------------------------------------------ fees */

/* Fees are uint256 wei per gas: sums saturate (never wrap), the ceilings cap them. */
static void cap(struct chain_u256 *v, const struct chain_u256 *ceiling) { *v = *chain_u256_min(v, ceiling); }
static void at_least(struct chain_u256 *v, const struct chain_u256 *floor) { *v = *chain_u256_max(v, floor); }
static void bump_of(struct chain_u256 *r, const struct chain_u256 *v) { chain_u256_add_share_ceil(r, v, 8); } /* +12.5 % */
/* The pool's replacement rule: at least +10 % on the fee it holds. */
static bool replaces(const struct chain_u256 *fee, const struct chain_u256 *held) {
  struct chain_u256 need;
  chain_u256_add_share_ceil(&need, held, 10);
  return chain_u256_cmp(fee, &need) >= 0;
}

struct fees {
  bool legacy;
  struct chain_u256 max_fee, prio, gas_price;
};

static void current_fees(struct chain_txm *m, struct fees *f) {
  struct chain_u256 floor_tip = m->o.min_priority_fee_wei;
  cap(&floor_tip, &m->o.max_priority_fee_wei);
  memset(f, 0, sizeof(*f));
  f->legacy = m->legacy;
  if (m->legacy) {
    f->gas_price = m->gas_price;
    cap(&f->gas_price, &m->o.max_fee_wei);
    return;
  }
  f->prio = *chain_u256_max(&m->tip, &floor_tip);
  cap(&f->prio, &m->o.max_priority_fee_wei);
  chain_u256_add_sat(&f->max_fee, &m->base_fee, &m->base_fee); /* twice the next base fee, plus the tip */
  chain_u256_add_sat(&f->max_fee, &f->max_fee, &f->prio);
  cap(&f->max_fee, &m->o.max_fee_wei);
  cap(&f->prio, &f->max_fee);
}

/* Fees for a replacement of v: at least +12.5 % on both, at least the current ones, capped.
 * false when the ceilings do not leave room for the 10 % the pool asks for. */
static bool bumped_fees(struct chain_txm *m, const struct ver *v, struct fees *f) {
  struct fees cur;
  current_fees(m, &cur);
  memset(f, 0, sizeof(*f));
  f->legacy = v->legacy;
  if (v->legacy) {
    bump_of(&f->gas_price, &v->gas_price);
    at_least(&f->gas_price, &cur.gas_price);
    cap(&f->gas_price, &m->o.max_fee_wei);
    return replaces(&f->gas_price, &v->gas_price);
  }
  bump_of(&f->prio, &v->prio);
  at_least(&f->prio, &cur.prio);
  cap(&f->prio, &m->o.max_priority_fee_wei);
  bump_of(&f->max_fee, &v->max_fee);
  at_least(&f->max_fee, &cur.max_fee);
  cap(&f->max_fee, &m->o.max_fee_wei);
  cap(&f->prio, &f->max_fee);
  return replaces(&f->prio, &v->prio) && replaces(&f->max_fee, &v->max_fee);
}

static int parse_fee_history(struct chain_txm *m, const struct ob_json *r, struct ob_err *err) {
  const struct ob_json *base = ob_json_get(r, "baseFeePerGas"), *reward = ob_json_get(r, "reward");
  struct chain_u256 b, tips[16];
  size_t n = 0;
  int rc;
  if (!ob_json_is(base, OB_JSON_ARRAY) || base->len == 0) {
    m->legacy = true;
    return 0;
  }
  rc = chain_json_quantity_u256(base->items[base->len - 1], &b, "eth_feeHistory baseFeePerGas", err);
  if (rc) return rc;
  if (chain_u256_is_zero(&b)) {
    m->legacy = true;
    return 0;
  }
  for (size_t i = 0; ob_json_is(reward, OB_JSON_ARRAY) && i < reward->len && n < 16; i++)
    if (chain_json_quantity_u256(ob_json_at(reward->items[i], 0), &tips[n], "reward", NULL) == 0) n++;
  /* The median of the recent median tips. */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && chain_u256_cmp(&tips[j - 1], &tips[j]) > 0; j--) {
      struct chain_u256 t = tips[j];
      tips[j] = tips[j - 1];
      tips[j - 1] = t;
    }
  m->legacy = false;
  m->base_fee = b;
  if (n) m->tip = tips[n / 2];
  else chain_u256_from_u64(&m->tip, 0);
  m->fees_known = true;
  return 0;
}

static void fee_history_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_txm *m = ud;
  struct ob_err perr;
  if (rc == OB_ECANCELED) return;
  if (rc == 0) rc = parse_fee_history(m, result, &perr), err = &perr;
  if (rc) OB_LOG(OB_LOG_WARN, "chain", "fee history failed", "error", ob_err_msg(err, rc), NULL);
}

static void gas_price_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_txm *m = ud;
  struct chain_u256 gp;
  if (rc == 0 && chain_json_quantity_u256(result, &gp, "eth_gasPrice result", NULL) == 0) {
    m->gas_price = gp;
    if (m->legacy) m->fees_known = true;
  }
}

static void refresh_fees(struct chain_txm *m) {
  struct ob_err err;
  if (m->fees_known && m->fee_block == m->head) return;
  m->fee_block = m->head;
  txm_call(m, "eth_feeHistory", "[\"0x5\",\"latest\",[50]]", fee_history_reply, m, false, NULL, &err);
  txm_call(m, "eth_gasPrice", "[]", gas_price_reply, m, false, NULL, &err);
}

/* ------------------------------------------------------------------ sign and send */

static void send_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err);
static void kick(struct chain_txm *m);

struct send_ctx {
  struct chain_txm *m;
  int64_t id;
  size_t version;
};

static void send_version(struct chain_txm *m, struct tx *t) {
  struct ver *v = &t->vers[t->nvers - 1];
  struct ob_buf p;
  struct ob_err err;
  struct send_ctx *ctx;
  if (t->send_id || t->rejecting) return; /* one in flight is enough */
  ctx = ob_malloc(sizeof(*ctx));
  if (!ctx) return;
  ctx->m = m;
  ctx->id = t->id;
  ctx->version = t->nvers - 1;
  ob_buf_init(&p, 2 * v->raw_len + 16);
  ob_buf_add(&p, "[\"0x", 4);
  if (ob_buf_grow(&p, 2 * v->raw_len + 4) == 0) {
    ob_hex_encode(p.buf + p.len, v->raw, v->raw_len);
    p.len += 2 * v->raw_len;
  }
  ob_buf_add(&p, "\"]", 2);
  if (txm_call(m, "eth_sendRawTransaction", p.buf, send_reply, ctx, true, &t->send_id, &err) != 0) {
    t->send_id = 0;
    ob_free(ctx);
  }
  ob_buf_release(&p);
}

static bool msg_has(const struct ob_err *err, const char *s) { return err && strstr(err->msg, s) != NULL; }

/* Case-insensitive (nodes differ: "insufficient funds", "Insufficient funds"); s lower-case. */
static bool msg_has_ci(const struct ob_err *err, const char *s) {
  size_t n = strlen(s);
  if (!err) return false;
  for (const char *p = err->msg; *p; p++) {
    size_t i = 0;
    while (i < n && p[i] && (p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]) == s[i]) i++;
    if (i == n) return true;
  }
  return false;
}

static void drop_failed(struct chain_txm *m, struct tx *t, const char *why) {
  struct chain_txm_update u = {.state = CHAIN_TX_FAILED, .error = why, .bumps = t->bumps};
  if (set_state(m, t, &u) == 0) {
    list_remove(m, t);
    tx_free(t);
  } else {
    t->rejecting = false; /* not recorded: tried again next cycle */
  }
}

struct reject_ctx {
  struct chain_txm *m;
  int64_t id;
  char why[200];
};

static void balance_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct reject_ctx *c = ud;
  struct tx *t;
  char why[300], addr[43];
  struct chain_u256 bal;
  (void)err;
  if (rc == OB_ECANCELED) {
    ob_free(c);
    return;
  }
  t = find_id(c->m, c->id);
  if (t) {
    chain_addr_checksum(addr, c->m->signer.from);
    if (rc == 0 && chain_json_quantity_u256(result, &bal, "balance", NULL) == 0) {
      char dec[CHAIN_U256_DEC_MAX];
      snprintf(why, sizeof(why), "insufficient funds: %s has %s wei", addr, chain_u256_to_dec(dec, &bal));
    } else {
      snprintf(why, sizeof(why), "insufficient funds: %s: %.200s", addr, c->why);
    }
    drop_failed(c->m, t, why);
  }
  ob_free(c);
}

/* The node refused t for a reason waiting cannot fix: it ends failed (one line for people). Only
 * for a transaction whose one version never reached a pool: a refused bump leaves the version
 * before it in the pool, so that one is only warned about. */
static bool rejected_for_good(struct chain_txm *m, struct tx *t, const struct ob_err *err) {
  bool funds = msg_has_ci(err, "insufficient funds"), intrinsic = msg_has_ci(err, "intrinsic gas too low");
  struct reject_ctx *c;
  char params[96];
  if (!(funds || intrinsic) || t->nvers != 1 || t->rival || t->state != CHAIN_TX_SIGNED) return false;
  m->counts.rejected++;
  t->rejecting = true;
  if (intrinsic) {
    char why[160];
    snprintf(why, sizeof(why), "intrinsic gas too low: gas limit %" PRIu64 " does not cover the transaction's intrinsic gas",
             t->gas_limit);
    drop_failed(m, t, why);
    return true;
  }
  c = ob_calloc(1, sizeof(*c));
  if (!c) {
    drop_failed(m, t, "insufficient funds");
    return true;
  }
  c->m = m;
  c->id = t->id;
  snprintf(c->why, sizeof(c->why), "%.150s", err->msg);
  snprintf(params, sizeof(params), "[\"%s\",\"latest\"]", m->from_hex);
  if (txm_call(m, "eth_getBalance", params, balance_reply, c, true, NULL, NULL) != 0) {
    ob_free(c);
    drop_failed(m, t, "insufficient funds");
  }
  return true;
}

/* "not accepted" once, then at most every 30 s per transaction with the count left out. */
static void warn_not_accepted(struct tx *t, int rc, const struct ob_err *err) {
  uint64_t now = ob_mono_ms();
  if (t->warned_ms && now - t->warned_ms < 30000) {
    t->unwarned++;
    return;
  }
  if (t->unwarned)
    OB_LOGF(OB_LOG_WARN, "chain", "tx %" PRId64 " nonce %" PRIu64 " not accepted (tried again; %u more times since): %s", t->id,
            t->nonce, t->unwarned, ob_err_msg(err, rc));
  else
    OB_LOGF(OB_LOG_WARN, "chain", "tx %" PRId64 " nonce %" PRIu64 " not accepted (tried again): %s", t->id, t->nonce,
            ob_err_msg(err, rc));
  t->warned_ms = now;
  t->unwarned = 0;
}

static void send_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct send_ctx *ctx = ud;
  struct chain_txm *m = ctx->m;
  struct tx *t;
  (void)result;
  if (rc == OB_ECANCELED) {
    ob_free(ctx);
    return;
  }
  t = find_id(m, ctx->id);
  ob_free(ctx);
  if (!t) return;
  t->send_id = 0;
  if (rc == 0 || msg_has(err, "already known") || msg_has(err, "already imported") || msg_has(err, "nonce too low") ||
      msg_has(err, "underpriced")) {
    /* It, or an earlier version, or a rival is in the pool or mined: receipts will tell. */
    if (rc && !msg_has(err, "already"))
      OB_LOGF(OB_LOG_DEBUG, "chain", "tx %" PRId64 " nonce %" PRIu64 ": %s", t->id, t->nonce, err->msg);
    if (t->state == CHAIN_TX_SIGNED) {
      t->broadcast_block = m->head;
      set_simple(m, t, CHAIN_TX_BROADCAST);
    }
    kick(m);
    return;
  }
  if (rejected_for_good(m, t, err)) return;
  if (msg_has(err, "base fee")) t->need_bump = true;
  warn_not_accepted(t, rc, err);
}

static int sign_version(struct chain_txm *m, struct tx *t, const struct fees *f, struct ob_err *err) {
  struct chain_txm_sign_req sr;
  struct chain_txm_ver v;
  struct ob_buf raw;
  uint8_t hash[32];
  int rc;
  memset(&sr, 0, sizeof(sr));
  sr.chain_id = m->o.chain_id;
  sr.nonce = t->nonce;
  sr.gas_limit = t->gas_limit;
  sr.value = t->value;
  sr.has_to = t->has_to;
  memcpy(sr.to, t->to, 20);
  sr.data = t->data;
  sr.data_len = t->data_len;
  sr.legacy = f->legacy;
  sr.max_fee = f->max_fee;
  sr.max_priority_fee = f->prio;
  sr.gas_price = f->gas_price;
  ob_buf_init(&raw, 1 << 24);
  rc = m->signer.sign(m->signer.ud, &sr, &raw, hash, err);
  if (rc) goto out;
  memset(&v, 0, sizeof(v));
  ob_hex_encode0x(v.hash, hash, 32);
  v.raw = (const uint8_t *)raw.buf;
  v.raw_len = raw.len;
  v.legacy = f->legacy;
  v.max_fee = f->max_fee;
  v.max_priority_fee = f->prio;
  v.gas_price = f->gas_price;
  /* Stored before it can be sent: after a crash the same bytes go out again. */
  rc = m->store.add_version(m->store.ud, t->id, (int)t->nvers, &v, err);
  if (rc) goto out;
  if (tx_add_ver(t, &v)) {
    rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    goto out;
  }
  t->bumps = (int)t->nvers - 1; /* bumps count versions, whichever process made them */
  if (t->state == CHAIN_TX_QUEUED) {
    t->state = CHAIN_TX_SIGNED;
    notify(m, t, v.hash);
  }
out:
  ob_buf_release(&raw);
  return rc;
}

static void sign_and_send(struct chain_txm *m, struct tx *t, const struct fees *f) {
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  rc = sign_version(m, t, f, &err);
  if (rc) {
    OB_LOGF(OB_LOG_WARN, "chain", "cannot sign tx %" PRId64 ": %s", t->id, ob_err_msg(&err, rc));
    return;
  }
  send_version(m, t);
}

static void bump(struct chain_txm *m, struct tx *t) {
  struct fees f;
  const struct ver *v = &t->vers[t->nvers - 1];
  if (!bumped_fees(m, v, &f)) {
    OB_LOGF(OB_LOG_WARN, "chain", "tx %" PRId64 " nonce %" PRIu64 " not mined and the fee ceiling leaves no room to bump: sent again",
            t->id, t->nonce);
    send_version(m, t);
    t->broadcast_block = m->head;
    return;
  }
  m->counts.bumps++;
  t->need_bump = false;
  t->broadcast_block = m->head;
  OB_LOGF(OB_LOG_INFO, "chain", "bumping tx %" PRId64 " nonce %" PRIu64 " (version %zu)", t->id, t->nonce, t->nvers);
  sign_and_send(m, t, &f);
  set_simple(m, t, t->state == CHAIN_TX_SIGNED ? CHAIN_TX_SIGNED : CHAIN_TX_BROADCAST);
}

/* ------------------------------------------------------------------ receipts */

struct rcpt_ctx {
  struct chain_txm *m;
  int64_t id;
  struct tx *owner; /* the entry (self or rival) whose version this hash is */
  char hash[67];
};

static void decide(struct chain_txm *m, struct tx *t);

#define QUICK_CYCLES 5 /* after a send: cycles at 0, 10, 20, 40, 80, 160 ms, then every check_interval_ms */

static bool any_broadcast(const struct chain_txm *m) {
  for (const struct tx *t = m->txs; t; t = t->next)
    if (t->state == CHAIN_TX_BROADCAST) return true;
  return false;
}

static void cycle_reply_done(struct chain_txm *m) {
  if (--m->cycle_replies == 0) m->cycle_running = false;
  if (m->cycle_running) return;
  if (m->kicked) {
    m->kicked = false;
    m->next_quick = true;
    chain_timer_start(m->timer, 0, m->o.check_interval_ms);
  } else if (m->quick > 0 && any_broadcast(m)) {
    unsigned delay = 10u << (QUICK_CYCLES - m->quick--);
    m->next_quick = delay < m->o.check_interval_ms;
    if (m->next_quick) chain_timer_start(m->timer, delay, m->o.check_interval_ms);
  }
}

/* A cycle now rather than at the next tick (after the running one, if any), then a few more at a
 * short, doubling delay while a transaction waits for its receipt: it just reached the node, and a
 * chain that mines at once (anvil, a fast L2) has its receipt already, or within a few ms. */
static void kick(struct chain_txm *m) {
  m->quick = QUICK_CYCLES;
  if (m->cycle_running) m->kicked = true;
  else m->next_quick = true, chain_timer_start(m->timer, 0, m->o.check_interval_ms);
}

static void receipt_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct rcpt_ctx *c = ud;
  struct chain_txm *m = c->m;
  struct tx *t;
  if (rc == OB_ECANCELED) {
    ob_free(c);
    return;
  }
  t = find_id(m, c->id);
  if (t && rc == 0 && ob_json_is(result, OB_JSON_OBJECT)) {
    const char *bh = ob_json_string(ob_json_get(result, "blockHash"));
    uint64_t st = 0;
    if (bh && chain_json_quantity(ob_json_get(result, "blockNumber"), &t->seen_block, "blockNumber", NULL) == 0) {
      t->seen_receipt = true;
      t->seen_owner = c->owner;
      snprintf(t->seen_hash, sizeof(t->seen_hash), "%s", c->hash);
      snprintf(t->seen_block_hash, sizeof(t->seen_block_hash), "%s", bh);
      chain_json_quantity(ob_json_get(result, "status"), &st, "status", NULL);
      t->seen_status = (int)st;
      chain_json_quantity(ob_json_get(result, "gasUsed"), &t->seen_gas, "gasUsed", NULL);
    }
  } else if (t && rc) {
    t->checks = -1000; /* an error: decide nothing this cycle */
  }
  if (t && --t->checks == 0) decide(m, t);
  ob_free(c);
  cycle_reply_done(m);
}

static void ask_receipt(struct chain_txm *m, struct tx *t, struct tx *owner, const char *hash) {
  struct rcpt_ctx *c = ob_malloc(sizeof(*c));
  char params[80];
  struct ob_err err;
  if (!c) return;
  c->m = m;
  c->id = t->id;
  c->owner = owner;
  snprintf(c->hash, sizeof(c->hash), "%s", hash);
  snprintf(params, sizeof(params), "[\"%s\"]", hash);
  t->checks++;
  m->cycle_replies++;
  if (txm_call(m, "eth_getTransactionReceipt", params, receipt_reply, c, true, NULL, &err) != 0) {
    t->checks--;
    m->cycle_replies--;
    ob_free(c);
  }
}

static void check_receipts(struct chain_txm *m, struct tx *t) {
  t->checks = 0;
  t->seen_receipt = false;
  for (size_t i = 0; i < t->nvers; i++) ask_receipt(m, t, t, t->vers[i].hash);
  for (struct tx *r = t->rival; r; r = r->rival)
    for (size_t i = 0; i < r->nvers; i++) ask_receipt(m, t, r, r->vers[i].hash);
}

/* A rival's version was mined: the rival (superseded before) is the real one at this nonce. */
static void rival_won(struct chain_txm *m, struct tx *t) {
  struct tx *winner = t->seen_owner, **p = &t->rival;
  while (*p && *p != winner) p = &(*p)->rival;
  if (!*p) return;
  *p = winner->rival;
  winner->rival = NULL;
  list_remove(m, t);
  set_simple(m, t, CHAIN_TX_SUPERSEDED);
  winner->seen_receipt = true;
  snprintf(winner->seen_hash, sizeof(winner->seen_hash), "%s", t->seen_hash);
  snprintf(winner->seen_block_hash, sizeof(winner->seen_block_hash), "%s", t->seen_block_hash);
  winner->seen_block = t->seen_block;
  winner->seen_status = t->seen_status;
  winner->seen_gas = t->seen_gas;
  winner->seen_owner = winner;
  winner->state = CHAIN_TX_BROADCAST;
  winner->rival = t; /* t's versions stay known in case of a reorg */
  t->next = NULL;
  list_insert(m, winner);
  decide(m, winner);
}

static void mined(struct chain_txm *m, struct tx *t) {
  uint64_t depth = m->head >= t->seen_block ? m->head - t->seen_block + 1 : 0;
  struct chain_txm_update u = {0};
  bool moved = !t->mined || strcmp(t->block_hash, t->seen_block_hash) != 0;
  t->unproven = false; /* its receipt, seen by this process */
  t->mined = true;
  snprintf(t->mined_hash, sizeof(t->mined_hash), "%s", t->seen_hash);
  snprintf(t->block_hash, sizeof(t->block_hash), "%s", t->seen_block_hash);
  t->block_number = t->seen_block;
  t->receipt_status = t->seen_status;
  t->gas_used = t->seen_gas;
  if (depth < m->o.confirmations && !(t->state == CHAIN_TX_CONFIRMED && moved)) return;
  u.mined_hash = t->mined_hash;
  u.block_number = t->block_number;
  u.block_hash = t->block_hash;
  u.receipt_status = t->receipt_status;
  u.gas_used = t->gas_used;
  u.bumps = t->bumps;
  if (t->receipt_status != 1) {
    char why[120];
    snprintf(why, sizeof(why), "reverted in block %" PRIu64, t->block_number);
    u.state = CHAIN_TX_FAILED;
    u.error = why;
  } else if (depth >= m->o.finality_blocks) {
    u.state = CHAIN_TX_FINALIZED;
  } else if (t->state != CHAIN_TX_CONFIRMED || moved) {
    u.state = CHAIN_TX_CONFIRMED;
  } else {
    return;
  }
  if (set_state(m, t, &u)) return;
  if (u.state != CHAIN_TX_CONFIRMED) {
    list_remove(m, t);
    tx_free(t);
  }
}

static void decide(struct chain_txm *m, struct tx *t) {
  if (t->checks < 0) return;
  if (t->seen_receipt) {
    t->consumed_seen = 0;
    if (t->seen_owner != t) rival_won(m, t);
    else mined(m, t);
    return;
  }
  if (t->state == CHAIN_TX_CONFIRMED || t->mined) {
    /* Its block is gone: back to broadcast, out again. */
    OB_LOGF(OB_LOG_WARN, "chain", "tx %" PRId64 " nonce %" PRIu64 " dropped by a reorg: sending it again", t->id, t->nonce);
    m->counts.reorgs++;
    t->mined = false;
    t->unproven = false;
    t->broadcast_block = m->head;
    if (t->state == CHAIN_TX_CONFIRMED) set_simple(m, t, CHAIN_TX_BROADCAST);
    m->counts.resent++;
    send_version(m, t);
    return;
  }
  if (m->latest_nonce > t->nonce) {
    /* The chain used this nonce for a transaction that is none of ours. Seen in two cycles in a row
     * at least CONSUMED_GRACE_MS apart: a node may report the new nonce a moment before the receipt
     * of the block that used it, and one that answers requests concurrently (anvil) may answer a
     * receipt query before the send ahead of it on the connection, so two quick cycles are not
     * enough on a loaded machine. */
    uint64_t now = ob_mono_ms();
    if (t->consumed_seen++ == 0) t->consumed_since_ms = now;
    if (t->consumed_seen < 2 || now - t->consumed_since_ms < CONSUMED_GRACE_MS) return;
    struct chain_txm_update u = {.state = CHAIN_TX_FAILED, .error = "nonce consumed by a transaction obridge did not send"};
    OB_LOGF(OB_LOG_WARN, "chain", "tx %" PRId64 ": nonce %" PRIu64 " consumed elsewhere", t->id, t->nonce);
    if (set_state(m, t, &u) == 0) {
      list_remove(m, t);
      tx_free(t);
    }
    return;
  }
  t->consumed_seen = 0;
  if (t->need_bump || m->head >= t->broadcast_block + m->o.bump_after_blocks) bump(m, t);
}

/* ------------------------------------------------------------------ the cycle */

static void process(struct chain_txm *m) {
  struct fees f;
  struct tx *t, *next;
  current_fees(m, &f);
  m->cycle_replies++; /* held until every request of this cycle is out */
  for (t = m->txs; t; t = next) {
    next = t->next;
    switch (t->state) {
    case CHAIN_TX_QUEUED:
      if (m->fees_known) sign_and_send(m, t, &f);
      break;
    case CHAIN_TX_SIGNED:
      send_version(m, t);
      break;
    case CHAIN_TX_BROADCAST:
      check_receipts(m, t);
      break;
    case CHAIN_TX_CONFIRMED: /* (a quick cycle is for the one just sent: reorgs wait for the tick) */
      if (!m->this_quick || t->unproven) check_receipts(m, t);
      break;
    default:
      break;
    }
  }
  cycle_reply_done(m);
}

static void nonce_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_txm *m = ud;
  uint64_t n;
  if (rc == OB_ECANCELED) return;
  if (rc == 0 && chain_json_quantity(result, &n, "eth_getTransactionCount result", NULL) == 0) {
    m->latest_nonce = n;
    refresh_fees(m);
    process(m);
  }
  cycle_reply_done(m);
}

static void head_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_txm *m = ud;
  uint64_t h;
  char params[96];
  struct ob_err e2;
  if (rc == OB_ECANCELED) return;
  if (rc == 0 && chain_json_quantity(result, &h, "eth_blockNumber result", NULL) == 0) {
    m->head = h;
    /* The nonce at this head, asked after the head: any nonce below it was used by then. */
    snprintf(params, sizeof(params), "[\"%s\",\"0x%" PRIx64 "\"]", m->from_hex, h);
    m->cycle_replies++;
    if (txm_call(m, "eth_getTransactionCount", params, nonce_reply, m, false, NULL, &e2) != 0)
      m->cycle_replies--;
  }
  cycle_reply_done(m);
}

static void cycle(void *ud) {
  struct chain_txm *m = ud;
  struct ob_err err;
  m->this_quick = m->next_quick;
  m->next_quick = false;
  if (m->cycle_running || !m->txs) return;
  m->cycle_running = true;
  m->cycle_replies = 1;
  if (txm_call(m, "eth_blockNumber", "[]", head_reply, m, false, NULL, &err) != 0) m->cycle_running = false;
}

/* ------------------------------------------------------------------ public */

int chain_txm_new(struct chain_txm **out, struct chain_rpc *rpc, const struct chain_txm_opts *o,
                  const struct chain_txm_signer *signer, const struct chain_txm_store *store,
                  const struct chain_txm_cbs *cbs, void *ud, struct ob_err *err) {
  struct chain_txm *m = ob_calloc(1, sizeof(*m));
  int rc;
  if (!m) return ob_err_set(err, OB_ENOMEM, "out of memory");
  m->rpc = rpc;
  m->o = *o;
  if (!m->o.check_interval_ms) m->o.check_interval_ms = 250;
  if (!m->o.start_timeout_ms) m->o.start_timeout_ms = 30000;
  if (!m->o.confirmations) m->o.confirmations = 1;
  if (m->o.finality_blocks < m->o.confirmations) m->o.finality_blocks = m->o.confirmations;
  m->signer = *signer;
  m->store = *store;
  if (cbs) m->cbs = *cbs;
  m->ud = ud;
  ob_hex_encode0x(m->from_hex, signer->from, 20);
  rc = chain_timer_new(&m->timer, chain__rpc_loop(rpc), cycle, m, err);
  if (rc) {
    ob_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

void chain_txm_free(struct chain_txm *m) {
  if (!m) return;
  chain_timer_free(m->timer);
  m->timer = NULL;
  while (m->calls) {
    struct call *k = m->calls;
    m->calls = k->next;
    chain_rpc_cancel(m->rpc, k->id);
    if (k->ud_owned) ob_free(k->ud);
    ob_free(k);
  }
  while (m->txs) {
    struct tx *t = m->txs;
    m->txs = t->next;
    tx_free(t);
  }
  ob_free(m);
}

struct load_ctx {
  struct chain_txm *m;
  int rc;
};

static void load_one(void *ud, const struct chain_txm_loaded *l) {
  struct load_ctx *lc = ud;
  struct tx *t = NULL;
  if (lc->rc) return;
  if ((lc->rc = tx_from_req(&t, &l->req, NULL)) != 0) return;
  t->id = l->id;
  t->nonce = l->nonce;
  t->state = l->state;
  t->unproven = l->state == CHAIN_TX_CONFIRMED;
  for (size_t i = 0; i < l->nvers && !lc->rc; i++) lc->rc = tx_add_ver(t, &l->vers[i]);
  t->bumps = t->nvers ? (int)t->nvers - 1 : 0;
  if (l->mined_hash[0]) {
    t->mined = true;
    snprintf(t->mined_hash, sizeof(t->mined_hash), "%s", l->mined_hash);
    snprintf(t->block_hash, sizeof(t->block_hash), "%s", l->block_hash);
    t->block_number = l->block_number;
    t->receipt_status = 1;
  }
  t->broadcast_block = lc->m->head;
  if (t->state == CHAIN_TX_SUPERSEDED) {
    /* Kept only as the rival of the pending one at its nonce (loaded in nonce order, rival first
     * or after: attach to whichever entry holds the nonce). */
    struct tx *owner = find_nonce(lc->m, t->nonce);
    if (owner) {
      t->rival = owner->rival;
      owner->rival = t;
    } else {
      list_insert(lc->m, t); /* attached below when the pending one comes */
    }
    return;
  }
  {
    struct tx *s = find_nonce(lc->m, t->nonce);
    if (s && s->state == CHAIN_TX_SUPERSEDED) {
      list_remove(lc->m, s);
      s->rival = t->rival;
      t->rival = s;
    }
  }
  list_insert(lc->m, t);
}

/* Milliseconds left before the start deadline (at least 1); 0 when it has passed. */
static unsigned left_ms(uint64_t deadline) {
  uint64_t now = ob_mono_ms();
  return now >= deadline ? 0 : (unsigned)(deadline - now);
}

/* A call's result before the deadline; *v is the caller's (ob_json_free), NULL on failure. */
static int sync_json(struct chain_txm *m, const char *method, const char *params, uint64_t deadline, struct ob_json **v,
                     struct ob_err *err) {
  struct ob_buf b;
  int rc;
  *v = NULL;
  if (!left_ms(deadline)) return ob_err_set(err, OB_ETIMEDOUT, "%s: timed out", method);
  ob_buf_init(&b, 1 << 16);
  rc = chain_rpc_call_sync(m->rpc, method, params, 0, left_ms(deadline), &b, err);
  if (!rc) rc = ob_json_parse(v, b.buf, b.len, NULL, err);
  ob_buf_release(&b);
  return rc;
}

static int sync_quantity(struct chain_txm *m, const char *method, const char *params, uint64_t deadline, uint64_t *out,
                         struct ob_err *err) {
  struct ob_json *v;
  int rc = sync_json(m, method, params, deadline, &v, err);
  if (!rc) rc = chain_json_quantity(v, out, method, err);
  ob_json_free(v);
  return rc;
}

/* Nonces between the chain's and the store's with no transaction of ours would stall every later
 * one: fill each with a zero-value transfer to ourselves. */
static int fill_gaps(struct chain_txm *m, uint64_t chain_latest, struct ob_err *err) {
  uint64_t next = 0;
  int rc = m->store.next_nonce(m->store.ud, &next, err);
  if (rc) return rc;
  for (uint64_t k = chain_latest; k < next; k++) {
    struct chain_txm_req r = {.has_to = true, .gas_limit = 21000, .purpose = "nonce gap filler"};
    struct tx *t;
    int64_t id;
    if (find_nonce(m, k)) continue;
    memcpy(r.to, m->signer.from, 20);
    OB_LOGF(OB_LOG_WARN, "chain", "nonce %" PRIu64 " of %s has no transaction: filling the gap", k, m->from_hex);
    if ((rc = m->store.insert_at(m->store.ud, &r, k, &id, err)) != 0) return rc;
    if ((rc = tx_from_req(&t, &r, err)) != 0) return rc;
    t->id = id;
    t->nonce = k;
    t->state = CHAIN_TX_QUEUED;
    list_insert(m, t);
  }
  return 0;
}

int chain_txm_start(struct chain_txm *m, struct ob_err *err) {
  struct load_ctx lc = {m, 0};
  char params[96];
  uint64_t latest, pending, deadline = ob_mono_ms() + m->o.start_timeout_ms;
  int rc = chain_rpc_wait(m->rpc, CHAIN_WAIT_READY, m->o.start_timeout_ms, err);
  if (rc) return rc;
  if ((rc = sync_quantity(m, "eth_blockNumber", "[]", deadline, &m->head, err)) != 0) return rc;
  snprintf(params, sizeof(params), "[\"%s\",\"latest\"]", m->from_hex);
  if ((rc = sync_quantity(m, "eth_getTransactionCount", params, deadline, &latest, err)) != 0) return rc;
  snprintf(params, sizeof(params), "[\"%s\",\"pending\"]", m->from_hex);
  if ((rc = sync_quantity(m, "eth_getTransactionCount", params, deadline, &pending, err)) != 0) return rc;
  m->latest_nonce = latest;
  m->floor = pending > latest ? pending : latest;
  {
    struct ob_json *v;
    rc = sync_json(m, "eth_feeHistory", "[\"0x5\",\"latest\",[50]]", deadline, &v, err);
    if (!rc) rc = parse_fee_history(m, v, err);
    ob_json_free(v);
    if (!rc && m->legacy) {
      rc = sync_json(m, "eth_gasPrice", "[]", deadline, &v, err);
      if (!rc) rc = chain_json_quantity_u256(v, &m->gas_price, "eth_gasPrice", err);
      ob_json_free(v);
    }
    if (rc) return rc;
    m->fees_known = true;
    m->fee_block = m->head;
  }
  rc = m->store.load_active(m->store.ud, load_one, &lc, err);
  if (!rc) rc = lc.rc;
  if (rc) return ob_err_prefix(err, rc, "cannot load transactions");
  if ((rc = fill_gaps(m, latest, err)) != 0) return rc;
  /* What was signed or broadcast goes out again now (the same bytes: the same hash). */
  for (struct tx *t = m->txs; t; t = t->next) {
    if ((t->state == CHAIN_TX_SIGNED || t->state == CHAIN_TX_BROADCAST) && t->nvers) {
      m->counts.resent++;
      send_version(m, t);
    }
  }
  chain_timer_start(m->timer, 0, m->o.check_interval_ms);
  return 0;
}

int chain_txm_submit(struct chain_txm *m, const struct chain_txm_req *r, int64_t *id, struct ob_err *err) {
  struct tx *t = NULL;
  struct fees f;
  uint64_t nonce;
  bool existed = false;
  int rc;
  if (r->gas_limit == 0) return ob_err_set(err, OB_EINVAL, "gas limit must be at least 1");
  rc = m->store.insert(m->store.ud, r, m->floor, id, &nonce, &existed, err);
  if (rc) return rc;
  if (existed || find_id(m, *id)) return 0;
  if ((rc = tx_from_req(&t, r, err)) != 0) return rc;
  t->id = *id;
  t->nonce = nonce;
  t->state = CHAIN_TX_QUEUED;
  t->broadcast_block = m->head;
  list_insert(m, t);
  notify(m, t, NULL);
  current_fees(m, &f);
  if (m->fees_known) sign_and_send(m, t, &f);
  return 0;
}

int chain_txm_supersede(struct chain_txm *m, int64_t id, const struct chain_txm_req *r, int64_t *new_id,
                        struct ob_err *err) {
  struct tx *old = find_id(m, id), *t = NULL;
  struct fees f;
  int rc;
  if (!old) return ob_err_set(err, OB_ENOENT, "transaction %" PRId64 " is not pending here", id);
  if (old->state != CHAIN_TX_QUEUED && old->state != CHAIN_TX_SIGNED && old->state != CHAIN_TX_BROADCAST)
    return ob_err_set(err, OB_ESTATE, "transaction %" PRId64 " is %s: only a pending one can be replaced", id,
                      chain_tx_state_name(old->state));
  if ((rc = m->store.supersede(m->store.ud, id, r, new_id, err)) != 0) return rc;
  if ((rc = tx_from_req(&t, r, err)) != 0) return rc;
  t->id = *new_id;
  t->nonce = old->nonce;
  t->state = CHAIN_TX_QUEUED;
  t->broadcast_block = m->head;
  list_remove(m, old);
  old->state = CHAIN_TX_SUPERSEDED;
  notify(m, old, NULL);
  t->rival = old;
  list_insert(m, t);
  notify(m, t, NULL);
  /* The pool replaces a transaction only for higher fees than the one it holds. */
  if (old->nvers) bumped_fees(m, &old->vers[old->nvers - 1], &f);
  else current_fees(m, &f);
  if (m->fees_known) sign_and_send(m, t, &f);
  return 0;
}

void chain_txm_counts(struct chain_txm *m, struct chain_txm_counts *out) {
  struct chain_txm_counts c = m->counts;
  c.queued = c.signed_ = c.broadcast = c.confirmed = c.unproven = 0;
  for (struct tx *t = m->txs; t; t = t->next) {
    if (t->state == CHAIN_TX_QUEUED) c.queued++;
    else if (t->state == CHAIN_TX_SIGNED) c.signed_++;
    else if (t->state == CHAIN_TX_BROADCAST) c.broadcast++;
    else if (t->state == CHAIN_TX_CONFIRMED) c.confirmed++;
    if (t->state == CHAIN_TX_CONFIRMED && t->unproven) c.unproven++;
  }
  *out = c;
}

bool chain_txm_idle(struct chain_txm *m) {
  for (struct tx *t = m->txs; t; t = t->next)
    if (t->state == CHAIN_TX_QUEUED || t->state == CHAIN_TX_SIGNED || t->state == CHAIN_TX_BROADCAST ||
        (t->state == CHAIN_TX_CONFIRMED && t->unproven))
      return false;
  return true;
}
