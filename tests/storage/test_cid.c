/* Local CIDs: known answers (measured on the IPFS node, see tests/vectors/cid/README.md), the
 * parser, multibase, and the streaming builder's invariants. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cid_gen.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/storage/cid.h"
#include "ob/storage/multibase.h"
#include "ob_test.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)

enum pattern { GEN, SPARSE };

struct vector {
  enum pattern pat;
  uint64_t size;
  const char *v0, *v1;
};

/* "sparse N": zero bytes except that every 64 KiB boundary carries its offset as a uint64
 * big-endian, so every chunk differs and gigabytes cost nothing to generate. */
static void sparse_fill(uint8_t *out, uint64_t off, size_t n) {
  uint64_t first = ((off > 7 ? off - 7 : 0) + 65535) / 65536 * 65536;
  memset(out, 0, n);
  for (uint64_t m = first; m < off + n; m += 65536) {
    for (int i = 0; i < 8; i++) {
      uint64_t pos = m + (uint64_t)i;
      if (pos >= off && pos < off + n) out[pos - off] = (uint8_t)(m >> (56 - 8 * i));
    }
  }
}

static void pattern_fill(enum pattern pat, uint8_t *out, uint64_t off, size_t n) {
  if (pat == GEN)
    cid_gen_fill(out, off, n);
  else
    sparse_fill(out, off, n);
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

static void check_vectors(const struct vector *v, size_t n, enum ipfs_profile prof) {
  for (size_t i = 0; i < n; i++) {
    char text[IPFS_CID_TEXT_MAX];
    const char *want = prof == IPFS_PROFILE_V0_2015 ? v[i].v0 : v[i].v1;
    struct ipfs_dag_info info;
    if (!want) continue;
    OB_CHECK_EQ(cid_of_pattern(text, &info, prof, v[i].pat, v[i].size), 0);
    OB_CHECK_MSG(strcmp(text, want) == 0, "%s %s %" PRIu64 ": got %s, node says %s",
                 ipfs_profile_name(prof), v[i].pat == GEN ? "gen" : "sparse", v[i].size, text, want);
    OB_CHECK_EQ(info.file_size, v[i].size);
  }
}

/* Known answers: each one is the js-ipfs node's add?only-hash=true for the same bytes (v1 with the
 * max-file-links patch); tests/storage/test_cid_peer.sh recomputes them against the node. */
static const struct vector vectors[] = {
    {GEN, 0, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
     "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"},
    {GEN, 262144, "QmbsXuYMzxgdzr7PY5uiNUVWb5ZpgtVtU9xYS4kQQbYFUo",
     "bafkreifjqdsh2hnkiiad7e6l7azq3osmdo7n3wgajmiu27zkp2zl5mtdom"},
    {GEN, 262145, "QmTdUeQcU2KQJCUeQ8NbNteod3WQhnRnredVrvHSN2jzWQ",
     "bafkreidlsxyclnvghdbmugufaotcjv4resw7a4lw3no5wi4uklxuiuw53q"},
    {GEN, 1048577, "QmPwfZXAL8GT5WPRWqXzShvQBRAf6cUMJA6Vv93RzyWSTq",
     "bafybeihkmyf6qf54asdb4ft7tbylcmpjxo3fh64bit5xdx2jylba7cqchu"},
    {GEN, 31457280, "QmSuaJrMpSBvoW7c7EQz8oVfQ2rsEU8Z1F2NzA57RFcLXK",
     "bafybeif7pusnkte5zrrh2fmrgbpldsw6erkgtst4aszqgsjzhvwsasb6fy"},
    {GEN, 45613056, "QmVMpsom4a2PkDLucQ8hFMvvSxqjGLVLfrrw6YfEJLhoW3",
     "bafybeid2mqoapnq6qdqn4ddk6tul6z5qfcqbnjqzhgj2texzppjrne5i34"},
    {GEN, 45613057, "QmdJBiAArmoYy6XoyxALegjRCa8Qw4c7dcyh98zzsKEzSS",
     "bafybeieqwx52fxy3llxyugccclebsjweksoznsbmlykgn4kwwmoihar7mu"},
};

OB_TEST(cid_ipfs_md_vectors_v0) {
  ob_test_rng_seed(1);
  check_vectors(vectors, OB_ARRAY_LEN(vectors), IPFS_PROFILE_V0_2015);
}

OB_TEST(cid_ipfs_md_vectors_v1) {
  ob_test_rng_seed(2);
  check_vectors(vectors, OB_ARRAY_LEN(vectors), IPFS_PROFILE_V1_2025);
}


