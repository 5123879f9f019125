/* CIDs: the two UnixFS profiles of PROTOCOL.md, a CID parser/formatter, and a streaming DAG builder
 * that computes, in bounded memory, the CID Kubo's `add` gives the same bytes.
 *
 * Rules: pointers are non-NULL unless said otherwise; `struct ob_err *err` is optional (NULL) and
 * last. A struct ipfs_cid is a plain value (no allocation, copy freely). A builder is owned by one
 * thread at a time. Nothing here does I/O except ipfs_cid_of_fd.
 *
 * Typical use (the pin path: hash the very bytes that are uploaded):
 *     struct ipfs_dag_builder *b;
 *     ipfs_dag_builder_new(&b, IPFS_PROFILE_V1_2025, &err);
 *     while (...) ipfs_dag_builder_update(b, chunk, n);   // any split of the bytes
 *     ipfs_dag_builder_finish(b, &cid, &info, &err);
 *     ipfs_dag_builder_free(b);
 *     ipfs_cid_format(text, sizeof text, &cid);            // "bafy…" / "Qm…"
 */
#ifndef OB_STORAGE_CID_H
#define OB_STORAGE_CID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct ob_err;

/* ---- Profiles -------------------------------------------------------------------------------- */

enum ipfs_profile {
  IPFS_PROFILE_V0_2015 = 0, /* "unixfs-v0-2015": CIDv0, 256 KiB chunks, dag-pb leaves, 174 links */
  IPFS_PROFILE_V1_2025 = 1, /* "unixfs-v1-2025": CIDv1, 1 MiB chunks, raw leaves, 1024 links */
};

struct ipfs_profile_params {
  unsigned cid_version; /* 0 or 1 */
  size_t chunk_size;    /* bytes per leaf */
  bool raw_leaves;      /* leaves are raw blocks (codec 0x55) rather than dag-pb UnixFS nodes */
  unsigned max_links;   /* links per dag-pb node */
  /* The Kubo RPC `add` query options that give this profile, without a leading '&':
   * "" for v0 (Kubo's defaults), and for v1
   * "cid-version=1&raw-leaves=true&chunker=size-1048576&max-file-links=1024". Static string. */
  const char *add_query;
};

/* Parse "unixfs-v0-2015" / "unixfs-v1-2025".
 * Returns: 0; OB_EINVAL with "unknown profile 'x': expected unixfs-v0-2015 or unixfs-v1-2025". */
int ipfs_profile_parse(enum ipfs_profile *out, const char *name, struct ob_err *err);
/* The profile's name (static string); "unknown" for a value outside the enum. */
const char *ipfs_profile_name(enum ipfs_profile p);
/* The profile's parameters (static, never NULL; an invalid value gives v0's). */
const struct ipfs_profile_params *ipfs_profile_params(enum ipfs_profile p);

/* ---- CIDs ------------------------------------------------------------------------------------ */

#define IPFS_CODEC_RAW 0x55
#define IPFS_CODEC_DAG_PB 0x70
#define IPFS_MH_SHA2_256 0x12
#define IPFS_CID_MAX_BYTES 80   /* binary CID: version + codec + multihash header + digest <= 64 */
#define IPFS_CID_MAX_DIGEST 64
#define IPFS_CID_TEXT_MAX 140   /* enough for any CID this module formats, with the NUL */

struct ipfs_cid {
  unsigned version;       /* 0 or 1 */
  uint64_t codec;         /* IPFS_CODEC_*; v0 is always dag-pb */
  uint64_t mh_code;       /* multihash function code, IPFS_MH_SHA2_256 for what we compute */
  size_t digest_len;      /* bytes of digest */
  size_t digest_off;      /* offset of the digest inside bytes[] */
  size_t len;             /* bytes used in bytes[] */
  uint8_t bytes[IPFS_CID_MAX_BYTES]; /* binary CID: v0 = multihash; v1 = varint 1, codec, multihash */
};

/* Parse CID text: CIDv0 (base58btc "Qm…", 46 characters), CIDv1 in base32 ('b…', lower or upper
 * case after the prefix) or base58btc ('z…', as files/stat prints it). Leading/trailing spaces are
 * not accepted. Any multihash code with a digest of at most 64 bytes is accepted.
 * Returns: 0; OB_EPARSE with "'TEXT' is not a CID: REASON" (TEXT cut to 80 characters).
 * Out:     out, written only on success. */
int ipfs_cid_parse(struct ipfs_cid *out, const char *text, struct ob_err *err);

/* Same for text of len bytes (need not be NUL-terminated). */
int ipfs_cid_parse_n(struct ipfs_cid *out, const char *text, size_t len, struct ob_err *err);

/* Build from binary CID bytes (v0: a 34-byte sha2-256 multihash; v1: starts with 0x01).
 * Returns: 0; OB_EPARSE with a reason ("binary CID: …"). */
int ipfs_cid_from_bytes(struct ipfs_cid *out, const uint8_t *bytes, size_t len,
                        struct ob_err *err);

/* Build a sha2-256 CID from a digest: version 0 (codec must be dag-pb) or 1.
 * Returns: 0; OB_EINVAL for version 0 with another codec or a version other than 0/1. */
int ipfs_cid_from_sha256(struct ipfs_cid *out, unsigned version, uint64_t codec,
                         const uint8_t digest32[32]);

/* Text as Kubo prints it: CIDv0 base58btc, CIDv1 'b' + lower-case base32.
 * Returns: 0; OB_ESPACE if outcap is too small (IPFS_CID_TEXT_MAX is always enough). */
int ipfs_cid_format(char *out, size_t outcap, const struct ipfs_cid *cid);

/* CIDv1 in base58btc ('z…'), for comparison with what files/stat prints. Same returns. */
int ipfs_cid_format_base58(char *out, size_t outcap, const struct ipfs_cid *cid);

/* Equal as binary CIDs (so "bafy…" and "zdj7…" of the same CIDv1 are equal; a CIDv0 and the
 * CIDv1 with the same multihash are not). */
bool ipfs_cid_equal(const struct ipfs_cid *a, const struct ipfs_cid *b);

/* Same content address: equal multihashes (ignores version and codec). */
bool ipfs_cid_same_multihash(const struct ipfs_cid *a, const struct ipfs_cid *b);

/* ---- Streaming DAG builder ------------------------------------------------------------------- */

/* What the finished DAG looks like; all figures match what Kubo reports for the same add. */
struct ipfs_dag_info {
  uint64_t file_size; /* bytes fed */
  uint64_t dag_size;  /* cumulative size of all blocks (Kubo add's "Size"; files/stat CumulativeSize) */
  uint64_t blocks;    /* number of blocks (leaves + interior nodes) */
  unsigned depth;     /* 0 for a single-block file, else the levels of interior nodes */
};

struct ipfs_dag_builder;

/* Allocates the builder: one chunk buffer (256 KiB or 1 MiB), a scratch for one node (80 KiB for
 * v1), and, as the file grows, one array of max_links links (64 bytes each) per level of the tree.
 * Memory never depends on the file size beyond that (a 1 TiB v1 file has 2 levels).
 * Returns: 0; OB_ENOMEM; OB_EINVAL for a profile outside the enum. */
int ipfs_dag_builder_new(struct ipfs_dag_builder **out, enum ipfs_profile profile,
                         struct ob_err *err);

/* Feed the next len bytes of the file (any split gives the same CID). Bytes are hashed as whole
 * chunks fill; no copy is made when data covers whole chunks at a chunk boundary.
 * Returns: 0; OB_ENOMEM (growing a level); OB_ESTATE after finish or a previous failure. */
int ipfs_dag_builder_update(struct ipfs_dag_builder *b, const void *data, size_t len);

/* Close the file and compute the root.
 * Returns: 0; OB_ENOMEM; OB_ESTATE if already finished or failed.
 * Out:     cid; info (may be NULL). The builder can only be freed afterwards. */
int ipfs_dag_builder_finish(struct ipfs_dag_builder *b, struct ipfs_cid *cid,
                            struct ipfs_dag_info *info, struct ob_err *err);

/* Free (NULL is a no-op). */
void ipfs_dag_builder_free(struct ipfs_dag_builder *b);

/* Read fd to EOF (reads in large blocks; fd is not closed) and compute its CID.
 * Returns: 0; OB_EIO with "cannot read 'NAME': strerror" (name may be NULL: "input"); OB_ENOMEM.
 * Out:     cid; info (may be NULL). */
int ipfs_cid_of_fd(struct ipfs_cid *cid, struct ipfs_dag_info *info, int fd,
                   enum ipfs_profile profile, const char *name, struct ob_err *err);

/* The directory that `add` with wrap-with-directory=true puts around one file: a dag-pb UnixFS
 * Directory with a single link named name to the file (its CID and info->dag_size from the
 * builder). cid_version is the profile's (0 or 1). Never allocates.
 * Returns: 0; OB_EINVAL for an empty name, a name with '/' or NUL, or longer than 255 bytes.
 * Out:     dir; dir_dag_size (may be NULL): the directory's cumulative size (add's "Size"). */
int ipfs_cid_wrap_dir(struct ipfs_cid *dir, uint64_t *dir_dag_size, const struct ipfs_cid *file,
                      uint64_t file_dag_size, const char *name, unsigned cid_version,
                      struct ob_err *err);

/* The same over a path ("-" is not special here). Errors name the path: OB_ENOENT (missing),
 * OB_EINVAL (permission denied; a directory: "cannot hash 'x': is a directory"), OB_EIO. */
int ipfs_cid_of_path(struct ipfs_cid *cid, struct ipfs_dag_info *info, const char *path,
                     enum ipfs_profile profile, struct ob_err *err);

/* ---- Directories (Kubo's `add -r`, no HAMT sharding) ----------------------------------------- */

#define IPFS_DIR_MAX_ENTRIES 10000 /* more entries in one directory: refused (Kubo would shard) */

struct ipfs_dir_info {
  uint64_t dag_size;   /* cumulative size of the root directory's DAG (add's "Size") */
  uint64_t files;      /* regular files hashed */
  uint64_t dirs;       /* directory nodes, the root included */
  uint64_t file_bytes; /* bytes of all files */
};

/* One entry of a directory node: name (1..255 bytes, no '/'), the child's CID and cumulative size. */
struct ipfs_dir_entry {
  const char *name;
  struct ipfs_cid cid;
  uint64_t dag_size;
};

/* A directory node from its entries, which must be sorted by name (strcmp, byte order) without
 * duplicates: PBNode{Links: [{Hash, Name, Tsize}], Data: UnixFS{Type: Directory}}; n may be 0.
 * Returns: 0; OB_EINVAL (bad or unsorted name, version); OB_ELIMIT (n > IPFS_DIR_MAX_ENTRIES);
 * OB_ENOMEM. Out: dir; dir_dag_size (may be NULL). */
int ipfs_cid_dir_node(struct ipfs_cid *dir, uint64_t *dir_dag_size,
                      const struct ipfs_dir_entry *entries, size_t n, unsigned cid_version,
                      struct ob_err *err);

/* The CID `add -r` (wrap-with-directory=false, the profile's options) gives the tree at path:
 * every regular file by the streaming builder, every directory (empty ones too) a node as above.
 * Symbolic links anywhere inside are refused (OB_EINVAL naming the link), as are other special
 * files; a directory of more than IPFS_DIR_MAX_ENTRIES entries or a tree deeper than 64 levels is
 * OB_ELIMIT. Errors name the path. Returns: 0; OB_ENOENT; OB_EINVAL (not a directory, symlink,
 * unreadable); OB_ELIMIT; OB_EIO; OB_ENOMEM. Out: cid; info (may be NULL). */
int ipfs_cid_of_dir(struct ipfs_cid *cid, struct ipfs_dir_info *info, const char *path,
                    enum ipfs_profile profile, struct ob_err *err);

/* The checks of ipfs_cid_of_dir without reading a byte of any file (so bad input is refused
 * before anything is queued): symlinks, special files, too many entries, too deep. Out: info
 * (may be NULL) with files, dirs and file_bytes (from stat); dag_size stays 0. */
int ipfs_dir_check(struct ipfs_dir_info *info, const char *path, struct ob_err *err);

/* Called for every entry of the walk, parents before children, entries sorted: full = the path on
 * disk, name = the path inside the add (the root directory's own name first: "tree", "tree/a b"),
 * size = a file's bytes (0 for directories). Return 0 or an OB_E* code (stops the walk). */
typedef int (*ipfs_dir_entry_fn)(void *ud, const char *full, const char *name, bool is_dir,
                                 int64_t size, struct ob_err *err);

/* ipfs_cid_of_dir, calling on_entry (may be NULL) per entry. path must name the directory without
 * a trailing '/' and not as "." or ".." (its last component names the root): else OB_EINVAL. */
int ipfs_cid_of_dir_walk(struct ipfs_cid *cid, struct ipfs_dir_info *info, const char *path,
                         enum ipfs_profile profile, ipfs_dir_entry_fn on_entry, void *ud,
                         struct ob_err *err);
#endif
