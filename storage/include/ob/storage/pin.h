/* Pins: the job a worker runs (upload + local CID + confirmation) and the queue it runs from.
 *
 * The queue itself lives in PostgreSQL, but storage/ never includes db/ headers: the worker sees
 * the queue through struct ipfs_pin_store (a table of functions), which node/src/pin_store.c implements
 * over db/ (the daemon uses the same implementation). So the worker can also run against an
 * in-memory store in tests, and the layering core <- storage stays clean.
 *
 * States are those of the IPFS Pinning Service API: queued -> pinning -> pinned | failed; a
 * failed attempt that may succeed later goes back to queued with a later not_before.
 *
 * A job is pinned only when (1) the node's add answered a CID, (2) the CID computed locally on
 * the very bytes uploaded (ipfs_dag_builder of cid.h) equals it as binary CIDs, and (3) the
 * node's pin/ls lists it. A mismatch is a permanent failure and the node's pin is removed.
 *
 * Rules: err may be NULL; other pointers are required unless said otherwise. One worker per
 * thread. */
#ifndef OB_STORAGE_PIN_H
#define OB_STORAGE_PIN_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/storage/cid.h"
#include "ob/storage/kubo.h"

struct ob_err;

enum ipfs_pin_status { IPFS_PIN_QUEUED, IPFS_PIN_PINNING, IPFS_PIN_PINNED, IPFS_PIN_FAILED };
const char *ipfs_pin_status_name(enum ipfs_pin_status s); /* "queued", … */
int ipfs_pin_status_parse(enum ipfs_pin_status *out, const char *s, struct ob_err *err);

/* CID: the content is not uploaded; the node fetches it from the network (pinning service API):
 * origin is the CID, peers the multiaddrs to connect to first. */
enum ipfs_pin_origin { IPFS_ORIGIN_PATH, IPFS_ORIGIN_URL, IPFS_ORIGIN_INTERNAL, IPFS_ORIGIN_CID };
const char *ipfs_pin_origin_name(enum ipfs_pin_origin o); /* "path", "url", "internal", "cid" */
int ipfs_pin_origin_parse(enum ipfs_pin_origin *out, const char *s, struct ob_err *err);

/* A claimed job, as the store hands it to the worker. Plain value. */
struct ipfs_pin_job {
  char request_id[40];  /* uuid */
  char name[256];
  enum ipfs_pin_origin origin_kind;
  char origin[4096];    /* absolute path or URL; for internal origins, a path the caller wrote */
  enum ipfs_profile profile;
  uint32_t attempts;    /* including this one */
  bool recursive;       /* origin path is a directory, pinned as `add -r` (queue meta
                         * {"recursive":true}); size is then the bytes of all its files */
  char claimed_by[128];
  char peers[8192];     /* CID origins: multiaddrs to swarm/connect before pin/add, one a line */
};

enum ipfs_pin_verdict { IPFS_PIN_DONE, IPFS_PIN_RETRY, IPFS_PIN_GIVE_UP };
struct ipfs_pin_outcome {
  enum ipfs_pin_verdict verdict;
  char cid[IPFS_CID_TEXT_MAX]; /* DONE: the confirmed CID */
  uint64_t size;               /* bytes of the file (of all files, for a directory) */
  uint64_t dag_size;           /* DONE: the DAG's cumulative size (add's Size, files/stat
                                * CumulativeSize): what verify compares a directory with */
  uint32_t retry_in_s;         /* RETRY: not before now + this */
  int code;                    /* RETRY, GIVE_UP: the OB_E* code of the failure */
  char error[512];             /* RETRY, GIVE_UP: the reason */
};

/* The queue, as the worker needs it. Each function returns 0 or an OB_E* code; OB_EUNREACH means
 * the store is down for now (the worker waits and tries again). */
struct ipfs_pin_store {
  void *ud;
  /* Claim the oldest due queued job (request_id NULL) or that one job, atomically: it becomes
   * pinning, attempts + 1, claimed_by = worker. OB_ENOENT when there is none. */
  int (*claim)(void *ud, const char *worker, const char *request_id, struct ipfs_pin_job *job,
               struct ob_err *err);
  /* Still alive, bytes so far (called every few seconds during a transfer). */
  int (*heartbeat)(void *ud, const struct ipfs_pin_job *job, uint64_t bytes, struct ob_err *err);
  /* Record the outcome, only if the job is still pinning and claimed by job->claimed_by (a job
   * taken back from a stalled worker is not overwritten: OB_ESTATE). */
  int (*finish)(void *ud, const struct ipfs_pin_job *job, const struct ipfs_pin_outcome *o,
                struct ob_err *err);
  /* Put back to queued every pinning job whose heartbeat is older than stale_s. *n may be NULL. */
  int (*requeue_stale)(void *ud, uint32_t stale_s, uint64_t *n, struct ob_err *err);
};

struct ipfs_pin_worker_opts {
  struct ipfs_kubo *kubo;          /* borrowed */
  const struct ipfs_pin_store *store; /* borrowed */
  const char *worker_id;           /* "host:pid"; borrowed */
  uint32_t max_attempts;           /* then failed; default 5 */
  uint32_t retry_base_s;           /* backoff base; delay = base * 2^(attempt-1), at most 1 h */
  uint32_t stall_timeout_s;        /* the kubo client's; pinning jobs silent for 2x + 10 s go back */
  uint32_t fetch_timeout_s;        /* CID origins: pin/add fails after this long without progress
                                    * (then the job is failed: nobody served it); default 120 */
  uint64_t url_max_bytes;
  unsigned url_connect_timeout_s;
  const atomic_int *stop;          /* may be NULL; nonzero ends ipfs_pin_worker_run (set from a signal handler
                                    * or another thread) */
  /* Called when the queue has no due job, before the worker sleeps (may be NULL): other queued
   * work of the process (replicas on remote pinning services). */
  void (*idle)(void *ud);
  void *idle_ud;
  /* Progress of the running job (may be NULL): bytes read from the origin, total or -1. */
  void (*progress)(void *ud, uint64_t bytes, int64_t total);
  void *progress_ud;
};
void ipfs_pin_worker_opts_init(struct ipfs_pin_worker_opts *o);

/* Pin bytes held in memory (a round's batch document) without the queue: the same upload, local
 * CID check and pin/ls confirmation as a job; o->store is not used (may be NULL). name names the
 * multipart part and appears in errors. cid gets the confirmed CID.
 * Returns 0; the codes of a job's failures (OB_EMISMATCH, OB_EUNREACH, …). */
int ipfs_pin_memory(const struct ipfs_pin_worker_opts *o, enum ipfs_profile profile, const char *name,
                    const void *data, size_t len, char cid[IPFS_CID_TEXT_MAX], struct ob_err *err);

/* Claim one job (request_id NULL: any due one), run it, record the outcome (retrying the store
 * while it is unreachable, until *stop). *ran = whether a job was claimed; out (may be NULL) gets
 * the outcome. Returns 0; OB_ENOENT if request_id names no claimable job; OB_EUNREACH if the store
 * stayed down; OB_ECANCELED if stopped. */
int ipfs_pin_worker_step(const struct ipfs_pin_worker_opts *o, const char *request_id, bool *ran,
                         struct ipfs_pin_outcome *out, struct ob_err *err);

/* Process the queue until *stop: claim, run, record; sleep a little when idle; wait and retry
 * while the store is down. Returns 0 when stopped. */
int ipfs_pin_worker_run(const struct ipfs_pin_worker_opts *o, struct ob_err *err);

/* Is this error worth another attempt (peer down, timeout, connection cut, node 5xx)? */
bool ipfs_pin_error_retryable(int code);
#endif
