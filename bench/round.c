/* bench_round: the C side of a round before the chain, as `obridge commit` does it: build (the values
 * file parsed and converted, the batch sealed: sorted, checked, the StandardMerkleTree and every proof,
 * the canonical JSON written), pin (ipfs_pin_memory: upload, local CID check, pin confirmed by the node;
 * with API "-" the CID computed locally only) and sign (the EIP-712 digest, one signature per signer).
 * The feeds are bench/merkle.c's leaves, so the root equals bench/baseline/merkle.mjs's.
 *
 *   bench_round [LEAVES] [REPEATS] [IPFS_API|-] [SIGNERS]      (default 10000 5 - 3)
 *   -> "root build_ms pin_ms sign_ms total_ms total_cpu_ms doc_bytes mode" per round (means; mode
 *      "pinned" or "cid"). Exit 1 when a step fails, naming it on stderr. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ob/chain/eip712.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/util.h"
#include "ob/node/batch.h"
#include "ob/node/values.h"
#include "ob/storage/cid.h"
#include "ob/storage/kubo.h"
#include "ob/storage/pin.h"

#define MAX_SIGNERS 16

/* The values file of bench/merkle.c's leaves: "feed-i", raw value (i * 1000003 + 7), negative when
 * i % 3 == 0, 8 decimals (written as "<raw>e-8"), observedAt 1764000000 + i. */
static int values_text(struct ob_buf *out, size_t n) {
  int rc = ob_buf_addf(out, "{\"feeds\":[");
  for (size_t i = 0; !rc && i < n; i++)
    rc = ob_buf_addf(out, "%s{\"name\":\"feed-%zu\",\"decimals\":8,\"value\":\"%s%" PRIu64 "e-8\",\"observedAt\":%" PRIu64 "}",
                     i ? "," : "", i, i % 3 == 0 ? "-" : "", (uint64_t)i * 1000003 + 7, (uint64_t)1764000000 + i);
  if (!rc) rc = ob_buf_addf(out, "]}");
  return rc;
}

static double cpu_ms(void) { return (double)clock() * 1000.0 / CLOCKS_PER_SEC; }

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000, reps = argc > 2 ? strtoull(argv[2], NULL, 10) : 5;
  const char *api = argc > 3 ? argv[3] : "-";
  size_t nsig = argc > 4 ? strtoull(argv[4], NULL, 10) : 3;
  bool pin = strcmp(api, "-") != 0;
  struct ob_buf values, doc;
  struct ob_err err;
  struct chain_signer *s = NULL;
  struct ipfs_kubo *k = NULL;
  struct ipfs_pin_worker_opts wo;
  uint8_t keys[MAX_SIGNERS][32], sig[65], reg[20], digest[32], root[32] = {0};
  char cid[IPFS_CID_TEXT_MAX] = "", hex[67];
  double t_build = 0, t_pin = 0, t_sign = 0, c0;
  size_t doc_bytes = 0;
  int rc = 0;
  if (n == 0 || reps == 0 || nsig == 0 || nsig > MAX_SIGNERS) {
    fprintf(stderr, "usage: bench_round [LEAVES] [REPEATS] [IPFS_API|-] [SIGNERS 1-%d]\n", MAX_SIGNERS);
    return 2;
  }
  ob_err_clear(&err);
  ob_buf_init(&values, (size_t)1 << 28);
  ob_buf_init(&doc, NODE_BATCH_MAX_BYTES);
  for (size_t i = 0; i < nsig; i++) memset(keys[i], (int)(i + 1), 32); /* valid secp256k1 keys */
  memset(reg, 0x42, sizeof(reg));
  if (values_text(&values, n)) rc = ob_err_set(&err, OB_ENOMEM, "out of memory");
  if (!rc) rc = chain_signer_new(&s, &err);
  if (!rc && pin) {
    struct ipfs_kubo_opts ko;
    ipfs_kubo_opts_init(&ko);
    ko.api = api;
    rc = ipfs_kubo_new(&k, &ko, &err);
    ipfs_pin_worker_opts_init(&wo);
    wo.kubo = k;
  }
  c0 = cpu_ms();
  for (size_t r = 0; !rc && r < reps; r++) {
    struct node_batch b;
    struct chain_commitment cm;
    uint64_t t0 = ob_mono_ns(), t1, t2;
    /* build */
    node_batch_init(&b);
    ob_buf_reset(&doc);
    rc = node_values_load(&b, values.buf, values.len, 1764000000 + n, &err);
    b.chain_id = 31337;
    memcpy(b.registry, reg, 20);
    b.round = r + 1;
    b.timestamp = 1764000000 + n;
    if (!rc) rc = node_batch_seal(&b, &err);
    if (!rc) rc = node_batch_write(&b, &doc, &err);
    t1 = ob_mono_ns();
    /* pin, or the CID alone */
    if (!rc && pin) {
      rc = ipfs_pin_memory(&wo, IPFS_PROFILE_V1_2025, "round.json", doc.buf, doc.len, cid, &err);
    } else if (!rc) {
      struct ipfs_dag_builder *d = NULL;
      struct ipfs_cid id;
      rc = ipfs_dag_builder_new(&d, IPFS_PROFILE_V1_2025, &err);
      if (!rc) rc = ipfs_dag_builder_update(d, doc.buf, doc.len);
      if (!rc) rc = ipfs_dag_builder_finish(d, &id, NULL, &err);
      if (!rc && ipfs_cid_format(cid, sizeof(cid), &id)) rc = ob_err_set(&err, OB_EINVAL, "CID does not format");
      ipfs_dag_builder_free(d);
    }
    t2 = ob_mono_ns();
    /* sign */
    cm.round = b.round;
    memcpy(cm.root, b.root, 32);
    cm.cid = cid;
    cm.timestamp = b.timestamp;
    cm.count = (uint32_t)b.nfeeds;
    if (!rc) chain_eip712_commitment_digest(digest, b.chain_id, b.registry, &cm);
    for (size_t i = 0; !rc && i < nsig; i++) rc = chain_sign(s, sig, digest, keys[i], &err);
    t_build += (double)(t1 - t0) / 1e6;
    t_pin += (double)(t2 - t1) / 1e6;
    t_sign += (double)(ob_mono_ns() - t2) / 1e6;
    memcpy(root, b.root, 32);
    doc_bytes = doc.len;
    node_batch_release(&b);
  }
  if (rc) {
    fprintf(stderr, "bench_round: %s\n", err.msg);
  } else {
    double cpu = (cpu_ms() - c0) / (double)reps;
    ob_hex_encode0x(hex, root, 32);
    printf("%s %.2f %.2f %.2f %.2f %.2f %zu %s\n", hex, t_build / (double)reps, t_pin / (double)reps,
           t_sign / (double)reps, (t_build + t_pin + t_sign) / (double)reps, cpu, doc_bytes, pin ? "pinned" : "cid");
  }
  ipfs_kubo_free(k);
  chain_signer_free(s);
  ob_buf_release(&values);
  ob_buf_release(&doc);
  return rc ? 1 : 0;
}
