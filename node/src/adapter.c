/* The feed adapter contract from C (adapter.h). */
#include "ob/node/adapter.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ob/chain/abi.h"
#include "ob/chain/keccak.h"
#include "ob/chain/rpc.h"
#include "ob/contracts/contracts.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/u256.h"
#include "ob/node/registry.h"

static const char *const adapter_errors[] = {"ZeroRegistry()", "DecimalsOutOfRange(uint8,uint8)",
                                             "StaleUpdate(uint64,uint64)", "InvalidProof(uint64,bytes32)",
                                             "NoDataPresent(uint80)"};
#define NERRORS (sizeof(adapter_errors) / sizeof(adapter_errors[0]))

int node_adapter_describe_revert(struct ob_buf *out, const uint8_t *data, size_t len) {
  struct chain_abi_sig *sigs[NERRORS];
  uint8_t sel[4];
  size_t n = 0;
  int rc = OB_ENOENT;
  for (size_t i = 0; i < NERRORS; i++)
    if (chain_abi_sig_parse(&sigs[n], adapter_errors[i], NULL) == 0) n++;
  for (size_t i = 0; len >= 4 && i < n && rc == OB_ENOENT; i++)
    if (chain_abi_selector(sel, sigs[i]) == 0 && memcmp(sel, data, 4) == 0)
      rc = chain_abi_decode_revert(out, data, len, sigs, n, NULL);
  for (size_t i = 0; i < n; i++) chain_abi_sig_free(sigs[i]);
  return rc;
}

static void word_u64(uint8_t w[32], uint64_t x) {
  memset(w, 0, 32);
  for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)(x >> (8 * i));
}

int node_adapter_deploy_code(struct ob_buf *out, const uint8_t registry[20], const uint8_t feed_id[32],
                             unsigned decimals, const char *description, struct ob_err *err) {
  size_t dlen = description ? strlen(description) : 0;
  uint8_t w[32];
  int rc;
  if (decimals > 36) return ob_err_set(err, OB_EINVAL, "decimals: expected 0 to 36, got %u", decimals);
  if (dlen > NODE_ADAPTER_DESCRIPTION_MAX)
    return ob_err_set(err, OB_EINVAL, "description: %zu bytes, at most %d", dlen, NODE_ADAPTER_DESCRIPTION_MAX);
  size_t got = 0;
  if (ob_buf_grow(out, ob_feed_adapter_bytecode_hex_len / 2 + 5 * 32 + dlen + 32))
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  rc = ob_hex_decode((uint8_t *)out->buf + out->len, ob_feed_adapter_bytecode_hex_len / 2, &got,
                     ob_feed_adapter_bytecode_hex, ob_feed_adapter_bytecode_hex_len, err);
  if (rc) return rc;
  out->len += got;
  memset(w, 0, 32);
  memcpy(w + 12, registry, 20);
  if (!rc) rc = ob_buf_add(out, w, 32);
  if (!rc) rc = ob_buf_add(out, feed_id, 32);
  word_u64(w, decimals);
  if (!rc) rc = ob_buf_add(out, w, 32);
  word_u64(w, 4 * 32); /* offset of the string */
  if (!rc) rc = ob_buf_add(out, w, 32);
  word_u64(w, dlen);
  if (!rc) rc = ob_buf_add(out, w, 32);
  if (!rc && dlen) rc = ob_buf_add(out, description, dlen);
  memset(w, 0, 32);
  if (!rc && dlen % 32) rc = ob_buf_add(out, w, 32 - dlen % 32);
  return rc ? ob_err_set(err, rc, "adapter creation code: out of memory") : 0;
}

int node_adapter_update_data(struct ob_buf *out, uint64_t round, const struct chain_u256 *value, uint64_t observed_at,
                             const uint8_t (*proof)[32], size_t n, struct ob_err *err) {
  static const char sigtext[] = "update(uint64,int256,uint64,bytes32[])";
  uint8_t h[32], w[32];
  int rc;
  chain_keccak256(h, sigtext, sizeof(sigtext) - 1);
  rc = ob_buf_add(out, h, 4);
  word_u64(w, round);
  if (!rc) rc = ob_buf_add(out, w, 32);
  chain_u256_to_be(w, value);
  if (!rc) rc = ob_buf_add(out, w, 32);
  word_u64(w, observed_at);
  if (!rc) rc = ob_buf_add(out, w, 32);
  word_u64(w, 4 * 32); /* offset of proof */
  if (!rc) rc = ob_buf_add(out, w, 32);
  word_u64(w, n);
  if (!rc) rc = ob_buf_add(out, w, 32);
  for (size_t i = 0; i < n && !rc; i++) rc = ob_buf_add(out, proof[i], 32);
  return rc ? ob_err_set(err, rc, "update calldata: out of memory") : 0;
}

/* A view without arguments returning one word. */
static int view_word(struct chain_rpc *rpc, const uint8_t addr[20], const char *sigtext, uint8_t w[32],
                     struct ob_err *err) {
  struct ob_buf out;
  uint8_t h[32];
  int rc;
  chain_keccak256(h, sigtext, strlen(sigtext));
  ob_buf_init(&out, 1 << 16);
  char a[43];
  ob_hex_encode0x(a, addr, 20);
  rc = node_contract_call(rpc, NULL, addr, h, 4, &out, err);
  if (rc == OB_EREVERT)
    rc = ob_err_set(err, OB_EINVAL, "adapter %s: %s reverted (not an obridge feed adapter?)", a, sigtext);
  else if (!rc && out.len != 32)
    rc = ob_err_set(err, OB_EINVAL, "adapter %s: %s returned %zu bytes, not one word (not an obridge feed adapter?)",
                    a, sigtext, out.len);
  if (!rc) memcpy(w, out.buf, 32);
  ob_buf_release(&out);
  return rc;
}

int node_adapter_read(struct chain_rpc *rpc, const uint8_t addr[20], struct node_adapter_state *st,
                      struct ob_err *err) {
  uint8_t w[32];
  int rc = node_registry_check_code(rpc, addr, err);
  memset(st, 0, sizeof(*st));
  if (!rc) rc = view_word(rpc, addr, "registry()", w, err);
  if (!rc) memcpy(st->registry, w + 12, 20);
  if (!rc) rc = view_word(rpc, addr, "feedId()", st->feed_id, err);
  if (!rc) rc = view_word(rpc, addr, "decimals()", w, err);
  if (!rc) st->decimals = w[31];
  if (!rc) rc = view_word(rpc, addr, "latestRound()", w, err);
  for (int i = 0; !rc && i < 8; i++) st->latest_round = st->latest_round << 8 | w[24 + i];
  return rc;
}
