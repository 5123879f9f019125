/* Replicas of pinned CIDs on remote pinning services (issue 17 point 5): the services
 * (table pin_remote_services, `obridge pin remote service add`), and the step a pin worker runs
 * when its queue is idle: a pin_replicas row for each pinned job and configured service, then each
 * due row driven one call further (POST /pins on the service, then GET /pins/{id} every poll_s until
 * the service says pinned), retried with backoff (retry_base_s doubling, at most 1 h); a service
 * that refuses (401, 403, 400) max_attempts times in a row ends the row failed; one that lost the
 * request (404) gets it again. Rows are claimed with SKIP LOCKED, so several workers share them.
 *
 * Rules: err may be NULL; one call at a time per struct db. */
#ifndef OB_NODE_REPLICA_H
#define OB_NODE_REPLICA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct db;

/* A service name: as a tenant name (1 to 64 of [A-Za-z0-9._-]). token_file must be readable now. */
int node_remote_service_add(struct db *db, const char *name, const char *url, const char *token_file, struct ob_err *err);
/* OB_ENOENT when there is none of that name. Its replica rows go with it. */
int node_remote_service_rm(struct db *db, const char *name, struct ob_err *err);

struct node_replica_opts {
  struct db *db;
  const char *const *services;  /* names to replicate every pinned CID to */
  size_t nservices;
  const char *origins_json;     /* this node's multiaddrs, passed as origins (may be NULL) */
  const char *worker_id;
  uint32_t retry_base_s;        /* default 5 */
  uint32_t max_attempts;        /* default 5 */
  uint32_t poll_s;              /* default 5 */
};
/* Every service: name, url, token_file, pinned, pending, failed (replica counts). *out owned
 * (db_res_free). */
struct db_res;
int node_remote_service_list(struct db *db, struct db_res **out, struct ob_err *err);

/* The replica rows of one pinned job (`pin verify`), by service; at most cap. */
struct node_replica_row {
  char service[65];
  char status[16];
  char remote_id[128];
  char error[256];
  uint32_t attempts;
};
int node_replicas_of(struct db *db, const char *job_id, struct node_replica_row *rows, size_t cap, size_t *n,
                     struct ob_err *err);

/* One pass. *calls = remote calls made (0: nothing due). */
int node_replicate_step(const struct node_replica_opts *o, unsigned *calls, struct ob_err *err);
#endif
