/* The batch document: canonical bytes, round trip, the checker's errors naming the feed. */
#include <stdlib.h>

#include "ob/chain/merkle.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/node/batch.h"
#include "ob/oracle/value.h"
#include "ob_test.h"

static void obs(struct node_batch_feed *f, const char *src, const char *v, uint64_t at) {
  struct chain_u256 x;
  if (oracle_value_parse(&x, v, strlen(v), f->decimals, "obs", NULL) || node_batch_add_obs(f, src, &x, at, NULL))
    abort();
}

/* Two feeds given out of order: ETH/USD from three sources (one an outlier), BTC/USD a bare value. */
static void build(struct node_batch *b) {
  struct oracle_k k;
  struct oracle_agg res;
  node_batch_init(b);
  b->chain_id = 31337;
  OB_CHECK_EQ(ob_hex_decode_fixed(b->registry, 20, "0x5fbdb2315678afecb367f032d93f642f64180aa3", NULL), 0);
  b->round = 42;
  b->timestamp = 1764000000;
  struct node_batch_feed *f = node_batch_add_feed(b, "ETH/USD", 8, NULL);
  OB_REQUIRE(f);
  f->observed_at = 1763999998;
  obs(f, "exchange-b", "4012.3", 1763999997);
  obs(f, "exchange-a", "3012.3", 1763999997);
  obs(f, "exchange-c", "3012.345", 1763999996);
  oracle_k_parse(&k, "3.0", NULL);
  node_batch_feed_set_aggregation(f, &k, 2);
  OB_CHECK_EQ(node_batch_feed_aggregate(f, &res, NULL), 0);
  OB_CHECK(res.ok);
  f = node_batch_add_feed(b, "BTC/USD", 2, NULL);
  OB_REQUIRE(f);
  f->observed_at = 1763999990;
  OB_CHECK_EQ(oracle_value_parse(&f->value, "95000.5", 7, 2, "v", NULL), 0);
}

static const char CANONICAL[] =
    "{\"schema\":\"obridge/batch/v1\",\"chainId\":31337,\"registry\":\"0x5FbDB2315678afecb367f032d93F642f64180aa3\","
    "\"round\":42,\"timestamp\":1764000000,\"root\":\"0x%s\",\"leafEncoding\":[\"bytes32\",\"int256\",\"uint8\","
    "\"uint64\"],\"feeds\":[{\"name\":\"BTC/USD\",\"id\":\"0x%s\",\"value\":\"9500050\",\"decimals\":2,\"observedAt\":"
    "1763999990,\"proof\":[\"0x%s\"]},{\"name\":\"ETH/USD\",\"id\":\"0x0b43555ace6b39aae1b894097d0a9fc17f504c62fea598fa"
    "206cc6f5088e6e45\",\"value\":\"301232250000\",\"decimals\":8,\"observedAt\":1763999998,\"proof\":[\"0x%s\"],"
    "\"aggregation\":{\"method\":\"median-mad\",\"k\":\"3\",\"quorum\":2},\"observations\":[{\"source\":\"exchange-a\","
    "\"value\":\"301230000000\",\"at\":1763999997},{\"source\":\"exchange-b\",\"value\":\"401230000000\",\"at\":"
    "1763999997,\"outlier\":true},{\"source\":\"exchange-c\",\"value\":\"301234500000\",\"at\":1763999996}]}]}";

OB_TEST(batch_canonical_bytes_and_round_trip) {
  struct node_batch b, back;
  struct ob_buf out, again;
  struct ob_err err;
  build(&b);
  OB_REQUIRE(node_batch_seal(&b, &err) == 0);
  ob_buf_init(&out, 1 << 20);
  ob_buf_init(&again, 1 << 20);
  OB_REQUIRE(node_batch_write(&b, &out, &err) == 0);
  /* the document as PROTOCOL.md shows it: sorted feeds and sources, outlier only when true */
  char root[65], id0[65], p0[65], p1[65], want[sizeof(CANONICAL) + 256];
  ob_hex_encode(root, b.root, 32);
  ob_hex_encode(id0, b.feeds[0].id, 32);
  OB_REQUIRE(b.feeds[0].proof_len == 1 && b.feeds[1].proof_len == 1);
  ob_hex_encode(p0, b.feeds[0].proof[0], 32);
  ob_hex_encode(p1, b.feeds[1].proof[0], 32);
  snprintf(want, sizeof want, CANONICAL, root, id0, p0, p1);
  OB_CHECK_STR(out.buf, want);
  /* a two-leaf tree: each proof is the other leaf */
  struct chain_merkle_leaf l;
  uint8_t h[32];
  node_batch_feed_leaf(&l, &b.feeds[1]);
  chain_merkle_leaf_hash(h, &l);
  OB_CHECK_MEM(h, b.feeds[0].proof[0], 32);
  /* read back, checked, and written again to the same bytes */
  node_batch_init(&back);
  OB_CHECK_EQ(node_batch_parse(&back, out.buf, out.len, &err), 0);
  OB_CHECK_EQ(node_batch_write(&back, &again, &err), 0);
  OB_CHECK_STR(again.buf, out.buf);
  node_batch_release(&back);
  node_batch_release(&b);
  ob_buf_release(&out);
  ob_buf_release(&again);
}

OB_TEST(batch_seal_refuses_bad_batches) {
  struct node_batch b;
  struct ob_err err;
  struct chain_u256 one;
  chain_u256_from_u64(&one, 1);
  build(&b);
  OB_REQUIRE(node_batch_add_feed(&b, "ETH/USD", 8, &err));
  OB_CHECK_EQ(node_batch_seal(&b, &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "batch: feeds[2] 'ETH/USD': a duplicate name");
  node_batch_release(&b);

  build(&b);
  b.feeds[0].value = one; /* ETH/USD: not its aggregate */
  OB_CHECK_EQ(node_batch_seal(&b, &err), OB_ECHECK);
  OB_CHECK_STR(err.msg, "batch: feeds[1] 'ETH/USD': value 1 is not the median-mad of its observations (301232250000)");
  node_batch_release(&b);

  build(&b);
  b.feeds[0].quorum = 3; /* two remain */
  OB_CHECK_EQ(node_batch_seal(&b, &err), OB_ECHECK);
  OB_CHECK_CONTAINS(err.msg, "'ETH/USD': below its quorum: 2 of 3 source values remain");
  node_batch_release(&b);

  build(&b);
  OB_CHECK_EQ(node_batch_add_obs(&b.feeds[0], "exchange-a", &one, 1, NULL), 0);
  OB_CHECK_EQ(node_batch_seal(&b, &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "batch: feeds[1] 'ETH/USD': observations[1] source 'exchange-a' is a duplicate");
  node_batch_release(&b);

  build(&b);
  b.round = (uint64_t)1 << 53;
  OB_CHECK_EQ(node_batch_seal(&b, &err), OB_ELIMIT);
  OB_CHECK_STR(err.msg, "batch: round 9007199254740992 is above 2^53-1");
  b.round = 1;
  b.feeds[1].observed_at = (uint64_t)1 << 53;
  OB_CHECK_EQ(node_batch_seal(&b, &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "'ETH/USD': observedAt above 2^53-1");
  node_batch_release(&b);

  node_batch_init(&b);
  b.round = b.chain_id = 1;
  OB_CHECK_EQ(node_batch_seal(&b, &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "batch: no feeds (a round has at least one)");
  OB_CHECK(node_batch_add_feed(&b, "-bad", 8, &err) == NULL);
  OB_CHECK_STR(err.msg, "feed name '-bad': must start with a letter or digit");
  OB_CHECK(node_batch_add_feed(&b, "ok", 37, &err) == NULL);
  struct ob_buf out;
  ob_buf_init(&out, 1024);
  OB_CHECK_EQ(node_batch_write(&b, &out, &err), OB_ESTATE);
  node_batch_release(&b);
}

/* Edit the canonical document text (first occurrence of from -> to) and parse it. */
static int parse_edited(const char *doc, const char *from, const char *to, struct ob_err *err) {
  const char *at = strstr(doc, from);
  if (!at)
    return 999;
  struct ob_buf e;
  struct node_batch b;
  ob_buf_init(&e, 1 << 20);
  ob_buf_add(&e, doc, (size_t)(at - doc));
  ob_buf_addstr(&e, to);
  ob_buf_addstr(&e, at + strlen(from));
  node_batch_init(&b);
  int rc = node_batch_parse(&b, e.buf, e.len, err);
  node_batch_release(&b);
  ob_buf_release(&e);
  return rc;
}

OB_TEST(batch_parse_names_what_is_wrong) {
  struct node_batch b;
  struct ob_buf out;
  struct ob_err err;
  build(&b);
  OB_REQUIRE(node_batch_seal(&b, &err) == 0);
  ob_buf_init(&out, 1 << 20);
  OB_REQUIRE(node_batch_write(&b, &out, &err) == 0);
  const char *d = out.buf;
  struct {
    const char *from, *to;
    int code;
    const char *msg;
  } cases[] = {
      {"\"301232250000\"", "\"301232250001\"", OB_ECHECK, "feeds[1] 'ETH/USD': value 301232250001 is not the median-mad"},
      {"\"301234500000\"", "\"301234600000\"", OB_ECHECK, "feeds[1] 'ETH/USD': value 301232250000 is not the median-mad"},
      {",\"outlier\":true", "", OB_ECHECK, "feeds[1] 'ETH/USD': observations[1] 'exchange-b' is an outlier"},
      {"\"at\":1763999996}", "\"at\":1763999996,\"outlier\":false}", OB_EPARSE, "observations[2].outlier: only `true`"},
      {"\"9500050\"", "\"9500051\"", OB_ECHECK, "root is not the Merkle root"},
      {"\"9500050\"", "\"09500050\"", OB_EPARSE, "feeds[0] 'BTC/USD'.value: expected a canonical decimal integer"},
      {"\"9500050\"", "9500050", OB_EPARSE, "feeds[0] 'BTC/USD'.value: expected a canonical decimal string"},
      {"\"decimals\":2", "\"decimals\":37", OB_EPARSE, "feeds[0] 'BTC/USD'.decimals: expected 0..36"},
      {"\"round\":42", "\"round\":9007199254740992", OB_EPARSE, "document.round: expected an integer 0..2^53-1"},
      {"\"round\":42", "\"round\":42.0", OB_EPARSE, "document.round"},
      {"0x5FbDB2315678afecb367f032d93F642f64180aa3", "0x5fbdb2315678afecb367f032d93f642f64180aa3", OB_EPARSE,
       "registry: expected an EIP-55"},
      {"\"name\":\"BTC/USD\"", "\"name\":\"ZZZ\"", OB_ECHECK, "feeds[0] 'ZZZ'.id: not keccak256 of the name"},
      {"{\"schema\"", "{\"x\":1,\"schema\"", OB_EPARSE, "document: unknown key 'x'"},
      {"\"k\":\"3\"", "\"k\":\"0.5\"", OB_ECHECK, "'ETH/USD': observations[0] 'exchange-a' is an outlier"},
      {"\"k\":\"3\"", "\"k\":\"30000\"", OB_ECHECK, "'ETH/USD': observations[1] 'exchange-b' is not an outlier"},
      {"\"k\":\"3\"", "\"k\":\"30e-1\"", 0, NULL}, /* any spelling of k */
      {"\"method\":\"median-mad\"", "\"method\":\"mean\"", OB_EPARSE, "feeds[1] 'ETH/USD'.aggregation.method"},
      {"\"quorum\":2", "\"quorum\":4", OB_ECHECK, "feeds[1] 'ETH/USD': below its quorum"},
      {"\"leafEncoding\":[\"bytes32\"", "\"leafEncoding\":[\"bytes31\"", OB_EPARSE, "leafEncoding"},
      {"\"schema\":\"obridge/batch/v1\"", "\"schema\":\"obridge/batch/v2\"", OB_EPARSE, "schema: expected"},
      {",\"aggregation\"", ",\"aggregatio\"", OB_EPARSE, "unknown key 'aggregatio'"},
      {"\"source\":\"exchange-a\"", "\"source\":\"exchange-d\"", OB_EPARSE, "observations[1] source 'exchange-b' is out of order"},
      {"1763999990,", "1763999990,\"observedAt\":1,", OB_EPARSE, "duplicate"},
      {"\"feeds\":[", "\"feeds\":[] ,\"x\":[", OB_EPARSE, "unknown key 'x'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ob_err_clear(&err);
    int rc = parse_edited(d, cases[i].from, cases[i].to, &err);
    OB_CHECK_MSG(rc == cases[i].code, "case %zu (%s -> %s): rc %d, want %d: %s", i, cases[i].from, cases[i].to, rc,
                 cases[i].code, err.msg);
    if (cases[i].msg)
      OB_CHECK_CONTAINS(err.msg, cases[i].msg);
  }
  /* whitespace and key order are free */
  OB_CHECK_EQ(parse_edited(d, "{\"schema\":\"obridge/batch/v1\",", "{ \"schema\" : \"obridge/batch/v1\" ,\n", &err), 0);
  node_batch_release(&b);
  ob_buf_release(&out);
}
