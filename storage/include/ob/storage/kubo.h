/* Kubo RPC client: POST /api/v0/… to an IPFS node (Kubo or the js node; see docs/STORAGE.md).
 *
 * Rules:
 * - One struct ipfs_kubo per thread; it keeps one connection to the node alive between calls.
 * - Only behaviour both Kubo and js-ipfs share is used: every call is a POST, calls that may wait
 *   for a block carry timeout=, CIDs are asked for in base32 and compared as bytes by the caller,
 *   sizes are read whether they come as numbers or strings.
 * - Timeouts: a connect timeout, and a no-progress timeout (stall_timeout_s: no byte moved in
 *   either direction for that long). There is no total timeout: a 10 GiB add is fine while bytes
 *   move.
 * - Errors carry the node's own message: an HTTP error body {"Message","Code","Type"} or an
 *   X-Stream-Error trailer becomes OB_EPEER with err->msg = "kubo: MESSAGE" (err->http_status set).
 *   Unreachable node: OB_EUNREACH; no progress: OB_ETIMEDOUT.
 * - NULL: err may be NULL everywhere; other pointers are required unless said otherwise.
 *
 * Request building and reply parsing (kubo_req.c) are separate from the transport (http.c, the
 * one storage file that includes curl), so a libuv + curl-multi loop can drive the same calls. */
#ifndef OB_STORAGE_KUBO_H
#define OB_STORAGE_KUBO_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct ipfs_kubo;

/* A byte source: fill buf with up to cap bytes; *got = 0 means end of data.
 * Returns 0 or an OB_E* code (with err set); the call using it then fails with that code. */
typedef int (*ipfs_read_fn)(void *ud, void *buf, size_t cap, size_t *got, struct ob_err *err);
/* A byte sink: consume n bytes. Returns 0 or an OB_E* code (stops the transfer). */
typedef int (*ipfs_write_fn)(void *ud, const void *buf, size_t n, struct ob_err *err);
/* Progress: bytes sent so far (upload) or received (download). Return nonzero to abort the call
 * with OB_ECANCELED. */
typedef int (*ipfs_progress_fn)(void *ud, uint64_t sent, uint64_t received);

struct ipfs_kubo_opts {
  const char *api;            /* "http://127.0.0.1:5001" (borrowed for ipfs_kubo_new) */
  unsigned connect_timeout_s; /* default 10 */
  unsigned stall_timeout_s;   /* no byte moved for this long: OB_ETIMEDOUT; default 60 */
  unsigned block_timeout_s;   /* timeout= on calls that may wait for a missing block; default 30 */
};
void ipfs_kubo_opts_init(struct ipfs_kubo_opts *o);

/* Returns 0; OB_EINVAL for an API URL that is not http:// or https://; OB_ENOMEM.
 * Allocates the client (and a curl handle); never contacts the node. */
int ipfs_kubo_new(struct ipfs_kubo **out, const struct ipfs_kubo_opts *o, struct ob_err *err);
void ipfs_kubo_free(struct ipfs_kubo *k); /* NULL is a no-op */

/* ---- add ---- */
struct ipfs_add_opts {
  int cid_version;          /* 0 or 1 */
  bool raw_leaves;
  uint32_t chunk_size;      /* chunker=size-N; 0 leaves the node's default */
  uint32_t max_file_links;  /* 0 leaves the node's default (the js node ignores it) */
  bool pin;                 /* default true */
  bool only_hash;
  bool wrap_with_directory;
  bool progress;            /* ask the node for {"Name","Bytes"} progress lines */
  const char *filename;     /* name of the multipart part; default "file" */
  int64_t size;             /* bytes the reader will give, or -1 if unknown (chunked upload) */
};
void ipfs_add_opts_init(struct ipfs_add_opts *o);

struct ipfs_add_result {
  char cid[128];   /* of the file (or of the wrapping directory with wrap_with_directory) */
  char name[256];
  uint64_t size;   /* the node's Size (DAG bytes), 0 if absent */
  uint64_t node_bytes; /* last progress Bytes the node reported */
};

/* Upload bytes from rd as one file and read the node's NDJSON answer as it arrives.
 * Memory: bounded (a curl buffer and one reply line), whatever the file size.
 * progress may be NULL. Returns 0; OB_EPEER (node refused; message from the node);
 * OB_EUNREACH; OB_ETIMEDOUT; OB_EPARSE (answer not understood); the reader's code. */
int ipfs_kubo_add(struct ipfs_kubo *k, const struct ipfs_add_opts *o, ipfs_read_fn rd, void *rd_ud,
                  ipfs_progress_fn progress, void *progress_ud, struct ipfs_add_result *res,
                  struct ob_err *err);

/* One part of a directory add (`add -r`): a local regular file (path) or a directory (path NULL,
 * sent as Content-Type application/x-directory). name is the '/'-separated path inside the add,
 * its first component the root directory's name ("tree", "tree/a b"); it is sent URL-escaped as
 * the part's filename. size: the file's bytes (the part fails if the file gives another count). */
struct ipfs_add_part {
  const char *path;
  const char *name;
  int64_t size;
};

/* Upload a directory tree as one multipart add: one part per entry, files opened one at a time
 * and streamed from disk (never whole in memory). o->filename and o->size are not used; set
 * o->wrap_with_directory false. The node answers one line per entry; res gets the last one (the
 * root directory when wrap_with_directory is false). Order the parts as a walk: each directory
 * before its entries (the js node replaces a directory's entries when its part comes later). The
 * js node refuses ("Unexpected input: object") a tree whose root name is one character long.
 * Returns as ipfs_kubo_add; OB_EIO (a file cannot be read or changed size). */
int ipfs_kubo_add_tree(struct ipfs_kubo *k, const struct ipfs_add_opts *o,
                       const struct ipfs_add_part *parts, size_t nparts, ipfs_progress_fn progress,
                       void *progress_ud, struct ipfs_add_result *res, struct ob_err *err);

/* Stream the bytes of path ("CID" or "/ipfs/CID/…") into sink. */
int ipfs_kubo_cat(struct ipfs_kubo *k, const char *path, ipfs_write_fn sink, void *sink_ud,
                  struct ob_err *err);

/* pin/rm. A CID that is not pinned: OB_ENOENT with the node's message. */
int ipfs_kubo_pin_rm(struct ipfs_kubo *k, const char *cid, struct ob_err *err);
/* pin/add of a CID the node fetches from the network (recursive). The node is asked for progress
 * (Kubo streams {"Progress":N} lines; the js node ignores it and answers at the end), and the call
 * fails with OB_ETIMEDOUT when no byte came for no_progress_s (also passed as timeout=, the js node's
 * only bound). progress (may be NULL) is called about once a second with the blocks fetched so far;
 * it returns nonzero to stop the call (OB_ECANCELED). */
int ipfs_kubo_pin_add(struct ipfs_kubo *k, const char *cid, unsigned no_progress_s, ipfs_progress_fn progress,
                      void *progress_ud, struct ob_err *err);
/* swarm/connect to one multiaddr ("/ip4/…/tcp/…/p2p/ID"), with timeout=. A peer that cannot be
 * reached: OB_EPEER with the node's message. */
int ipfs_kubo_swarm_connect(struct ipfs_kubo *k, const char *maddr, unsigned timeout_s, struct ob_err *err);
/* pin/ls for one CID: *pinned = true and type ("recursive", "direct", "indirect") if pinned.
 * type may be NULL. "not pinned" is *pinned = false with 0 returned. */
int ipfs_kubo_pin_ls(struct ipfs_kubo *k, const char *cid, bool *pinned, char *type, size_t typecap,
                     struct ob_err *err);
/* pin/ls of everything: fn called per pinned CID (streamed). */
int ipfs_kubo_pin_ls_all(struct ipfs_kubo *k, int (*fn)(void *ud, const char *cid, const char *type),
                         void *ud, struct ob_err *err);

/* block/stat: size of one block. */
int ipfs_kubo_block_stat(struct ipfs_kubo *k, const char *cid, uint64_t *size, struct ob_err *err);

struct ipfs_files_stat {
  char hash[128];       /* as the node prints it (base58 for CIDv1 on the js node) */
  uint64_t size;        /* file bytes */
  uint64_t cumulative;  /* DAG bytes */
  uint64_t blocks;      /* links of the root */
  char type[16];        /* "file", "directory" */
};
/* files/stat of "/ipfs/CID". */
int ipfs_kubo_files_stat(struct ipfs_kubo *k, const char *cid, struct ipfs_files_stat *st,
                         struct ob_err *err);

/* id: the node's peer id and agent ("kubo/0.29.0/", "js-ipfs/0.18.1"). */
int ipfs_kubo_id(struct ipfs_kubo *k, char *id, size_t idcap, char *agent, size_t agentcap,
                 struct ob_err *err);
/* id's Addresses (the multiaddrs the node listens on, with /p2p/ID): fn called once per address
 * (at most 64); none when the node has no swarm listener. */
int ipfs_kubo_id_addrs(struct ipfs_kubo *k, int (*fn)(void *ud, const char *maddr), void *ud, struct ob_err *err);
/* version: "0.29.0". */
int ipfs_kubo_version(struct ipfs_kubo *k, char *ver, size_t cap, struct ob_err *err);
struct ipfs_repo_stat {
  uint64_t repo_size;
  uint64_t storage_max;
  uint64_t num_objects;
};
int ipfs_kubo_repo_stat(struct ipfs_kubo *k, struct ipfs_repo_stat *st, struct ob_err *err);

/* ---- HTTP(S) download as a byte source (URL origin of a pin) ---- */
struct ipfs_url_src;
struct ipfs_url_opts {
  uint64_t max_bytes;         /* larger: OB_ELIMIT (from Content-Length, or while reading) */
  unsigned connect_timeout_s; /* default 10 */
  unsigned stall_timeout_s;   /* default 60 */
  size_t buffer_bytes;        /* read-ahead; default 1 MiB (memory stays bounded by it) */
  const atomic_int *stop;      /* may be NULL; nonzero ends a wait for headers or bytes: OB_ECANCELED */
};
void ipfs_url_opts_init(struct ipfs_url_opts *o);
/* Start the download and wait for the status line and headers (TLS verification always on).
 * Returns 0; OB_ENOENT for 404/410; OB_EPEER for another non-2xx; OB_ELIMIT when Content-Length
 * exceeds max_bytes; OB_EUNREACH / OB_ETIMEDOUT; OB_EINVAL for a URL that is not http(s).
 * *size_out = Content-Length or -1. */
int ipfs_url_src_open(struct ipfs_url_src **out, const char *url, const struct ipfs_url_opts *o,
                      int64_t *size_out, struct ob_err *err);
/* An ipfs_read_fn: ud is the struct ipfs_url_src. A download cut mid-way: OB_EUNREACH or
 * OB_ETIMEDOUT (worth retrying); over max_bytes: OB_ELIMIT. */
int ipfs_url_src_read(void *src, void *buf, size_t cap, size_t *got, struct ob_err *err);
void ipfs_url_src_close(struct ipfs_url_src *s); /* NULL is a no-op */
#endif
