/* The commit pipeline, one implementation for `obridge commit` and the oracle round
 * (node_oracle_round, node/oracle.h): a round's batch is built (a `rounds` row, migration 0006),
 * pinned, signed by k of n keys, submitted through the transaction manager and confirmed, each step
 * a row update in PostgreSQL, so a rerun resumes the registry's unfinished round from its stored
 * batch; the manager's idempotency key commit:<registry>:<round> keeps a round from being sent
 * twice. New values while the unfinished round's commit is still pending make a new round that
 * replaces it at the same nonce (chain_txm_supersede); that older round ends superseded.
 *
 * The fence (node/lease.h): every write of a round's state runs in one transaction that first
 * checks ctx->fence (NULL: no check, `obridge commit`), and then calls ctx->on_step in that same
 * transaction (the oracle round mirrors each step into its own state there).
 *
 * Rules: everything in the context is borrowed for the call; one thread (the loop's); err may be
 * NULL. Keys never leave the call (the caller wipes its copies). */
#ifndef OB_NODE_ROUND_H
#define OB_NODE_ROUND_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chain_loop;
struct chain_rpc;
struct chain_txm;
struct db;
struct ob_err;
struct node_batch;
struct node_registry_state;

#define NODE_COMMIT_GAS 400000
#define NODE_CID_MAX 140 /* IPFS_CID_TEXT_MAX */

/* Who may write a round's state. token > 0: the daemon's rounds lease (obridge_lease_check in the
 * write's transaction). token 0: the holder of the advisory lock `lock` (a one-shot `feed run`),
 * checked in pg_locks for this session in the write's transaction. */
struct node_fence {
  uint64_t token;
  const char *lock; /* token 0: the advisory lock's name (db_advisory_lock) */
};
/* 0 when the fence holds (NULL fence: always); OB_ESTATE "lease … lost" / "advisory lock … is not
 * held by this session"; db errors. Must run inside db_tx. */
int node_fence_check(struct db *db, const struct node_fence *f, struct ob_err *err);

struct node_sig {
  uint8_t addr[20];
  uint8_t sig[65];
};
/* Sign digest with every key (each must be in st's signer set, none twice); at least st->threshold
 * signatures; out (room for n keys) sorted by signer address. Never allocates but the signer. */
int node_sign_digest(const uint8_t (*keys)[32], const uint8_t (*addrs)[20], size_t nkeys,
                     const struct node_registry_state *st, const uint8_t digest[32], struct node_sig *out,
                     size_t *n, struct ob_err *err);

struct node_commit_ctx {
  struct db *db;
  struct chain_loop *loop;
  struct chain_rpc *rpc;
  struct chain_txm *m;        /* started, recovering what an earlier run left */
  uint8_t from[20];           /* the manager's sender */
  uint64_t chain_id;
  uint8_t registry[20];
  const uint8_t (*keys)[32];  /* the signing keys and their addresses */
  const uint8_t (*addrs)[20];
  size_t nkeys;
  const char *ipfs_api;       /* Kubo RPC */
  const char *ipfs_profile;   /* NULL: unixfs-v1-2025 */
  unsigned ipfs_connect_timeout_s, ipfs_stall_timeout_s;
  const atomic_int *stop;     /* may be NULL; set (the daemon stopping): a pin in flight is cut short and
                                 * the run fails at that step, to be resumed by the next run */
  uint64_t deadline;          /* ob_mono_ms() */
  const struct node_fence *fence; /* NULL: no fence */
  /* Called inside each step's write transaction (after the rounds row is written), may be NULL. */
  int (*on_step)(void *ud, struct db *db, uint64_t round, const char *step, struct ob_err *err);
  void *step_ud;
  /* Progress for a person ("resuming round 3 of 0x… from step pinned"), may be NULL. */
  void (*note)(void *ud, const char *msg);
  void *note_ud;
  /* Tests: called after each step ("built", "pinned", "signed", "submitted"); may _exit. */
  void (*crash_at)(const char *step);
};

struct node_commit_req {
  struct node_batch *values;  /* feeds with values (round, timestamp, chain and registry unset), or
                                 NULL: only resume the unfinished round */
  uint64_t round;             /* 0: one more than the chain's and the database's */
  bool only_this_round;       /* an unfinished round other than `round` is OB_ESTATE, not resumed
                                 (the oracle round: its own round or nothing) */
};

struct node_commit_result {
  uint64_t round;
  char step[16];              /* resumed from ("" for a new round) */
  char root[67], cid[NODE_CID_MAX], tx[67];
  uint64_t gas_used;
  uint64_t superseded;        /* the round this one replaced at its nonce, 0 if none */
  uint32_t feeds;
};

/* Run the pipeline to confirmation (or the deadline). Returns 0; OB_EUSAGE "no unfinished round to
 * resume" when req->values is NULL and none is; OB_ETIMEDOUT (not confirmed in time: a rerun
 * resumes); OB_ECANCELED (ctx->stop set while the pin or the confirmation was awaited: a rerun
 * resumes); OB_ECHECK (reverted, or superseded); OB_ESTATE (fence lost); the peers' errors. */
int node_commit_run(const struct node_commit_ctx *ctx, const struct node_commit_req *req,
                    struct node_commit_result *res, struct ob_err *err);
/* Run the manager's loop until nothing of its sender is pending, the deadline, or ctx->stop. True when idle. */
bool node_commit_run_until_idle(const struct node_commit_ctx *ctx);
/* Pin doc (profile ctx->ipfs_profile) named name; cid gets its CID. */
int node_commit_pin(const struct node_commit_ctx *ctx, const char *name, const char *doc, size_t len,
                    char cid[NODE_CID_MAX], struct ob_err *err);
#endif
