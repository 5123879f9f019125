/* The CID of a directory tree as Kubo's `add -r` (wrap-with-directory=false) gives it: files by the
 * streaming builder, each directory a dag-pb UnixFS Directory with its entries sorted by name in
 * byte order, depth-first. Memory: one entry array per open level of the tree (at most
 * IPFS_DIR_MAX_ENTRIES entries each) and the file builder's bounded buffers. */
#include "ob/storage/cid.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dagpb.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/sha256.h"

#define DIR_MAX_DEPTH 64

struct entry {
  char *name;
  struct ipfs_cid cid;
  uint64_t tsize;
};

struct walk {
  ipfs_dir_entry_fn on_entry; /* may be NULL */
  void *ud;
  size_t root_len;            /* strlen of the root path's parent part, cut from names */
  enum ipfs_profile profile;
  struct ipfs_dir_info *info;
  struct ob_err *err;
  bool check_only;            /* ipfs_dir_check: no hashing, no nodes */
};

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void free_entries(struct entry *e, size_t n) {
  for (size_t i = 0; i < n; i++) ob_free(e[i].name);
  ob_free(e);
}

/* Read the names of path (without . and ..), refusing more than IPFS_DIR_MAX_ENTRIES. */
static int list_dir(const char *path, struct entry **out, size_t *nout, struct ob_err *err) {
  struct entry *e = NULL, *ne;
  size_t n = 0, cap = 0;
  struct dirent *d;
  DIR *dir = opendir(path);
  int rc = 0;
  if (!dir)
    return ob_err_set(err, errno == ENOENT ? OB_ENOENT : errno == EACCES ? OB_EINVAL : OB_EIO,
                      "cannot open directory '%s': %s", path, strerror(errno));
  while ((d = readdir(dir))) {
    if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
    if (n == IPFS_DIR_MAX_ENTRIES) {
      rc = ob_err_set(err, OB_ELIMIT, "cannot add directory '%s': more than %d entries (large directories need HAMT sharding, which is not supported)", path, IPFS_DIR_MAX_ENTRIES);
      goto out;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      if (!(ne = ob_realloc(e, cap * sizeof(*e)))) {
        rc = ob_err_set(err, OB_ENOMEM, "out of memory");
        goto out;
      }
      e = ne;
    }
    memset(&e[n], 0, sizeof(e[n]));
    if (!(e[n].name = ob_strdup(d->d_name))) {
      rc = ob_err_set(err, OB_ENOMEM, "out of memory");
      goto out;
    }
    n++;
  }
  if (n) qsort(e, n, sizeof(*e), cmp_entry);
out:
  closedir(dir);
  if (rc) {
    free_entries(e, n);
    return rc;
  }
  *out = e;
  *nout = n;
  return 0;
}

static int walk_dir(struct walk *w, const char *path, unsigned depth, struct ipfs_cid *cid,
                    uint64_t *tsize);

/* One entry: a file, a directory (recursion) or a refusal. */
static int walk_entry(struct walk *w, const char *path, unsigned depth, struct entry *e) {
  struct ipfs_dag_info fi;
  struct stat st;
  int rc;
  if (lstat(path, &st) != 0)
    return ob_err_set(w->err, OB_EIO, "cannot stat '%s': %s", path, strerror(errno));
  if (S_ISLNK(st.st_mode))
    return ob_err_set(w->err, OB_EINVAL, "cannot add '%s': is a symbolic link (symlinks in a directory are refused)", path);
  if (S_ISDIR(st.st_mode)) return walk_dir(w, path, depth + 1, &e->cid, &e->tsize);
  if (!S_ISREG(st.st_mode))
    return ob_err_set(w->err, OB_EINVAL, "cannot add '%s': not a regular file or directory", path);
  if (w->on_entry && (rc = w->on_entry(w->ud, path, path + w->root_len, false, st.st_size, w->err)))
    return rc;
  if (w->check_only) {
    w->info->files++;
    w->info->file_bytes += (uint64_t)st.st_size;
    return 0;
  }
  if ((rc = ipfs_cid_of_path(&e->cid, &fi, path, w->profile, w->err))) return rc;
  e->tsize = fi.dag_size;
  w->info->files++;
  w->info->file_bytes += fi.file_size;
  return 0;
}

static int walk_dir(struct walk *w, const char *path, unsigned depth, struct ipfs_cid *cid,
                    uint64_t *tsize) {
  struct entry *e = NULL;
  struct ipfs__dirlink *links = NULL;
  uint8_t *node = NULL, digest[32];
  char *child = NULL;
  size_t n = 0, len, cap;
  uint64_t sum = 0;
  int rc;
  if (depth > DIR_MAX_DEPTH)
    return ob_err_set(w->err, OB_ELIMIT, "cannot add '%s': deeper than %d levels", path, DIR_MAX_DEPTH);
  if ((rc = list_dir(path, &e, &n, w->err))) return rc;
  if (w->on_entry && (rc = w->on_entry(w->ud, path, path + w->root_len, true, 0, w->err))) goto out;
  for (size_t i = 0; i < n; i++) {
    size_t plen = strlen(path) + strlen(e[i].name) + 2;
    ob_free(child);
    if (!(child = ob_malloc(plen))) {
      rc = ob_err_set(w->err, OB_ENOMEM, "out of memory");
      goto out;
    }
    snprintf(child, plen, "%s/%s", path, e[i].name);
    if ((rc = walk_entry(w, child, depth, &e[i]))) goto out;
  }
  if (w->check_only) {
    w->info->dirs++;
    goto out;
  }
  if (n && !(links = ob_calloc(n, sizeof(*links)))) {
    rc = ob_err_set(w->err, OB_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    links[i] = (struct ipfs__dirlink){.cid = e[i].cid.bytes, .cid_len = e[i].cid.len,
                                      .name = e[i].name, .name_len = strlen(e[i].name),
                                      .tsize = e[i].tsize};
    sum += e[i].tsize;
  }
  cap = ipfs__dagpb_dir_node_max(links, n);
  if (!(node = ob_malloc(cap))) {
    rc = ob_err_set(w->err, OB_ENOMEM, "out of memory");
    goto out;
  }
  len = ipfs__dagpb_dir_node(node, links, n);
  ob_sha256(digest, node, len);
  ipfs_cid_from_sha256(cid, ipfs_profile_params(w->profile)->cid_version, IPFS_CODEC_DAG_PB, digest);
  *tsize = len + sum;
  w->info->dirs++;
out:
  ob_free(node);
  ob_free(links);
  ob_free(child);
  free_entries(e, n);
  return rc;
}

int ipfs_cid_of_dir(struct ipfs_cid *cid, struct ipfs_dir_info *info, const char *path,
                    enum ipfs_profile profile, struct ob_err *err) {
  return ipfs_cid_of_dir_walk(cid, info, path, profile, NULL, NULL, err);
}

int ipfs_dir_check(struct ipfs_dir_info *info, const char *path, struct ob_err *err) {
  struct ipfs_dir_info local;
  struct ipfs_cid root;
  uint64_t tsize = 0;
  struct walk w = {.profile = IPFS_PROFILE_V1_2025, .info = info ? info : &local, .err = err,
                   .check_only = true};
  struct stat st;
  memset(w.info, 0, sizeof(*w.info));
  if (stat(path, &st) != 0)
    return ob_err_set(err, errno == ENOENT ? OB_ENOENT : OB_EINVAL, "cannot open '%s': %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode)) return ob_err_set(err, OB_EINVAL, "cannot add '%s': not a directory", path);
  return walk_dir(&w, path, 0, &root, &tsize);
}

int ipfs_cid_of_dir_walk(struct ipfs_cid *cid, struct ipfs_dir_info *info, const char *path,
                         enum ipfs_profile profile, ipfs_dir_entry_fn on_entry, void *ud,
                         struct ob_err *err) {
  struct ipfs_dir_info local;
  struct walk w = {.on_entry = on_entry, .ud = ud, .profile = profile,
                   .info = info ? info : &local, .err = err};
  struct stat st;
  size_t plen = strlen(path);
  const char *slash;
  while (plen > 1 && path[plen - 1] == '/') plen--;
  if (on_entry && (plen != strlen(path) || strcmp(path, ".") == 0 || strcmp(path, "..") == 0 ||
      (plen >= 3 && strcmp(path + plen - 3, "/..") == 0) || (plen >= 2 && strcmp(path + plen - 2, "/.") == 0)))
    return ob_err_set(err, OB_EINVAL, "cannot add '%s': name the directory without a trailing '/', '.' or '..'", path);
  slash = strrchr(path, '/');
  w.root_len = slash ? (size_t)(slash - path) + 1 : 0;
  ob_err_clear(err);
  memset(w.info, 0, sizeof(*w.info));
  if (profile != IPFS_PROFILE_V0_2015 && profile != IPFS_PROFILE_V1_2025)
    return ob_err_set(err, OB_EINVAL, "unknown profile %d", (int)profile);
  if (stat(path, &st) != 0)
    return ob_err_set(err, errno == ENOENT ? OB_ENOENT : OB_EINVAL, "cannot open '%s': %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode)) return ob_err_set(err, OB_EINVAL, "cannot add '%s': not a directory", path);
  return walk_dir(&w, path, 0, cid, &w.info->dag_size);
}

int ipfs_cid_dir_node(struct ipfs_cid *dir, uint64_t *dir_dag_size, const struct ipfs_dir_entry *entries,
                      size_t n, unsigned cid_version, struct ob_err *err) {
  struct ipfs__dirlink *links = NULL;
  uint8_t *node = NULL, digest[32];
  uint64_t sum = 0;
  size_t len;
  if (cid_version > 1) return ob_err_set(err, OB_EINVAL, "unknown CID version %u", cid_version);
  if (n > IPFS_DIR_MAX_ENTRIES) return ob_err_set(err, OB_ELIMIT, "a directory of %zu entries needs HAMT sharding (not supported)", n);
  for (size_t i = 0; i < n; i++) {
    size_t nl = strlen(entries[i].name);
    if (nl == 0 || nl > 255 || strchr(entries[i].name, '/'))
      return ob_err_set(err, OB_EINVAL, "bad directory entry name '%.64s': a name is 1 to 255 bytes without '/'", entries[i].name);
    if (i && strcmp(entries[i - 1].name, entries[i].name) >= 0)
      return ob_err_set(err, OB_EINVAL, "directory entries must be sorted by name without duplicates ('%.64s')", entries[i].name);
  }
  if (n && !(links = ob_calloc(n, sizeof(*links)))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    links[i] = (struct ipfs__dirlink){.cid = entries[i].cid.bytes, .cid_len = entries[i].cid.len,
                                      .name = entries[i].name, .name_len = strlen(entries[i].name),
                                      .tsize = entries[i].dag_size};
    sum += entries[i].dag_size;
  }
  if (!(node = ob_malloc(ipfs__dagpb_dir_node_max(links, n)))) {
    ob_free(links);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  len = ipfs__dagpb_dir_node(node, links, n);
  ob_sha256(digest, node, len);
  ipfs_cid_from_sha256(dir, cid_version, IPFS_CODEC_DAG_PB, digest);
  if (dir_dag_size) *dir_dag_size = len + sum;
  ob_free(node);
  ob_free(links);
  return 0;
}
