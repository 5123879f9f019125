/* Who runs and who leads: the registry of running obridge processes (obridge_nodes, migration 0001)
 * and the round leader's lease (obridge_leases, migration 0008), both on PostgreSQL.
 *
 * The lease: one row per name; its holder leads until expires_at (the database's clock). A daemon
 * calls node_lease_acquire every tick: it renews its own lease, takes an expired or never-held one,
 * or learns who holds it. Every takeover increments the fencing token.
 *
 * The fence, for whoever writes a round's state (the round pipeline): every transaction that writes
 * for a round checks the token it was given, in that same transaction, before its writes:
 *
 *     db_tx(db, write_step, &ctx, err);   with, inside write_step:
 *       rc = node_lease_check(db, ctx->lease_token, err);   // OB_ESTATE: lost the lease, stop
 *       if (rc) return rc;
 *       ... the round's INSERT/UPDATEs ...
 *
 * or in SQL, as the first statement of the transaction: SELECT obridge_lease_check('round-leader', $1).
 * A check outside a transaction (autocommit) proves nothing about the writes after it.
 *
 * Rules: db is borrowed (one thread); err may be NULL. */
#ifndef OB_NODE_LEASE_H
#define OB_NODE_LEASE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct ob_err;

#define NODE_LEASE_ROUNDS "round-leader"

struct node_lease {
  bool held;             /* by the caller (node_id given to acquire) */
  uint64_t token;        /* the current fencing token */
  char holder[128];      /* node_id of the holder ("" if none) */
  int64_t expires_in_ms; /* <= 0: expired */
};

/* Renew the caller's lease, or take it if it expired or was never held, for ttl_ms from now.
 * out->held says whether the caller holds it now. Returns 0; the db errors (OB_EUNREACH …). */
int node_lease_acquire(struct db *db, const char *name, const char *node_id, uint32_t ttl_ms,
                       struct node_lease *out, struct ob_err *err);
/* Give the lease up now (a clean shutdown), so a standby takes it at its next tick instead of
 * after the expiry. Only if node_id still holds it with token. Returns 0; db errors. */
int node_lease_release(struct db *db, const char *name, const char *node_id, uint64_t token, struct ob_err *err);
/* Who holds it. out->held is false. Returns 0; OB_ENOENT (no such lease); db errors. */
int node_lease_get(struct db *db, const char *name, struct node_lease *out, struct ob_err *err);
/* The fence of the rounds lease (see above): 0 when token is current; OB_ESTATE "lease round-leader
 * lost: token 3 is stale (current token 4, held by …)"; db errors. Must run inside db_tx. */
int node_lease_check(struct db *db, uint64_t token, struct ob_err *err);

/* obridge_nodes: register (or refresh) this process with its roles ("pin-worker,round-leader" →
 * text[]), heartbeat_at = now(). Returns 0; db errors. */
int node_register(struct db *db, const char *node_id, const char *hostname, long pid, const char *version,
                  const char *roles, struct ob_err *err);
/* Remove this process's row (a clean exit). */
int node_unregister(struct db *db, const char *node_id, struct ob_err *err);
#endif
