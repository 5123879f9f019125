/* dag-pb and UnixFS encoding of file nodes (see dagpb.h for the field order). Protobuf here is
 * only: key byte (field << 3 | wire type), then a varint or a length-delimited run. */
#include "dagpb.h"

#include <string.h>

#include "ob/storage/multibase.h"

enum {
  PB_NODE_DATA = 0x0a,   /* PBNode.Data, field 1, bytes */
  PB_NODE_LINK = 0x12,   /* PBNode.Links, field 2, message */
  PB_LINK_HASH = 0x0a,   /* PBLink.Hash, field 1, bytes */
  PB_LINK_NAME = 0x12,   /* PBLink.Name, field 2, string */
  PB_LINK_TSIZE = 0x18,  /* PBLink.Tsize, field 3, varint */
  FS_TYPE = 0x08,        /* UnixFS Data.Type, field 1, varint */
  FS_DATA = 0x12,        /* Data.Data, field 2, bytes */
  FS_FILESIZE = 0x18,    /* Data.filesize, field 3, varint */
  FS_BLOCKSIZE = 0x20,   /* Data.blocksizes, field 4, repeated varint (not packed) */
  FS_TYPE_DIRECTORY = 1,
  FS_TYPE_FILE = 2,
};

#define VARINT_MAX 10

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

size_t ipfs__dagpb_file_node_max(unsigned n) {
  size_t link = 2 + VARINT_MAX /* key, len */ + 2 + IPFS__LINK_CID_MAX + 2 + 1 + VARINT_MAX;
  size_t data = 2 + VARINT_MAX + 2 + 1 + VARINT_MAX + (size_t)n * (1 + VARINT_MAX);
  return (size_t)n * link + data;
}

static size_t put_link(uint8_t *out, const struct ipfs__link *l) {
  size_t body = 2 + l->cid_len + 2 + 1 + varint_len(l->tsize), o = 0;
  out[o++] = PB_NODE_LINK;
  o += ipfs_varint_put(out + o, body);
  out[o++] = PB_LINK_HASH;
  out[o++] = l->cid_len;
  memcpy(out + o, l->cid, l->cid_len);
  o += l->cid_len;
  out[o++] = PB_LINK_NAME; /* Kubo and js-ipfs both write the empty name */
  out[o++] = 0;
  out[o++] = PB_LINK_TSIZE;
  o += ipfs_varint_put(out + o, l->tsize);
  return o;
}

size_t ipfs__dagpb_file_node(uint8_t *out, const struct ipfs__link *links, unsigned n) {
  uint64_t filesize = 0;
  size_t o = 0, fs_len = 2;
  for (unsigned i = 0; i < n; i++) {
    o += put_link(out + o, &links[i]);
    filesize += links[i].filesize;
    fs_len += 1 + varint_len(links[i].filesize);
  }
  fs_len += 1 + varint_len(filesize);
  out[o++] = PB_NODE_DATA;
  o += ipfs_varint_put(out + o, fs_len);
  out[o++] = FS_TYPE;
  out[o++] = FS_TYPE_FILE;
  out[o++] = FS_FILESIZE;
  o += ipfs_varint_put(out + o, filesize);
  for (unsigned i = 0; i < n; i++) {
    out[o++] = FS_BLOCKSIZE;
    o += ipfs_varint_put(out + o, links[i].filesize);
  }
  return o;
}

size_t ipfs__dagpb_leaf_head(uint8_t *out, size_t n) {
  /* An empty leaf (the empty file) has no Data field at all: Kubo writes 0a 04 08 02 18 00. */
  size_t data_field = n ? 1 + varint_len(n) + n : 0;
  size_t fs_len = 2 + data_field + 1 + varint_len(n), o = 0;
  out[o++] = PB_NODE_DATA;
  o += ipfs_varint_put(out + o, fs_len);
  out[o++] = FS_TYPE;
  out[o++] = FS_TYPE_FILE;
  if (n) {
    out[o++] = FS_DATA;
    o += ipfs_varint_put(out + o, n);
  }
  return o;
}

size_t ipfs__dagpb_leaf_tail(uint8_t *out, size_t n) {
  out[0] = FS_FILESIZE;
  return 1 + ipfs_varint_put(out + 1, n);
}

size_t ipfs__dagpb_dir_node_max(const struct ipfs__dirlink *links, size_t n) {
  size_t total = 4;
  for (size_t i = 0; i < n; i++)
    total += 4 * (1 + VARINT_MAX) + links[i].cid_len + links[i].name_len;
  return total;
}

size_t ipfs__dagpb_dir_node(uint8_t *out, const struct ipfs__dirlink *links, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    const struct ipfs__dirlink *l = &links[i];
    size_t body = 1 + varint_len(l->cid_len) + l->cid_len + 1 + varint_len(l->name_len) +
                  l->name_len + 1 + varint_len(l->tsize);
    out[o++] = PB_NODE_LINK;
    o += ipfs_varint_put(out + o, body);
    out[o++] = PB_LINK_HASH;
    o += ipfs_varint_put(out + o, l->cid_len);
    memcpy(out + o, l->cid, l->cid_len);
    o += l->cid_len;
    out[o++] = PB_LINK_NAME;
    o += ipfs_varint_put(out + o, l->name_len);
    memcpy(out + o, l->name, l->name_len);
    o += l->name_len;
    out[o++] = PB_LINK_TSIZE;
    o += ipfs_varint_put(out + o, l->tsize);
  }
  out[o++] = PB_NODE_DATA;
  out[o++] = 2;
  out[o++] = FS_TYPE;
  out[o++] = FS_TYPE_DIRECTORY;
  return o;
}

size_t ipfs__dagpb_dir1_node(uint8_t *out, const uint8_t *cid, size_t cid_len, const char *name,
                             size_t name_len, uint64_t tsize) {
  struct ipfs__dirlink l = {.cid = cid, .cid_len = cid_len, .name = name, .name_len = name_len,
                            .tsize = tsize};
  return ipfs__dagpb_dir_node(out, &l, 1);
}
