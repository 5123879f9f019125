/* batch_tool: batch documents for the schema and parser tests (tests/node/test_batch.sh).
 *
 *   batch_tool gen SEED COUNT DIR     write COUNT random sealed batches, DIR/batch-I.json (canonical)
 *   batch_tool check FILE…            parse and check each: "ok FILE" or "bad FILE: why"; exit 1 if any bad
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/node/batch.h"
#include "ob/oracle/value.h"

static uint64_t state;
static uint64_t next(void) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void rand_name(char *out, size_t max) {
  static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static const char rest[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/:-";
  size_t n = 1 + next() % max;
  out[0] = first[next() % (sizeof(first) - 1)];
  for (size_t i = 1; i < n; i++)
    out[i] = rest[next() % (sizeof(rest) - 1)];
  out[n] = '\0';
}

static int add_random_feed(struct node_batch *b, struct ob_err *err) {
  char name[ORACLE_FEED_NAME_MAX + 1], text[64];
  rand_name(name, next() % 8 == 0 ? ORACLE_FEED_NAME_MAX : 12);
  for (size_t i = 0; i < b->nfeeds; i++)
    if (strcmp(b->feeds[i].name, name) == 0)
      return 0; /* drawn twice: skip */
  struct node_batch_feed *f = node_batch_add_feed(b, name, (unsigned)(next() % 37), err);
  if (!f)
    return -1;
  f->observed_at = next() % 5 == 0 ? NODE_BATCH_INT_MAX : next() % 2000000000;
  int64_t base = (int64_t)(next() % 2000000) - 1000000;
  if (next() % 4 == 0) {
    snprintf(text, sizeof text, "%" PRId64 "123456789012345678901234567890", base);
    return oracle_value_parse(&f->value, text, strlen(text), 0, "value", err);
  }
  static const char *const ks[] = {"3", "2.5", "0", "10", "1.5"};
  struct oracle_k k;
  struct oracle_agg res;
  size_t nobs = 1 + next() % 7;
  oracle_k_parse(&k, ks[next() % 5], NULL);
  for (size_t j = 0; j < nobs; j++) {
    struct chain_u256 x;
    char src[16];
    snprintf(src, sizeof src, "src-%02zu", (size_t)(next() % 100));
    snprintf(text, sizeof text, "%" PRId64, base + (int64_t)(next() % 21) - 10 + (next() % 6 == 0 ? 100000 : 0));
    oracle_value_parse(&x, text, strlen(text), 0, "value", NULL);
    bool dup = false;
    for (size_t i = 0; i < f->nobs; i++)
      dup |= strcmp(f->obs[i].source, src) == 0;
    if (!dup && node_batch_add_obs(f, src, &x, next() % 2000000000, err) != 0)
      return -1;
  }
  node_batch_feed_set_aggregation(f, &k, 1 + (uint32_t)(next() % f->nobs));
  if (node_batch_feed_aggregate(f, &res, err) != 0)
    return -1;
  if (!res.ok) { /* below quorum: with k >= 1 at least half the values remain, so quorum 1 holds */
    oracle_k_parse(&f->k, "3", NULL);
    f->quorum = 1;
    return node_batch_feed_aggregate(f, &res, err);
  }
  return 0;
}

static int gen(uint64_t seed, size_t count, const char *dir) {
  struct ob_err err;
  state = seed;
  for (size_t d = 0; d < count; d++) {
    struct node_batch b;
    struct ob_buf out;
    char path[4096];
    node_batch_init(&b);
    b.chain_id = 1 + next() % 100000;
    for (int i = 0; i < 20; i++)
      b.registry[i] = (uint8_t)next();
    b.round = 1 + next() % 1000000;
    b.timestamp = next() % 2000000000;
    size_t n = 1 + next() % 30;
    for (size_t i = 0; i < n; i++)
      if (add_random_feed(&b, &err) != 0)
        return fprintf(stderr, "batch_tool: %s\n", err.msg), 1;
    ob_buf_init(&out, OB_BUF_MAX_DEFAULT);
    if (node_batch_seal(&b, &err) != 0 || node_batch_write(&b, &out, &err) != 0)
      return fprintf(stderr, "batch_tool: %s\n", err.msg), 1;
    snprintf(path, sizeof path, "%s/batch-%zu.json", dir, d);
    if (ob_file_write_atomic(path, out.buf, out.len, 0644, &err) != 0)
      return fprintf(stderr, "batch_tool: %s\n", err.msg), 1;
    ob_buf_release(&out);
    node_batch_release(&b);
  }
  return 0;
}

static int check(char **files, int n) {
  int bad = 0;
  for (int i = 0; i < n; i++) {
    struct ob_buf in;
    struct ob_err err;
    struct node_batch b;
    node_batch_init(&b);
    ob_buf_init(&in, NODE_BATCH_MAX_BYTES);
    int rc = ob_file_read(files[i], &in, NODE_BATCH_MAX_BYTES, &err);
    if (!rc)
      rc = node_batch_parse(&b, in.buf, in.len, &err);
    if (rc) {
      printf("bad %s: %s\n", files[i], ob_err_msg(&err, rc));
      bad++;
    } else {
      printf("ok %s\n", files[i]);
    }
    node_batch_release(&b);
    ob_buf_release(&in);
  }
  return bad ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc >= 5 && strcmp(argv[1], "gen") == 0)
    return gen(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0), argv[4]);
  if (argc >= 3 && strcmp(argv[1], "check") == 0)
    return check(argv + 2, argc - 2);
  fprintf(stderr, "usage: batch_tool gen SEED COUNT DIR | check FILE…\n");
  return 2;
}
