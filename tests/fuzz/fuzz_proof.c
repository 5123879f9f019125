/* libFuzzer harness: the proof API's object as `consumer push --api` reads it (node_proof_parse).
 * Whatever it accepts, written back with node_proof_json, must parse to the same fields. */
#include <stdint.h>
#include <string.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/node/batch.h"
#include "ob/node/proofs.h"

static void write_back(const struct node_proof *p, struct ob_buf *out) {
  struct node_batch_feed f;
  struct ob_jw w;
  memset(&f, 0, sizeof(f));
  f.name = (char *)p->name;
  memcpy(f.id, p->id, 32);
  f.value = p->value;
  f.decimals = (uint8_t)p->decimals;
  f.observed_at = p->observed_at;
  f.proof = p->proof;
  f.proof_len = p->proof_len;
  ob_jw_init(&w, out, false);
  node_proof_json(&w, &p->meta, &f);
  if (ob_jw_finish(&w) != 0) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct node_proof p, q;
  struct ob_err err;
  struct ob_buf out;
  if (size > (1 << 20)) return 0;
  if (node_proof_parse(&p, (const char *)data, size, &err) != 0) return 0;
  ob_buf_init(&out, 16 << 20);
  write_back(&p, &out);
  if (node_proof_parse(&q, out.buf, out.len, &err) != 0 || strcmp(p.name, q.name) != 0 ||
      memcmp(p.id, q.id, 32) != 0 || memcmp(&p.value, &q.value, sizeof(p.value)) != 0 || p.decimals != q.decimals ||
      p.observed_at != q.observed_at || p.meta.round != q.meta.round || memcmp(p.meta.root, q.meta.root, 32) != 0 ||
      p.proof_len != q.proof_len || (p.proof_len && memcmp(p.proof, q.proof, 32 * p.proof_len) != 0))
    __builtin_trap();
  node_proof_release(&q);
  node_proof_release(&p);
  ob_buf_release(&out);
  return 0;
}
