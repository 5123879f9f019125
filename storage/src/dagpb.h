/* Private: dag-pb (PBNode/PBLink) and UnixFS Data encoding for file DAGs, in the canonical field
 * order Kubo and js-ipfs write (PBNode: Links before Data; PBLink: Hash, Name, Tsize; UnixFS Data:
 * Type, Data, filesize, blocksizes). Encoding only; never allocates. */
#ifndef OB_STORAGE_DAGPB_H
#define OB_STORAGE_DAGPB_H
#include <stddef.h>
#include <stdint.h>

#define IPFS__LINK_CID_MAX 40 /* binary CIDs of links: 34 (v0) or 36 (v1, sha2-256) bytes */

/* One child of a file node: its binary CID, cumulative DAG size and file bytes covered. */
struct ipfs__link {
  uint64_t tsize;
  uint64_t filesize;
  uint8_t cid_len;
  uint8_t cid[IPFS__LINK_CID_MAX];
};

/* Upper bound of ipfs__dagpb_file_node's output for n links. */
size_t ipfs__dagpb_file_node_max(unsigned n);

/* Encode an interior file node: PBNode{Links: [{Hash, Name: "", Tsize}], Data: UnixFS{Type: File,
 * filesize: sum, blocksizes: [...]}}. out has room for ipfs__dagpb_file_node_max(n) bytes.
 * Returns the encoded length. */
size_t ipfs__dagpb_file_node(uint8_t *out, const struct ipfs__link *links, unsigned n);

/* A dag-pb leaf of n data bytes is head ‖ data ‖ tail. head needs at most 32 bytes, tail 16.
 * Return the lengths written. */
size_t ipfs__dagpb_leaf_head(uint8_t *out, size_t n);
size_t ipfs__dagpb_leaf_tail(uint8_t *out, size_t n);

/* One entry of a directory node: a child's binary CID, its name (not NUL-terminated) and its
 * cumulative DAG size. Borrowed pointers. */
struct ipfs__dirlink {
  const uint8_t *cid;
  size_t cid_len;
  const char *name;
  size_t name_len;
  uint64_t tsize;
};

/* Upper bound of ipfs__dagpb_dir_node's output for these n links. */
size_t ipfs__dagpb_dir_node_max(const struct ipfs__dirlink *links, size_t n);

/* Encode a directory: PBNode{Links: [{Hash, Name, Tsize}] in the given order (the caller sorts
 * them by name, byte order, as Kubo does), Data: UnixFS{Type: Directory}}. n may be 0 (the empty
 * directory, 0a 02 08 01). Returns the encoded length. */
size_t ipfs__dagpb_dir_node(uint8_t *out, const struct ipfs__dirlink *links, size_t n);

/* Encode a directory of one entry: PBNode{Links: [{Hash: cid, Name: name, Tsize}], Data:
 * UnixFS{Type: Directory}}, as add's wrap-with-directory makes it. out has room for
 * 32 + cid_len + name_len bytes. Returns the encoded length. */
size_t ipfs__dagpb_dir1_node(uint8_t *out, const uint8_t *cid, size_t cid_len, const char *name,
                             size_t name_len, uint64_t tsize);
#endif
