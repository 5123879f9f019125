/* Local CIDs: known answers (tests/vectors/cid/unixfs.txt, measured on the IPFS node), the parser,
 * multibase, and the streaming builder's invariants. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "cid_gen.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/storage/cid.h"
#include "ob/storage/multibase.h"
#include "ob_test.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)

enum pattern { GEN, SPARSE };

/* One line of tests/vectors/cid/unixfs.txt. */
struct vector {
  enum pattern pat;
  uint64_t size;
  enum ipfs_profile prof;
  char cid[IPFS_CID_TEXT_MAX];
  uint64_t dag_size;
};

static void pattern_fill(enum pattern pat, uint8_t *out, uint64_t off, size_t n) {
  if (pat == GEN)
    cid_gen_fill(out, off, n);
  else
    cid_sparse_fill(out, off, n);
}

/* Feed size bytes of the pattern in pieces of random length (seeded), return the CID text. */
static int cid_of_pattern(char *text, struct ipfs_dag_info *info, enum ipfs_profile prof,
                          enum pattern pat, uint64_t size) {
  struct ipfs_dag_builder *b = NULL;
  struct ipfs_cid cid;
  struct ob_err err;
  size_t cap = 3 * MIB;
  uint8_t *buf = ob_malloc(cap);
  uint64_t off = 0;
  int rc = buf ? ipfs_dag_builder_new(&b, prof, &err) : OB_ENOMEM;
  while (!rc && off < size) {
    /* Mostly large pieces (the in-place path), sometimes small odd ones (the copy path). */
    size_t want = ob_test_rand() % 4 ? (size_t)(ob_test_rand() % cap) + 1 : (size_t)(ob_test_rand() % 5000) + 1;
    size_t take = size - off < want ? (size_t)(size - off) : want;
    pattern_fill(pat, buf, off, take);
    rc = ipfs_dag_builder_update(b, buf, take);
    off += take;
  }
  if (!rc) rc = ipfs_dag_builder_finish(b, &cid, info, &err);
  if (!rc) rc = ipfs_cid_format(text, IPFS_CID_TEXT_MAX, &cid);
  ipfs_dag_builder_free(b);
  ob_free(buf);
  return rc;
}

enum which { SMALL, BIG }; /* BIG: 1 GiB and more */
#define BIG_SIZE GIB

static int parse_vector(struct vector *v, const char *line) {
  char pat[16], prof[32];
  if (sscanf(line, "%15s %" SCNu64 " %31s %139s %" SCNu64, pat, &v->size, prof, v->cid,
             &v->dag_size) != 5)
    return -1;
  if (strcmp(pat, "gen") != 0 && strcmp(pat, "sparse") != 0) return -1;
  v->pat = pat[0] == 'g' ? GEN : SPARSE;
  return ipfs_profile_parse(&v->prof, prof, NULL) ? -1 : 0;
}

#define MAX_VECTORS 32

struct run {
  struct vector v;
  int lineno;
  struct ipfs_dag_builder *b;
};

/* Load the file's vectors for this profile and size class into r; returns how many. */
static size_t load_vectors(struct run *r, enum ipfs_profile prof, enum which which) {
  struct ob_buf b;
  struct ob_err err;
  size_t n = 0;
  int lineno = 0;
  ob_buf_init(&b, 1 << 20);
  if (ob_file_read(ob_test_src("tests/vectors/cid/unixfs.txt"), &b, 1 << 20, &err)) {
    OB_CHECK_MSG(0, "%s", err.msg);
    return 0;
  }
  for (char *line = b.buf, *nl; *line; line = nl + 1) {
    struct vector v;
    nl = strchr(line, '\n');
    if (!nl) nl = line + strlen(line) - 1;
    *nl = '\0';
    lineno++;
    if (line[0] == '#' || line[0] == '\0') continue;
    if (parse_vector(&v, line)) {
      OB_CHECK_MSG(0, "unixfs.txt:%d: malformed line '%s'", lineno, line);
      continue;
    }
    if (v.prof != prof || (v.size >= BIG_SIZE) != (which == BIG) || n == MAX_VECTORS) continue;
    r[n].v = v;
    r[n].lineno = lineno;
    r[n++].b = NULL;
  }
  ob_buf_release(&b);
  return n;
}

static void finish_run(struct run *r) {
  struct ipfs_cid cid;
  struct ipfs_dag_info info;
  struct ob_err err;
  char text[IPFS_CID_TEXT_MAX];
  if (ipfs_dag_builder_finish(r->b, &cid, &info, &err)) {
    OB_CHECK_MSG(0, "unixfs.txt:%d: %s", r->lineno, err.msg);
    return;
  }
  ipfs_cid_format(text, sizeof text, &cid);
  OB_CHECK_MSG(strcmp(text, r->v.cid) == 0, "unixfs.txt:%d: %s %" PRIu64 " %s: got %s, the node %s",
               r->lineno, r->v.pat == GEN ? "gen" : "sparse", r->v.size, ipfs_profile_name(r->v.prof),
               text, r->v.cid);
  OB_CHECK_MSG(info.dag_size == r->v.dag_size, "unixfs.txt:%d: dag size %" PRIu64 ", the node %" PRIu64,
               r->lineno, info.dag_size, r->v.dag_size);
  OB_CHECK_EQ(info.file_size, r->v.size);
}

/* All files of one pattern are prefixes of one stream: generate it once, in seeded random pieces,
 * and feed each piece to every builder whose file it still covers. */
static void run_pattern(struct run *r, size_t n, enum pattern pat) {
  size_t cap = 3 * MIB;
  uint8_t *buf = ob_malloc(cap);
  uint64_t max = 0, off = 0;
  struct ob_err err;
  OB_REQUIRE(buf != NULL);
  for (size_t i = 0; i < n; i++) {
    if (r[i].v.pat != pat) continue;
    OB_CHECK_EQ(ipfs_dag_builder_new(&r[i].b, r[i].v.prof, &err), 0);
    if (r[i].v.size > max) max = r[i].v.size;
  }
  while (off < max) {
    /* Mostly large pieces (the in-place path), sometimes small odd ones (the copy path). */
    size_t want = ob_test_rand() % 4 ? (size_t)(ob_test_rand() % cap) + 1 : (size_t)(ob_test_rand() % 5000) + 1;
    size_t take = max - off < want ? (size_t)(max - off) : want;
    pattern_fill(pat, buf, off, take);
    for (size_t i = 0; i < n; i++)
      if (r[i].b && r[i].v.pat == pat && r[i].v.size > off)
        OB_CHECK_EQ(ipfs_dag_builder_update(r[i].b, buf, r[i].v.size - off < take ? (size_t)(r[i].v.size - off) : take), 0);
    off += take;
  }
  for (size_t i = 0; i < n; i++) {
    if (!r[i].b || r[i].v.pat != pat) continue;
    finish_run(&r[i]);
    ipfs_dag_builder_free(r[i].b);
    r[i].b = NULL;
  }
  ob_free(buf);
}

/* Check every vector of the file for this profile and size class; returns how many. */
static int check_file_vectors(enum ipfs_profile prof, enum which which) {
  struct run *r = ob_calloc(MAX_VECTORS, sizeof *r);
  size_t n;
  if (!r) return -1;
  n = load_vectors(r, prof, which);
  run_pattern(r, n, GEN);
  run_pattern(r, n, SPARSE);
  ob_free(r);
  return (int)n;
}

/* The vectors are the node's add?only-hash=true answers (tests/vectors/cid/README.md). */
OB_TEST(cid_vectors_v0) {
  ob_test_rng_seed(1);
  OB_CHECK_EQ(check_file_vectors(IPFS_PROFILE_V0_2015, SMALL), 13);
}

OB_TEST(cid_vectors_v1) {
  ob_test_rng_seed(2);
  OB_CHECK_EQ(check_file_vectors(IPFS_PROFILE_V1_2025, SMALL), 13);
}

/* v1 grows a level at 1025 chunks (1 GiB + 1). */
OB_TEST(cid_vectors_1gib_v1) {
  ob_test_rng_seed(3);
  OB_CHECK_EQ(check_file_vectors(IPFS_PROFILE_V1_2025, BIG), 2);
}

OB_TEST(cid_vectors_1gib_v0) {
  ob_test_rng_seed(4);
  OB_CHECK_EQ(check_file_vectors(IPFS_PROFILE_V0_2015, BIG), 2);
}

/* ---- the builder ------------------------------------------------------------------------------ */

OB_TEST(builder_any_split_same_cid_and_shape) {
  /* 175 v0 chunks (174 + 1 byte): a second level with a one-link node; fed in two different random
   * splits (cheap sparse bytes: the vectors check real content). */
  char a[IPFS_CID_TEXT_MAX], b[IPFS_CID_TEXT_MAX];
  struct ipfs_dag_info ia, ib;
  uint64_t seed = ob_test_rand();
  printf("seed %" PRIu64 "\n", seed);
  ob_test_rng_seed(seed);
  OB_CHECK_EQ(cid_of_pattern(a, &ia, IPFS_PROFILE_V0_2015, SPARSE, 45613057), 0);
  OB_CHECK_EQ(cid_of_pattern(b, &ib, IPFS_PROFILE_V0_2015, SPARSE, 45613057), 0);
  OB_CHECK_STR(a, b);
  OB_CHECK_EQ(ia.blocks, 175 + 2 + 1); /* leaves, two interior nodes, root */
  OB_CHECK_EQ(ia.depth, 2);
  OB_CHECK_EQ(ib.dag_size, ia.dag_size);
  OB_CHECK_EQ(cid_of_pattern(b, &ib, IPFS_PROFILE_V0_2015, SPARSE, 45613056), 0);
  OB_CHECK(strcmp(a, b) != 0);
  OB_CHECK_EQ(ib.depth, 1);
  OB_CHECK_EQ(ib.blocks, 174 + 1);
}

OB_TEST(builder_single_block_shapes) {
  char t[IPFS_CID_TEXT_MAX];
  struct ipfs_dag_info info;
  OB_CHECK_EQ(cid_of_pattern(t, &info, IPFS_PROFILE_V1_2025, GEN, 0), 0);
  OB_CHECK_EQ(info.blocks, 1);
  OB_CHECK_EQ(info.depth, 0);
  OB_CHECK_EQ(info.dag_size, 0);
  OB_CHECK_EQ(cid_of_pattern(t, &info, IPFS_PROFILE_V0_2015, GEN, 0), 0);
  OB_CHECK_EQ(info.dag_size, 6); /* 0a 04 08 02 18 00 */
  OB_CHECK_EQ(cid_of_pattern(t, &info, IPFS_PROFILE_V1_2025, GEN, 1048576), 0);
  OB_CHECK(strncmp(t, "bafkrei", 7) == 0); /* one raw block: codec raw */
  OB_CHECK_EQ(cid_of_pattern(t, &info, IPFS_PROFILE_V1_2025, GEN, 1048577), 0);
  OB_CHECK(strncmp(t, "bafybei", 7) == 0); /* two leaves under a dag-pb root */
  OB_CHECK_EQ(info.depth, 1);
  OB_CHECK_EQ(info.blocks, 3);
}

OB_TEST(builder_states) {
  struct ipfs_dag_builder *b = NULL;
  struct ipfs_cid cid;
  struct ob_err err;
  OB_REQUIRE(ipfs_dag_builder_new(&b, IPFS_PROFILE_V1_2025, &err) == 0);
  OB_CHECK_EQ(ipfs_dag_builder_update(b, "hello world\n", 12), 0);
  OB_CHECK_EQ(ipfs_dag_builder_update(b, "", 0), 0);
  OB_CHECK_EQ(ipfs_dag_builder_finish(b, &cid, NULL, &err), 0);
  OB_CHECK_EQ(ipfs_dag_builder_update(b, "x", 1), OB_ESTATE);
  OB_CHECK_EQ(ipfs_dag_builder_finish(b, &cid, NULL, &err), OB_ESTATE);
  ipfs_dag_builder_free(b);
  ipfs_dag_builder_free(NULL);
  OB_CHECK_EQ(ipfs_dag_builder_new(&b, (enum ipfs_profile)7, &err), OB_EINVAL);
}

OB_TEST(cid_of_path_and_fd) {
  const char *dir = ob_test_tmpdir();
  char path[512], t[IPFS_CID_TEXT_MAX];
  struct ipfs_cid cid;
  struct ob_err err;
  int fd, pfd[2];
  snprintf(path, sizeof path, "%s/hw.txt", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  OB_REQUIRE(fd >= 0);
  OB_CHECK_EQ(write(fd, "hello world\n", 12), 12);
  close(fd);
  OB_CHECK_EQ(ipfs_cid_of_path(&cid, NULL, path, IPFS_PROFILE_V0_2015, &err), 0);
  ipfs_cid_format(t, sizeof t, &cid);
  OB_CHECK_STR(t, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
  OB_CHECK_EQ(ipfs_cid_of_path(&cid, NULL, path, IPFS_PROFILE_V1_2025, &err), 0);
  ipfs_cid_format(t, sizeof t, &cid);
  OB_CHECK_STR(t, "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
  /* A pipe: short reads are joined. */
  OB_REQUIRE(pipe(pfd) == 0);
  OB_CHECK_EQ(write(pfd[1], "hello ", 6), 6);
  OB_CHECK_EQ(write(pfd[1], "world\n", 6), 6);
  close(pfd[1]);
  OB_CHECK_EQ(ipfs_cid_of_fd(&cid, NULL, pfd[0], IPFS_PROFILE_V0_2015, "pipe", &err), 0);
  close(pfd[0]);
  ipfs_cid_format(t, sizeof t, &cid);
  OB_CHECK_STR(t, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
  /* Errors name the path. */
  snprintf(path, sizeof path, "%s/missing", dir);
  OB_CHECK_EQ(ipfs_cid_of_path(&cid, NULL, path, IPFS_PROFILE_V0_2015, &err), OB_ENOENT);
  OB_CHECK_CONTAINS(err.msg, "cannot open '");
  OB_CHECK_CONTAINS(err.msg, "missing': No such file or directory");
  OB_CHECK_EQ(ipfs_cid_of_path(&cid, NULL, dir, IPFS_PROFILE_V0_2015, &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "is a directory");
  OB_CHECK_EQ(ipfs_cid_of_fd(&cid, NULL, -1, IPFS_PROFILE_V0_2015, "broken", &err), OB_EIO);
  OB_CHECK_CONTAINS(err.msg, "cannot read 'broken': Bad file descriptor");
}

/* ---- profiles --------------------------------------------------------------------------------- */

OB_TEST(profile_names_and_params) {
  enum ipfs_profile p;
  struct ob_err err;
  OB_CHECK_EQ(ipfs_profile_parse(&p, "unixfs-v0-2015", &err), 0);
  OB_CHECK_EQ(p, IPFS_PROFILE_V0_2015);
  OB_CHECK_EQ(ipfs_profile_parse(&p, "unixfs-v1-2025", &err), 0);
  OB_CHECK_EQ(p, IPFS_PROFILE_V1_2025);
  OB_CHECK_STR(ipfs_profile_name(p), "unixfs-v1-2025");
  OB_CHECK_EQ(ipfs_profile_params(p)->chunk_size, 1048576);
  OB_CHECK_EQ(ipfs_profile_params(p)->max_links, 1024);
  OB_CHECK_STR(ipfs_profile_params(p)->add_query,
               "cid-version=1&raw-leaves=true&chunker=size-1048576&max-file-links=1024");
  OB_CHECK_EQ(ipfs_profile_params(IPFS_PROFILE_V0_2015)->max_links, 174);
  OB_CHECK_STR(ipfs_profile_params(IPFS_PROFILE_V0_2015)->add_query, "");
  OB_CHECK_EQ(ipfs_profile_parse(&p, "unixfs-v2", &err), OB_EINVAL);
  OB_CHECK_STR(err.msg, "unknown profile 'unixfs-v2': expected unixfs-v0-2015 or unixfs-v1-2025");
  OB_CHECK_STR(ipfs_profile_name((enum ipfs_profile)9), "unknown");
}

/* ---- the parser ------------------------------------------------------------------------------- */

static void roundtrip(const char *text, unsigned version, uint64_t codec) {
  struct ipfs_cid c;
  struct ob_err err;
  char out[IPFS_CID_TEXT_MAX];
  OB_CHECK_MSG(ipfs_cid_parse(&c, text, &err) == 0, "%s: %s", text, err.msg);
  OB_CHECK_EQ(c.version, version);
  OB_CHECK_EQ(c.codec, codec);
  OB_CHECK_EQ(c.mh_code, IPFS_MH_SHA2_256);
  OB_CHECK_EQ(c.digest_len, 32);
  OB_CHECK_EQ(ipfs_cid_format(out, sizeof out, &c), 0);
  OB_CHECK_STR(out, text);
}

OB_TEST(cid_parse_and_format) {
  struct ipfs_cid a, b, c;
  struct ob_err err;
  char z[IPFS_CID_TEXT_MAX], small[10];
  roundtrip("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", 0, IPFS_CODEC_DAG_PB);
  roundtrip("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 1, IPFS_CODEC_RAW);
  roundtrip("bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw3fu", 1, IPFS_CODEC_DAG_PB);
  /* files/stat prints CIDv1 in base58btc: same bytes, so equal. */
  OB_REQUIRE(ipfs_cid_parse(&a, "bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw3fu", &err) == 0);
  OB_CHECK_EQ(ipfs_cid_format_base58(z, sizeof z, &a), 0);
  OB_CHECK(z[0] == 'z');
  OB_REQUIRE(ipfs_cid_parse(&b, z, &err) == 0);
  OB_CHECK(ipfs_cid_equal(&a, &b));
  /* Upper-case base32 (multibase 'B') is the same CID. */
  OB_REQUIRE(ipfs_cid_parse(&c, "BAFYBEICMKRWADTA7Y6UZ54E6TDNXVWYNYHHXULNDGWN7NREADAOFLCW3FU", &err) == 0);
  OB_CHECK(ipfs_cid_equal(&a, &c));
  /* A CIDv0 and the CIDv1 dag-pb of the same multihash: different CIDs, same content hash. */
  OB_REQUIRE(ipfs_cid_parse(&a, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", &err) == 0);
  OB_REQUIRE(ipfs_cid_from_sha256(&b, 1, IPFS_CODEC_DAG_PB, a.bytes + a.digest_off) == 0);
  OB_CHECK(!ipfs_cid_equal(&a, &b));
  OB_CHECK(ipfs_cid_same_multihash(&a, &b));
  OB_CHECK_EQ(ipfs_cid_from_sha256(&b, 0, IPFS_CODEC_RAW, a.bytes + a.digest_off), OB_EINVAL);
  OB_CHECK_EQ(ipfs_cid_format(small, sizeof small, &a), OB_ESPACE);
  /* Binary form. */
  OB_REQUIRE(ipfs_cid_from_bytes(&b, a.bytes, a.len, &err) == 0);
  OB_CHECK(ipfs_cid_equal(&a, &b));
  OB_CHECK_EQ(ipfs_cid_from_bytes(&b, a.bytes, a.len - 1, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "binary CID: ");
  /* Another multihash (identity, 5 bytes) and another codec parse: CIDv1 raw identity "hello". */
  {
    const uint8_t id[] = {0x01, 0x55, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'};
    char t[IPFS_CID_TEXT_MAX];
    OB_REQUIRE(ipfs_cid_from_bytes(&c, id, sizeof id, &err) == 0);
    OB_CHECK_EQ(c.mh_code, 0);
    OB_CHECK_EQ(c.digest_len, 5);
    ipfs_cid_format(t, sizeof t, &c);
    OB_CHECK_STR(t, "bafkqablimvwgy3y");
    OB_REQUIRE(ipfs_cid_parse(&b, t, &err) == 0);
    OB_CHECK(ipfs_cid_equal(&b, &c));
  }
}

static void bad_cid(const char *text, const char *why) {
  struct ipfs_cid c;
  struct ob_err err;
  ob_err_clear(&err);
  OB_CHECK_MSG(ipfs_cid_parse(&c, text, &err) == OB_EPARSE, "'%s' parsed", text);
  OB_CHECK_CONTAINS(err.msg, "is not a CID: ");
  OB_CHECK_CONTAINS(err.msg, why);
}

OB_TEST(cid_parse_errors) {
  struct ob_err err;
  struct ipfs_cid c;
  bad_cid("", "empty");
  bad_cid("xyz", "unsupported multibase prefix");
  bad_cid("Qm", "unsupported multibase prefix");
  bad_cid("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ0", "invalid base58btc character '0' at position 45");
  bad_cid("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQHH", "unsupported multibase prefix");
  bad_cid("bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw3f", "base32 text");
  bad_cid("bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw3", "multihash digest truncated");
  bad_cid("bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw3fuaa", "trailing bytes after the multihash");
  bad_cid("bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcW3fu", "wrong case");
  bad_cid("bAfkqablimvwgy3y", "wrong case"); /* found by fuzz_cid */
  bad_cid("bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw1fu", "invalid base32 character '1' at position 56");
  bad_cid("b", "malformed version");
  bad_cid("z", "malformed version");
  bad_cid("bajybeiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unsupported CID version");
  bad_cid(" QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", "unsupported multibase prefix");
  /* CIDv0 bytes behind a multibase prefix are not a CIDv1 */
  bad_cid("zQmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", "a CIDv0 must be written in base58btc");
  bad_cid("bciqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a CIDv0 must be written in base58btc");
  /* long input is cut in the message */
  {
    char longtext[400];
    memset(longtext, 'b', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    OB_CHECK_EQ(ipfs_cid_parse(&c, longtext, &err), OB_EPARSE);
    OB_CHECK_CONTAINS(err.msg, "…' is not a CID: too long");
    OB_CHECK(strlen(err.msg) < 140);
  }
  OB_CHECK_EQ(ipfs_cid_parse_n(&c, "Qm\0x", 4, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "NUL byte");
}

/* ---- multibase -------------------------------------------------------------------------------- */

OB_TEST(multibase_vectors) {
  /* RFC 4648 section 10 (lower case, no padding) and the base58btc test strings of the
   * multiformats/multibase spec. */
#define S(x) x, sizeof x - 1
  static const struct { const char *in; size_t n; const char *b32, *b58; } v[] = {
      {S(""), "", ""},
      {S("f"), "my", "2m"},
      {S("fo"), "mzxq", "8o8"},
      {S("foo"), "mzxw6", "bQbp"},
      {S("foob"), "mzxw6yq", "3csAg9"},
      {S("fooba"), "mzxw6ytb", "CZJRhmz"},
      {S("foobar"), "mzxw6ytboi", "t1Zv2yaZ"},
      {S("Hello World!"), "jbswy3dpeblw64tmmqqq", "2NEpo7TZRRrLZSi2U"},
      {S("\0\0yes mani !"), "aaahszltebwwc3tjeaqq", "117paNL19xttacUY"},
  };
#undef S
  for (size_t i = 0; i < OB_ARRAY_LEN(v); i++) {
    char t[64];
    uint8_t back[64];
    size_t n = v[i].n, got;
    struct ob_err err;
    OB_CHECK_EQ(ipfs_base32_encode(t, sizeof t, (const uint8_t *)v[i].in, n), 0);
    OB_CHECK_STR(t, v[i].b32);
    OB_CHECK_EQ(ipfs_base32_decode(back, sizeof back, &got, t, strlen(t), &err), 0);
    OB_CHECK_EQ(got, n);
    OB_CHECK_MEM(back, v[i].in, n);
    OB_CHECK_EQ(ipfs_base58btc_encode(t, sizeof t, (const uint8_t *)v[i].in, n), 0);
    OB_CHECK_STR(t, v[i].b58);
    OB_CHECK_EQ(ipfs_base58btc_decode(back, sizeof back, &got, t, strlen(t), &err), 0);
    OB_CHECK_EQ(got, n);
    OB_CHECK_MEM(back, v[i].in, n);
  }
}

OB_TEST(multibase_errors_and_varints) {
  uint8_t out[8], vb[10];
  size_t n;
  uint64_t v;
  struct ob_err err;
  char t[4];
  OB_CHECK_EQ(ipfs_base32_decode(out, sizeof out, &n, "m", 1, &err), OB_EPARSE);
  OB_CHECK_EQ(ipfs_base32_decode(out, sizeof out, &n, "mz", 2, &err), OB_EPARSE); /* trailing bits */
  OB_CHECK_CONTAINS(err.msg, "non-zero trailing bits");
  OB_CHECK_EQ(ipfs_base32_decode(out, 2, &n, "mzxw6ytboi", 10, &err), OB_ESPACE);
  OB_CHECK_EQ(ipfs_base58btc_decode(out, sizeof out, &n, "0", 1, &err), OB_EPARSE);
  OB_CHECK_EQ(ipfs_base58btc_decode(out, 2, &n, "t1Zv2yaZ", 8, &err), OB_ESPACE);
  OB_CHECK_EQ(ipfs_base32_encode(t, sizeof t, (const uint8_t *)"foo", 3), OB_ESPACE);
  OB_CHECK_EQ(ipfs_base58btc_encode(t, sizeof t, (const uint8_t *)"foobar", 6), OB_ESPACE);
  OB_CHECK_EQ(ipfs_varint_put(vb, 0x70), 1);
  OB_CHECK_EQ(ipfs_varint_put(vb, 300), 2);
  OB_CHECK(vb[0] == 0xac && vb[1] == 0x02);
  OB_CHECK_EQ(ipfs_varint_get(vb, 2, &v), 2);
  OB_CHECK_EQ(v, 300);
  OB_CHECK_EQ(ipfs_varint_get(vb, 1, &v), 0); /* truncated */
  OB_CHECK_EQ(ipfs_varint_get((const uint8_t *)"\x80\x00", 2, &v), 0); /* not minimal */
  OB_CHECK_EQ(ipfs_varint_put(vb, UINT64_MAX >> 1), 9);
  OB_CHECK_EQ(ipfs_varint_get(vb, 9, &v), 9);
  OB_CHECK(v == UINT64_MAX >> 1);
  OB_CHECK_EQ(ipfs_varint_put(vb, UINT64_MAX), 10);
  OB_CHECK_EQ(ipfs_varint_get(vb, 10, &v), 0); /* over 9 bytes */
}

/* ---- allocation failures ---------------------------------------------------------------------- */

static long fail_after = -1;
static void *failing_malloc(size_t n) { return fail_after-- == 0 ? NULL : malloc(n); }
static void *failing_realloc(void *p, size_t n) { return fail_after-- == 0 ? NULL : realloc(p, n); }

/* Fail allocation 0, 1, 2, … of a whole builder run over 175 v0 chunks (two levels); each failure
 * is reported as OB_ENOMEM, nothing leaks (ASan), and the first run without a failure gives the CID
 * of a run with the normal allocator. */
OB_TEST(builder_allocation_failures) {
  const struct ob_allocator a = {failing_malloc, failing_realloc, free};
  const size_t size = 45613057, piece = 1 << 20;
  char want[IPFS_CID_TEXT_MAX];
  uint8_t *buf = malloc(piece);
  bool done = false;
  OB_REQUIRE(buf != NULL);
  OB_REQUIRE(cid_of_pattern(want, NULL, IPFS_PROFILE_V0_2015, SPARSE, size) == 0);
  for (long n = 0; !done && n < 50; n++) {
    struct ipfs_dag_builder *b = NULL;
    struct ipfs_cid cid;
    struct ob_err err;
    int rc;
    ob_set_allocator(&a);
    fail_after = n;
    rc = ipfs_dag_builder_new(&b, IPFS_PROFILE_V0_2015, &err);
    for (size_t off = 0; !rc && off < size; off += piece) {
      size_t take = size - off < piece ? size - off : piece;
      cid_sparse_fill(buf, off, take);
      rc = ipfs_dag_builder_update(b, buf, take);
    }
    if (!rc) rc = ipfs_dag_builder_finish(b, &cid, NULL, &err);
    fail_after = -1;
    ob_set_allocator(NULL);
    ipfs_dag_builder_free(b);
    if (rc) {
      OB_CHECK_MSG(rc == OB_ENOMEM, "allocation %ld: got %d", n, rc);
    } else {
      char t[IPFS_CID_TEXT_MAX];
      ipfs_cid_format(t, sizeof t, &cid);
      OB_CHECK_STR(t, want);
      OB_CHECK_MSG(n >= 4, "only %ld allocations: builder, chunk, node, two levels", n);
      done = true;
    }
  }
  OB_CHECK(done);
  free(buf);
}

/* ---- wrap-with-directory ---------------------------------------------------------------------- */

OB_TEST(wrap_dir_known_answer) {
  /* docs/PEERS.md: wrap-with-directory of "hello world\n" as hw.txt (v0); v1 measured on the node. */
  struct ipfs_dag_builder *b = NULL;
  struct ipfs_cid file, dir;
  struct ipfs_dag_info info;
  struct ob_err err;
  uint64_t size = 0;
  char t[IPFS_CID_TEXT_MAX];
  OB_REQUIRE(ipfs_dag_builder_new(&b, IPFS_PROFILE_V0_2015, &err) == 0);
  OB_CHECK_EQ(ipfs_dag_builder_update(b, "hello world\n", 12), 0);
  OB_CHECK_EQ(ipfs_dag_builder_finish(b, &file, &info, &err), 0);
  ipfs_dag_builder_free(b);
  OB_CHECK_EQ(ipfs_cid_wrap_dir(&dir, &size, &file, info.dag_size, "hw.txt", 0, &err), 0);
  ipfs_cid_format(t, sizeof t, &dir);
  OB_CHECK_STR(t, "QmSMX7jxntUC2SUczppWxKVRrYhqeVon3UdUkD6ons8ACv");
  OB_CHECK_EQ(size, 72); /* the node's Size */
  /* v1, measured on the node: */
  OB_REQUIRE(ipfs_dag_builder_new(&b, IPFS_PROFILE_V1_2025, &err) == 0);
  OB_CHECK_EQ(ipfs_dag_builder_update(b, "hello world\n", 12), 0);
  OB_CHECK_EQ(ipfs_dag_builder_finish(b, &file, &info, &err), 0);
  ipfs_dag_builder_free(b);
  OB_CHECK_EQ(ipfs_cid_wrap_dir(&dir, &size, &file, info.dag_size, "hw.txt", 1, &err), 0);
  ipfs_cid_format(t, sizeof t, &dir);
  OB_CHECK_STR(t, "bafybeigvrxr75nbduvic2f7lqm2pqr6rxif4wuvdibejzafmuodr2ztwzi");
  OB_CHECK_EQ(size, 66);
  OB_CHECK_EQ(ipfs_cid_wrap_dir(&dir, &size, &file, info.dag_size, "", 0, &err), OB_EINVAL);
  OB_CHECK_EQ(ipfs_cid_wrap_dir(&dir, &size, &file, info.dag_size, "a/b", 0, &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "cannot wrap 'a/b' in a directory");
}

/* ---- directories (add -r) ---------------------------------------------------------------------- */

/* tests/vectors/cid/dir.txt: the tree "vv" measured on the node under both profiles. */
static const struct {
  const char *entries[4][2]; /* name, CID; in byte order of names */
  uint64_t sizes[4];
  const char *root;
  uint64_t root_size;
} dir_vec[2] = {
    {{{"B", "QmdckCoPuhEtiNzREtqpYn8dBgY8ifcG82Q4eyEdGCLEiu"},
      {"a", "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"},
      {"a b", "QmULKig5Fxrs2sC4qt9nNduucXfb92AFYQ6Hi3YRqDmrYC"},
      {"a.txt", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"}},
     {10, 4, 9, 6}, "QmacX37GoscMm8FuQFotU7bPnUghTL2bjXKWAyaosyMt7x", 211},
    {{{"B", "bafkreiepinbumzepnoln7co5vea4kf3lcctnqolb3u6bvsellgznymt2uq"},
      {"a", "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"},
      {"a b", "bafkreibnoelefnzgwbcacyt4vh52ymxvzbjq7mmqhtcnwarfq4lzegsiqe"},
      {"a.txt", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}},
     {2, 4, 1, 0}, "bafybeidpst4zijxolkwehrq2zgign7dhpwkdqdhyxkkqd3dvri5ujjkvcu", 197},
};

OB_TEST(dir_node_known_answer) {
  struct ipfs_dir_entry e[4];
  struct ipfs_cid dir;
  struct ob_err err;
  uint64_t size = 0;
  char t[IPFS_CID_TEXT_MAX];
  for (unsigned v = 0; v < 2; v++) {
    for (int i = 0; i < 4; i++) {
      e[i].name = dir_vec[v].entries[i][0];
      e[i].dag_size = dir_vec[v].sizes[i];
      OB_REQUIRE(ipfs_cid_parse(&e[i].cid, dir_vec[v].entries[i][1], &err) == 0);
    }
    OB_CHECK_EQ(ipfs_cid_dir_node(&dir, &size, e, 4, v, &err), 0);
    ipfs_cid_format(t, sizeof t, &dir);
    OB_CHECK_STR(t, dir_vec[v].root);
    OB_CHECK_EQ(size, dir_vec[v].root_size);
    /* the empty directory (entry "a") */
    OB_CHECK_EQ(ipfs_cid_dir_node(&dir, &size, NULL, 0, v, &err), 0);
    ipfs_cid_format(t, sizeof t, &dir);
    OB_CHECK_STR(t, dir_vec[v].entries[1][1]);
    OB_CHECK_EQ(size, 4);
  }
  /* unsorted or bad names are refused */
  e[0].name = "a";
  e[1].name = "B";
  OB_CHECK_EQ(ipfs_cid_dir_node(&dir, &size, e, 2, 0, &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "sorted");
  e[0].name = "x/y";
  OB_CHECK_EQ(ipfs_cid_dir_node(&dir, &size, e, 1, 0, &err), OB_EINVAL);
}

static void put_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

OB_TEST(dir_walk_known_answer_symlink_and_limit) {
  char root[] = "/tmp/ob_dir_XXXXXX", p[256], t[IPFS_CID_TEXT_MAX];
  struct ipfs_dir_info info;
  struct ipfs_cid cid;
  struct ob_err err;
  OB_REQUIRE(mkdtemp(root) != NULL);
  snprintf(p, sizeof p, "%s/vv", root);
  OB_REQUIRE(mkdir(p, 0755) == 0);
  snprintf(p, sizeof p, "%s/vv/a", root);
  OB_REQUIRE(mkdir(p, 0755) == 0);
  snprintf(p, sizeof p, "%s/vv/B", root);
  put_file(p, "hi");
  snprintf(p, sizeof p, "%s/vv/a b", root);
  put_file(p, "x");
  snprintf(p, sizeof p, "%s/vv/a.txt", root);
  put_file(p, "");
  snprintf(p, sizeof p, "%s/vv", root);
  for (unsigned v = 0; v < 2; v++) {
    OB_CHECK_EQ(ipfs_cid_of_dir(&cid, &info, p, (enum ipfs_profile)v, &err), 0);
    ipfs_cid_format(t, sizeof t, &cid);
    OB_CHECK_STR(t, dir_vec[v].root);
    OB_CHECK_EQ(info.dag_size, dir_vec[v].root_size);
    OB_CHECK_EQ(info.files, 3);
    OB_CHECK_EQ(info.dirs, 2);
    OB_CHECK_EQ(info.file_bytes, 3);
  }
  snprintf(p, sizeof p, "%s/vv/a/link", root);
  OB_REQUIRE(symlink("../B", p) == 0);
  snprintf(p, sizeof p, "%s/vv", root);
  OB_CHECK_EQ(ipfs_cid_of_dir(&cid, &info, p, IPFS_PROFILE_V0_2015, &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "vv/a/link': is a symbolic link");
  snprintf(p, sizeof p, "%s/vv/a/link", root);
  unlink(p);
  /* IPFS_DIR_MAX_ENTRIES + 1 entries: refused (no HAMT sharding) */
  snprintf(p, sizeof p, "%s/big", root);
  OB_REQUIRE(mkdir(p, 0755) == 0);
  for (int i = 0; i <= IPFS_DIR_MAX_ENTRIES; i++) {
    char f[300];
    snprintf(f, sizeof f, "%s/big/%d", root, i);
    put_file(f, "");
  }
  OB_CHECK_EQ(ipfs_cid_of_dir(&cid, &info, p, IPFS_PROFILE_V1_2025, &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "more than 10000 entries");
  /* a file is not a directory */
  snprintf(p, sizeof p, "%s/vv/B", root);
  OB_CHECK_EQ(ipfs_cid_of_dir(&cid, &info, p, IPFS_PROFILE_V1_2025, &err), OB_EINVAL);
  {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    OB_CHECK_EQ(system(cmd), 0);
  }
}
