/* The transaction manager's fees past 64 bits, against a fake endpoint (tests/chain/fake_rpc.py
 * fees / fees_legacy) and a store in memory: eth_feeHistory and eth_gasPrice values above 2^64
 * read exactly, twice the base fee plus the tip, the +12.5 % bumps and the ceilings in uint256, and
 * the signed bytes carrying exactly those fees. */
#include "ob/chain/signer.h"
#include "ob/chain/tx.h"
#include "ob/chain/txm.h"
#include "ob/chain/txm_signer.h"
#include "ob/core/hex.h"
#include "ob/core/u256.h"
#include "rpc_helpers.h"

/* anvil's account 1 (test mnemonic) */
#define KEY1 "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"

enum { MAXV = 8 };

/* What the store was given, and the same fees read back from the signed bytes. */
struct mem {
  size_t nvers;
  struct chain_txm_ver v[MAXV];
  struct chain_tx tx[MAXV];
  bool decoded[MAXV];
  struct chain_signer *secp;
};

static int m_insert(void *ud, const struct chain_txm_req *r, uint64_t chain_next, int64_t *id, uint64_t *nonce,
                    bool *existed, struct ob_err *err) {
  (void)ud, (void)r, (void)err;
  *id = 1;
  *nonce = chain_next;
  *existed = false;
  return 0;
}

static int m_insert_at(void *ud, const struct chain_txm_req *r, uint64_t nonce, int64_t *id, struct ob_err *err) {
  (void)ud, (void)r, (void)nonce, (void)id;
  return ob_err_set(err, OB_EUNSUP, "not in this test");
}

static int m_add_version(void *ud, int64_t id, int version, const struct chain_txm_ver *v, struct ob_err *err) {
  struct mem *m = ud;
  (void)id, (void)version;
  if (m->nvers == MAXV) return 0;
  m->v[m->nvers] = *v;
  m->v[m->nvers].raw = NULL; /* borrowed for the call only */
  m->decoded[m->nvers] = chain_tx_decode(&m->tx[m->nvers], NULL, v->raw, v->raw_len, m->secp, err) == 0;
  m->tx[m->nvers].data = NULL;
  m->tx[m->nvers].access_list = NULL;
  m->nvers++;
  return 0;
}

static int m_update(void *ud, int64_t id, const struct chain_txm_update *u, struct ob_err *err) {
  (void)ud, (void)id, (void)u, (void)err;
  return 0;
}

static int m_supersede(void *ud, int64_t old_id, const struct chain_txm_req *r, int64_t *new_id, struct ob_err *err) {
  (void)ud, (void)old_id, (void)r, (void)new_id;
  return ob_err_set(err, OB_EUNSUP, "not in this test");
}

static int m_load_active(void *ud, void (*each)(void *cbud, const struct chain_txm_loaded *t), void *cbud,
                         struct ob_err *err) {
  (void)ud, (void)each, (void)cbud, (void)err;
  return 0;
}

static int m_next_nonce(void *ud, uint64_t *next, struct ob_err *err) {
  (void)ud, (void)err;
  *next = 0;
  return 0;
}

struct rig {
  struct fake fk;
  struct tclient t;
  struct mem mem;
  struct chain_txm_store store;
  struct chain_key_signer *ks;
  struct chain_txm_signer signer;
  struct chain_txm_opts o;
  struct chain_txm *m;
};

static void quick(struct chain_rpc_opts *o) {
  o->health_interval_ms = 100;
  o->request_timeout_ms = 5000;
}

static void u256_of(struct chain_u256 *v, const char *dec) {
  if (chain_u256_parse(v, dec, NULL, NULL) != 0) memset(v, 0, sizeof(*v));
}

static void rig_close(struct rig *r) {
  chain_txm_free(r->m);
  tclient_close(&r->t);
  chain_key_signer_free(r->ks);
  chain_signer_free(r->mem.secp);
  fake_stop(&r->fk);
  memset(r, 0, sizeof(*r));
}

/* The fake endpoint in mode, the manager with ceilings max_fee / max_prio (decimal wei). On
 * failure everything is closed again (the fake endpoint stopped). */
static bool rig_open(struct rig *r, const char *mode, const char *max_fee, const char *max_prio) {
  const char *urls[1];
  struct ob_err err;
  uint8_t key[32];
  memset(r, 0, sizeof(*r));
  ob_err_clear(&err);
  if (!fake_start(&r->fk, mode)) {
    rig_close(r);
    return false;
  }
  urls[0] = r->fk.ws;
  ob_hex_decode_fixed(key, 32, KEY1, NULL);
  if (chain_key_signer_new(&r->ks, &r->signer, key, &err) || chain_signer_new(&r->mem.secp, &err)) {
    rig_close(r);
    return false;
  }
  r->store = (struct chain_txm_store){&r->mem, m_insert, m_insert_at, m_add_version, m_update, m_supersede, m_load_active,
                                      m_next_nonce};
  chain_txm_opts_init(&r->o);
  r->o.chain_id = 31337;
  r->o.check_interval_ms = 30;
  r->o.bump_after_blocks = 1;
  u256_of(&r->o.max_fee_wei, max_fee);
  u256_of(&r->o.max_priority_fee_wei, max_prio);
  if (tclient_open(&r->t, urls, 1, quick, &err) ||
      chain_txm_new(&r->m, r->t.rpc, &r->o, &r->signer, &r->store, NULL, NULL, &err) || chain_txm_start(r->m, &err)) {
    fprintf(stderr, "rig: %s\n", err.msg);
    rig_close(r);
    return false;
  }
  return true;
}

static bool submit(struct rig *r) {
  struct chain_txm_req q = {.has_to = true, .gas_limit = 21000, .value = {{1, 0, 0, 0}}};
  struct ob_err err;
  int64_t id;
  q.to[19] = 0x42;
  if (chain_txm_submit(r->m, &q, &id, &err) == 0) return true;
  fprintf(stderr, "submit: %s\n", err.msg);
  return false;
}

/* Run until n versions are stored or ms pass. */
static void run_until_versions(struct rig *r, size_t n, unsigned ms) {
  uint64_t end = ob_mono_ms() + ms;
  while (r->mem.nvers < n && ob_mono_ms() < end) chain_loop_run_once(r->t.loop);
}

static const char *dec(const struct chain_u256 *v) {
  static char out[4][CHAIN_U256_DEC_MAX];
  static int i;
  i = (i + 1) % 4;
  return chain_u256_to_dec(out[i], v);
}

/* Version i's fees as stored and as signed are max_fee / prio (EIP-1559). */
static void check_1559(struct rig *r, size_t i, const char *max_fee, const char *prio) {
  OB_REQUIRE(i < r->mem.nvers);
  OB_CHECK(!r->mem.v[i].legacy);
  OB_CHECK_STR(dec(&r->mem.v[i].max_fee), max_fee);
  OB_CHECK_STR(dec(&r->mem.v[i].max_priority_fee), prio);
  OB_REQUIRE(r->mem.decoded[i]);
  OB_CHECK(r->mem.tx[i].type == CHAIN_TX_EIP1559);
  OB_CHECK_STR(dec(&r->mem.tx[i].max_fee), max_fee);
  OB_CHECK_STR(dec(&r->mem.tx[i].max_priority_fee), prio);
}

/* Next base fee B = 2^64+5, median tip T = 2^64+1 (of 2, 2^64+1, 2^64+3): the first version asks
 * 2B + T = 55340232221128654859 and tip T; each bump adds 12.5 % rounded up to both. */
OB_TEST(fee_history_past_64_bits_exact_and_bumped_exactly) {
  struct rig r;
  OB_REQUIRE(rig_open(&r, "fees", "1000000000000000000000", "1000000000000000000000"));
  OB_REQUIRE(submit(&r));
  run_until_versions(&r, 3, 10000);
  OB_REQUIRE(r.mem.nvers >= 3);
  check_1559(&r, 0, "55340232221128654859", "18446744073709551617");
  check_1559(&r, 1, "62257761248769736717", "20752587082923245570");
  check_1559(&r, 2, "70039981404865953807", "23346660468288651267");
  rig_close(&r);
}

/* A ceiling above 2^64 (50 ether per gas, below 2B + T) is the fee; it leaves no room for the 10 %
 * a replacement needs, so no version is made past the first however many blocks go by. */
OB_TEST(ceiling_past_64_bits_caps_the_fee_and_the_bumps) {
  struct rig r;
  struct chain_txm_counts c;
  OB_REQUIRE(rig_open(&r, "fees", "50000000000000000000", "1000000000000000000000"));
  OB_REQUIRE(submit(&r));
  run_until_versions(&r, 1, 5000);
  run_for(r.t.loop, 800); /* many blocks at one per eth_blockNumber */
  OB_CHECK_EQ(r.mem.nvers, 1);
  check_1559(&r, 0, "50000000000000000000", "18446744073709551617");
  chain_txm_counts(r.m, &c);
  OB_CHECK_EQ(c.bumps, 0);
  rig_close(&r);
  /* A tip ceiling past 2^64, 3 % above the tip: the fee has room, the tip cannot grow the 10 % a
   * replacement needs on both, so there is no replacement either. */
  OB_REQUIRE(rig_open(&r, "fees", "1000000000000000000000", "19000000000000000000"));
  OB_REQUIRE(submit(&r));
  run_until_versions(&r, 1, 5000);
  run_for(r.t.loop, 800);
  OB_CHECK_EQ(r.mem.nvers, 1);
  check_1559(&r, 0, "55340232221128654859", "18446744073709551617");
  rig_close(&r);
}

/* No base fee: legacy, gas price 2^64+11 from eth_gasPrice, bumped by 12.5 % rounded up. */
OB_TEST(legacy_gas_price_past_64_bits_exact_and_bumped) {
  struct rig r;
  OB_REQUIRE(rig_open(&r, "fees_legacy", "1000000000000000000000", "1000000000000000000000"));
  OB_REQUIRE(submit(&r));
  run_until_versions(&r, 2, 10000);
  OB_REQUIRE(r.mem.nvers >= 2);
  for (size_t i = 0; i < 2; i++) {
    OB_CHECK(r.mem.v[i].legacy);
    OB_REQUIRE(r.mem.decoded[i]);
    OB_CHECK(r.mem.tx[i].type == CHAIN_TX_LEGACY);
    OB_CHECK_STR(dec(&r.mem.tx[i].gas_price), dec(&r.mem.v[i].gas_price));
  }
  OB_CHECK_STR(dec(&r.mem.v[0].gas_price), "18446744073709551627");
  OB_CHECK_STR(dec(&r.mem.v[1].gas_price), "20752587082923245581");
  rig_close(&r);
}
