/* Resumable, checked downloads of model files (the one models/ file that includes curl is
 * src/fetch.c).
 *
 * Each file is downloaded into PATH.part beside a small state file PATH.state (JSON: the URL it was
 * resolved to, the server's validator — X-Linked-Etag, else ETag, else Last-Modified — and the
 * expected size and sha256). A dropped transfer is retried, and a rerun after a killed process
 * continues, from the bytes PATH.part has: the last MODEL_FETCH_TAIL bytes are fetched again and
 * compared (the tail re-check), the rest is re-hashed from disk. The download restarts from zero only
 * when the validator changed, the server ignored the Range (If-Range), or the tail differs; the
 * file's note says which. sha256 is computed while the bytes arrive; once complete the file is
 * checked against the expected sha256 and size and renamed to PATH.
 *
 * Hugging Face style URLs (/{repo}/resolve/{revision}/{file}) answer 302 with X-Linked-Etag (the
 * sha256) and X-Linked-Size: they become the expected hash and size, and the Range requests go to
 * the redirect target. Files are fetched by at most opts.parallel threads; memory per transfer is
 * curl's receive buffer (512 KiB) and the staging ring (16 MiB) whatever the size.
 *
 * The bytes are hashed and written by two threads of their own while the next ones arrive, and
 * written with O_DIRECT (opts.buffered_io: through the page cache), so the file is on the device when
 * the download ends rather than in the page cache waiting for the fsync. A kill -9 loses at most the
 * 4 MiB slot being filled; a dropped transfer loses nothing (what was received is written first).
 *
 * Threads: model_fetch_run starts and joins its own; the callbacks are called from them, serialised
 * by a mutex. Nothing else here is thread-safe. */
#ifndef OB_MODELS_FETCH_H
#define OB_MODELS_FETCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/err.h"

#define MODEL_FETCH_TAIL (64u * 1024)  /* bytes fetched again and compared on a resume */

struct model_fetch_file {
  /* In (borrowed for the call). */
  const char *url;
  const char *path;          /* the finished file; PATH.part and PATH.state meanwhile */
  bool have_sha256;          /* want_sha256 given (--sha256): it wins over what the server says */
  uint8_t want_sha256[32];
  /* Out. */
  int rc;                    /* 0, or the code of err */
  struct ob_err err;
  uint8_t sha256[32];
  uint64_t size;
  uint64_t received;         /* body bytes received over the network by this call */
  uint64_t resumed_from;     /* bytes already on disk when this call started (0: from scratch) */
  bool restarted;            /* bytes on disk were thrown away: note says why */
  bool already_done;         /* PATH existed: checked, nothing fetched */
  char sha256_source[24];    /* "--sha256", "X-Linked-Etag", "ETag", "" (nothing published) */
  char note[320];            /* "resumed at N bytes", "restarted: the server's ETag changed (…)" */
  /* Private. */
  uint64_t progress_;
};

struct model_fetch_opts {
  unsigned parallel;           /* files at once; default 4 */
  unsigned connect_timeout_s;  /* default 10 */
  unsigned stall_timeout_s;    /* a transfer with no byte for this long is dropped (and retried); 60 */
  unsigned max_attempts;       /* consecutive attempts without progress before a file fails; 8 */
  uint64_t max_bytes;          /* a file larger than this is refused; 0: no limit */
  bool allow_http;             /* plain http:// (tests, local mirrors); https:// always */
  bool buffered_io;            /* write through the page cache, not O_DIRECT (see src/fetch.c's ring) */
  /* All bytes on disk of all files so far, and the sum of the known sizes (0 while unknown). */
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  /* A resume or a restart of one file, when it happens (the same text ends in file->note). */
  void (*note)(void *ctx, const struct model_fetch_file *file, const char *msg);
  void *ctx;
};
void model_fetch_opts_init(struct model_fetch_opts *o);

/* Fetch n files. Returns 0 when every file is done and checked, else the first failing file's code
 * (each file's rc and err say its own outcome). Codes: OB_EUNREACH / OB_ETIMEDOUT (server gone, after
 * the attempts), OB_EPEER (an HTTP error), OB_EMISMATCH (sha256 or size differs from the expected),
 * OB_ELIMIT, OB_EIO (disk), OB_EINVAL (a bad URL). */
int model_fetch_run(struct model_fetch_file *files, size_t n, const struct model_fetch_opts *o,
                    struct ob_err *err);

/* The sha256 of a whole file read from disk in 1 MiB blocks. Returns 0, OB_ENOENT or OB_EIO. */
int model_sha256_file(uint8_t hash32[32], uint64_t *size, const char *path, struct ob_err *err);
#endif
