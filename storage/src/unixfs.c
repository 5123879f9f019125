/* The streaming UnixFS file builder: Kubo's balanced layout (importer/balanced) computed level by
 * level, so only one array of links per level is ever held.
 *
 * Kubo fills the tree depth-first: leaves left to right into a node of max_links children; when
 * the root is full and data remains, the full root becomes the first child of a new root one level
 * higher, and the new root's next children are subtrees of the old height, filled the same way.
 * Equivalently: level i holds the links of the open node at height i+1; a link is added to level i
 * only after a full level i has been closed into a node that went up to level i+1. Closing levels
 * lazily (only when one more link arrives) gives exactly Kubo's tree, including its single-child
 * interior nodes (175 v0 chunks: root -> [full node, node -> [leaf 175]]). */
#include "ob/storage/cid.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dagpb.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/sha256.h"

#define MAX_LEVELS 12      /* 174^12 chunks is far beyond any file */
#define FD_READ_BYTES ((size_t)2 << 20) /* read() size: whole chunks, fits in L2/L3 caches */

enum builder_state { B_OPEN, B_DONE, B_FAILED };

struct level {
  struct ipfs__link *links; /* max_links entries, allocated when the level first opens */
  unsigned n;
};

struct ipfs_dag_builder {
  const struct ipfs_profile_params *p;
  enum builder_state state;
  uint8_t *chunk; /* chunk_size bytes: the leaf being filled */
  size_t fill;
  uint8_t *node;  /* scratch for encoding one interior node */
  struct level levels[MAX_LEVELS];
  unsigned nlevels;
  uint64_t file_size, blocks;
};

int ipfs_dag_builder_new(struct ipfs_dag_builder **out, enum ipfs_profile profile,
                         struct ob_err *err) {
  struct ipfs_dag_builder *b;
  if ((unsigned)profile > IPFS_PROFILE_V1_2025)
    return ob_err_set(err, OB_EINVAL, "unknown profile %d", (int)profile);
  b = ob_calloc(1, sizeof *b);
  if (!b) return ob_err_set(err, OB_ENOMEM, "out of memory for a DAG builder");
  b->p = ipfs_profile_params(profile);
  b->chunk = ob_malloc(b->p->chunk_size);
  b->node = ob_malloc(ipfs__dagpb_file_node_max(b->p->max_links));
  if (!b->chunk || !b->node) {
    ipfs_dag_builder_free(b);
    return ob_err_set(err, OB_ENOMEM, "out of memory for a DAG builder");
  }
  *out = b;
  return 0;
}

void ipfs_dag_builder_free(struct ipfs_dag_builder *b) {
  if (!b) return;
  for (unsigned i = 0; i < MAX_LEVELS; i++) ob_free(b->levels[i].links);
  ob_free(b->chunk);
  ob_free(b->node);
  ob_free(b);
}

static void link_set_cid(struct ipfs__link *l, unsigned version, uint64_t codec,
                         const uint8_t digest[32]) {
  struct ipfs_cid c;
  ipfs_cid_from_sha256(&c, version, codec, digest);
  memcpy(l->cid, c.bytes, c.len);
  l->cid_len = (uint8_t)c.len;
}

static int make_leaf(struct ipfs_dag_builder *b, struct ipfs__link *l, const uint8_t *data,
                     size_t n) {
  uint8_t digest[32], head[32], tail[16];
  struct ob_sha256 h;
  size_t hl, tl;
  if (b->p->raw_leaves) {
    ob_sha256(digest, data, n);
    link_set_cid(l, 1, IPFS_CODEC_RAW, digest);
    l->tsize = n;
  } else {
    if (ob_sha256_init(&h)) return OB_ENOMEM;
    hl = ipfs__dagpb_leaf_head(head, n);
    tl = ipfs__dagpb_leaf_tail(tail, n);
    ob_sha256_update(&h, head, hl);
    ob_sha256_update(&h, data, n);
    ob_sha256_update(&h, tail, tl);
    ob_sha256_final(&h, digest);
    link_set_cid(l, b->p->cid_version, IPFS_CODEC_DAG_PB, digest);
    l->tsize = hl + n + tl;
  }
  l->filesize = n;
  b->blocks++;
  return 0;
}

/* Close level i into one interior node, described by *l. */
static void close_level(struct ipfs_dag_builder *b, unsigned i, struct ipfs__link *l) {
  struct level *lv = &b->levels[i];
  uint8_t digest[32];
  size_t len = ipfs__dagpb_file_node(b->node, lv->links, lv->n);
  uint64_t tsize = len, filesize = 0;
  for (unsigned k = 0; k < lv->n; k++) {
    tsize += lv->links[k].tsize;
    filesize += lv->links[k].filesize;
  }
  ob_sha256(digest, b->node, len);
  link_set_cid(l, b->p->cid_version, IPFS_CODEC_DAG_PB, digest);
  l->tsize = tsize;
  l->filesize = filesize;
  lv->n = 0;
  b->blocks++;
}

static int add_link(struct ipfs_dag_builder *b, unsigned i, const struct ipfs__link *l) {
  struct level *lv;
  if (i >= MAX_LEVELS) return OB_ELIMIT;
  lv = &b->levels[i];
  if (!lv->links) {
    lv->links = ob_malloc(sizeof *lv->links * b->p->max_links);
    if (!lv->links) return OB_ENOMEM;
  }
  if (i + 1 > b->nlevels) b->nlevels = i + 1;
  if (lv->n == b->p->max_links) {
    struct ipfs__link up;
    int rc;
    close_level(b, i, &up);
    rc = add_link(b, i + 1, &up);
    if (rc) return rc;
  }
  lv->links[lv->n++] = *l;
  return 0;
}

static int emit_leaf(struct ipfs_dag_builder *b, const uint8_t *data, size_t n) {
  struct ipfs__link l;
  int rc = make_leaf(b, &l, data, n);
  if (!rc) rc = add_link(b, 0, &l);
  if (rc) b->state = B_FAILED;
  return rc;
}

int ipfs_dag_builder_update(struct ipfs_dag_builder *b, const void *data, size_t len) {
  const uint8_t *p = data;
  size_t cs = b->p->chunk_size;
  int rc;
  if (b->state != B_OPEN) return OB_ESTATE;
  b->file_size += len;
  while (len) {
    if (b->fill == 0 && len >= cs) { /* a whole chunk in place: hash it without a copy */
      if ((rc = emit_leaf(b, p, cs))) return rc;
      p += cs;
      len -= cs;
      continue;
    }
    size_t take = cs - b->fill < len ? cs - b->fill : len;
    memcpy(b->chunk + b->fill, p, take);
    b->fill += take;
    p += take;
    len -= take;
    if (b->fill == cs) {
      b->fill = 0;
      if ((rc = emit_leaf(b, b->chunk, cs))) return rc;
    }
  }
  return 0;
}

/* Close every level into the next; the last one left is the root. */
static int reduce(struct ipfs_dag_builder *b, struct ipfs__link *root) {
  unsigned i;
  int rc;
  if (b->nlevels == 1 && b->levels[0].n == 1) { /* one leaf: it is the root */
    *root = b->levels[0].links[0];
    return 0;
  }
  for (i = 0; i + 1 < b->nlevels; i++) {
    struct ipfs__link up;
    close_level(b, i, &up);
    if ((rc = add_link(b, i + 1, &up))) return rc;
  }
  close_level(b, i, root);
  return 0;
}

int ipfs_dag_builder_finish(struct ipfs_dag_builder *b, struct ipfs_cid *cid,
                            struct ipfs_dag_info *info, struct ob_err *err) {
  struct ipfs__link root;
  int rc = 0;
  if (b->state != B_OPEN) return ob_err_set(err, OB_ESTATE, "DAG builder already finished or failed");
  if (b->fill || b->blocks == 0) rc = emit_leaf(b, b->chunk, b->fill); /* last or empty leaf */
  if (!rc) rc = reduce(b, &root);
  if (rc) {
    b->state = B_FAILED;
    return ob_err_set(err, rc, "cannot build the DAG: %s", ob_strerror(rc));
  }
  b->state = B_DONE;
  if ((rc = ipfs_cid_from_bytes(cid, root.cid, root.cid_len, err))) return rc;
  if (info) {
    info->file_size = b->file_size;
    info->dag_size = root.tsize;
    info->blocks = b->blocks;
    info->depth = b->blocks == 1 ? 0 : b->nlevels;
  }
  return 0;
}

/* Fill buf as far as possible (short reads from pipes are joined, so whole chunks are hashed in
 * place). Returns bytes read (< cap only at EOF) or -1 with errno. */
static ssize_t read_full(int fd, uint8_t *buf, size_t cap) {
  size_t got = 0;
  while (got < cap) {
    ssize_t r = read(fd, buf + got, cap - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

int ipfs_cid_of_fd(struct ipfs_cid *cid, struct ipfs_dag_info *info, int fd,
                   enum ipfs_profile profile, const char *name, struct ob_err *err) {
  struct ipfs_dag_builder *b;
  size_t chunk = ipfs_profile_params(profile)->chunk_size;
  size_t cap = FD_READ_BYTES > chunk ? FD_READ_BYTES / chunk * chunk : chunk;
  uint8_t *buf;
  ssize_t r;
  int rc;
  ob_err_clear(err);
  rc = ipfs_dag_builder_new(&b, profile, err);
  if (rc) return rc;
  buf = ob_malloc(cap);
  if (!buf) {
    rc = ob_err_set(err, OB_ENOMEM, "out of memory for a read buffer");
    goto out_free_builder;
  }
  do {
    r = read_full(fd, buf, cap);
    if (r < 0) {
      rc = ob_err_set(err, OB_EIO, "cannot read '%s': %s", name ? name : "input", strerror(errno));
      goto out_free_buf;
    }
    if ((rc = ipfs_dag_builder_update(b, buf, (size_t)r)))
      goto out_free_buf;
  } while ((size_t)r == cap);
  rc = ipfs_dag_builder_finish(b, cid, info, err);
out_free_buf:
  ob_free(buf);
out_free_builder:
  ipfs_dag_builder_free(b);
  if (rc && err && !err->msg[0]) ob_err_set(err, rc, "cannot hash '%s': %s", name ? name : "input", ob_strerror(rc));
  return rc;
}

int ipfs_cid_of_path(struct ipfs_cid *cid, struct ipfs_dag_info *info, const char *path,
                     enum ipfs_profile profile, struct ob_err *err) {
  struct stat st;
  int fd, rc;
  ob_err_clear(err);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) /* a path that is missing or not ours to read is bad input, not a failure */
    return ob_err_set(err, errno == ENOENT ? OB_ENOENT : errno == EACCES || errno == EPERM ? OB_EINVAL : OB_EIO,
                      "cannot open '%s': %s", path, strerror(errno));
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return ob_err_set(err, OB_EINVAL, "cannot hash '%s': is a directory", path);
  }
#ifdef POSIX_FADV_SEQUENTIAL
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  rc = ipfs_cid_of_fd(cid, info, fd, profile, path, err);
  close(fd);
  return rc;
}

int ipfs_cid_wrap_dir(struct ipfs_cid *dir, uint64_t *dir_dag_size, const struct ipfs_cid *file,
                      uint64_t file_dag_size, const char *name, unsigned cid_version,
                      struct ob_err *err) {
  uint8_t node[32 + IPFS_CID_MAX_BYTES + 256], digest[32];
  size_t name_len = strlen(name), len;
  if (name_len == 0 || name_len > 255 || strchr(name, '/'))
    return ob_err_set(err, OB_EINVAL, "cannot wrap '%.64s' in a directory: a name is 1 to 255 bytes without '/'", name);
  if (cid_version > 1) return ob_err_set(err, OB_EINVAL, "unknown CID version %u", cid_version);
  len = ipfs__dagpb_dir1_node(node, file->bytes, file->len, name, name_len, file_dag_size);
  ob_sha256(digest, node, len);
  ipfs_cid_from_sha256(dir, cid_version, IPFS_CODEC_DAG_PB, digest);
  if (dir_dag_size) *dir_dag_size = len + file_dag_size;
  return 0;
}
