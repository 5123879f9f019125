/* bench_sign: obridge's chain_sign on a commitment digest vs a bare libsecp256k1
 * secp256k1_ecdsa_sign_recoverable loop, in the same run. Rounds alternate between the two (in turn
 * first) and the best round of each counts, so a busy machine hurts both alike. Target: ratio >= 0.9.
 * (This program includes libsecp256k1's headers for its baseline only.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "ob/chain/eip712.h"
#include "ob/chain/signer.h"
#include "ob/core/util.h"

#define ROUNDS 7

static double rate(uint64_t ns, unsigned n) { return (double)n * 1e9 / (double)ns; }

static double bench_obridge(const struct chain_signer *s, const uint8_t key[32], uint8_t digest[32], unsigned n) {
  uint8_t sig[65];
  uint64_t t0 = ob_mono_ns();
  for (unsigned i = 0; i < n; i++) {
    if (chain_sign(s, sig, digest, key, NULL)) abort();
    digest[0] ^= sig[1]; /* a new digest each time, as in the baseline */
  }
  return rate(ob_mono_ns() - t0, n);
}

static double bench_bare(const secp256k1_context *ctx, const uint8_t key[32], uint8_t digest[32], unsigned n) {
  secp256k1_ecdsa_recoverable_signature sig;
  uint8_t out[64];
  int recid;
  uint64_t t0 = ob_mono_ns();
  for (unsigned i = 0; i < n; i++) {
    if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest, key, NULL, NULL)) abort();
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out, &recid, &sig);
    digest[0] ^= out[1];
  }
  return rate(ob_mono_ns() - t0, n);
}

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 4000;
  struct chain_signer *s = NULL;
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  struct chain_commitment c = {.round = 42, .cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
                               .timestamp = 1764000000, .count = 3};
  uint8_t key[32], seed[32], reg[20] = {0x5f}, d1[32], d2[32];
  double best_o = 0, best_b = 0;
  if (!ctx || chain_signer_new(&s, NULL) || chain_key_generate(key, NULL) ||
      getrandom(seed, 32, 0) != 32 || !secp256k1_context_randomize(ctx, seed))
    return 1;
  memset(c.root, 0x11, 32);
  chain_eip712_commitment_digest(d1, 31337, reg, &c);
  memcpy(d2, d1, 32);
  for (int r = 0; r < ROUNDS; r++) {
    double o, b;
    if (r % 2) o = bench_obridge(s, key, d1, n), b = bench_bare(ctx, key, d2, n);
    else b = bench_bare(ctx, key, d2, n), o = bench_obridge(s, key, d1, n);
    if (o > best_o) best_o = o;
    if (b > best_b) best_b = b;
  }
  printf("bench_sign: %u signatures x %d rounds (best round each)\n", n, ROUNDS);
  printf("  obridge chain_sign (commitment digest) : %9.0f sig/s\n", best_o);
  printf("  bare secp256k1_ecdsa_sign_recoverable  : %9.0f sig/s\n", best_b);
  printf("  ratio obridge/bare                     : %9.3f (target >= 0.9)\n", best_o / best_b);
  chain_signer_free(s);
  secp256k1_context_destroy(ctx);
  return 0;
}
