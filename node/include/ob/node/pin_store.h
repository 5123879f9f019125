/* The pin queue in PostgreSQL (table pins, migrations/0002_pins.sql): the struct ipfs_pin_store
 * the storage worker runs against, plus the queries of `obridge pin`. This is the one place where
 * storage meets db/: storage/ only knows the store interface (ob/storage/pin.h). It lives in node/
 * so the CLI and the daemon share it. */
#ifndef OB_NODE_PIN_STORE_H
#define OB_NODE_PIN_STORE_H
#include <stdbool.h>
#include <stdint.h>

#include "ob/storage/pin.h"

struct db;
struct db_res;
struct ob_err;

/* Fill s with functions over db (borrowed for as long as s is used). */
void pin_db_store(struct ipfs_pin_store *s, struct db *db);

/* Insert a queued job. request_id37 gets the new uuid. meta_json may be NULL ("{}"). */
int pin_db_enqueue(struct db *db, enum ipfs_pin_origin kind, const char *origin, const char *name,
                   enum ipfs_profile profile, const char *meta_json, char request_id37[37],
                   struct ob_err *err);

/* One job (a row of pins) as pin_db_list returns it. The strings point into the list and live as
 * long as it does (until pin_db_list_free). */
struct pin_db_job {
  const char *request_id; /* uuid */
  const char *status;     /* queued, pinning, pinned, failed */
  const char *cid;        /* "" until pinned */
  const char *name;
  const char *origin_kind;
  const char *origin;
  const char *profile;
  const char *error;      /* last error, "" if none */
  const char *created;    /* ISO-8601 UTC */
  const char *pinned_at;  /* ISO-8601 UTC, "" if never */
  int64_t size;           /* file bytes (of all files for a directory), -1 unknown */
  int64_t dag_size;       /* the DAG's cumulative size the node confirmed, -1 unknown */
  bool recursive;         /* a directory pinned as its tree */
  uint32_t attempts;
  uint32_t wait_s;        /* seconds until a queued job is due */
};

struct pin_db_list {
  struct pin_db_job *jobs;
  size_t n;
  struct db_res *res_; /* owns the strings */
};

/* What pin_db_list selects; every field may be left 0/NULL (no filter). */
struct pin_db_filter {
  bool jobs;                 /* every job (the request history); else the pin set: one row per CID
                              * (its best job: pinned before pinning, queued, failed; the newest of
                              * equals), jobs without a CID yet one row each */
  const char *status;        /* one status or several, comma-separated (checked by the caller) */
  const char *request_id;    /* one job: its full uuid */
  const char *const *cids;   /* canonical CID text; ncids of them */
  size_t ncids;
  const char *name;          /* exact name */
  uint64_t limit;            /* at most this many rows; 0: all */
};

/* Rows matching f, oldest first. *out is filled (free with pin_db_list_free, also on error). */
int pin_db_list(struct db *db, const struct pin_db_filter *f, struct pin_db_list *out, struct ob_err *err);
void pin_db_list_free(struct pin_db_list *l);

/* The request id a unique prefix (4 to 36 characters of hex digits and dashes) names.
 * OB_ENOENT when none does; OB_EINVAL naming how many when more than one does. */
int pin_db_resolve_id(struct db *db, const char *prefix, char request_id37[37], struct ob_err *err);

/* Set a job's status and last error (verify's honest update); error may be NULL. */
int pin_db_set(struct db *db, const char *request_id, enum ipfs_pin_status st, const char *error,
               struct ob_err *err);
int pin_db_verified(struct db *db, const char *request_id, struct ob_err *err);
/* failed -> queued with attempts 0; *n = how many. */
int pin_db_recover(struct db *db, uint64_t *n, struct ob_err *err);
/* Delete the operator's rows (tenant 1, the local CLI's) for cid; *n = how many. *held = whether a
 * row of another tenant (a pinning service request) still holds the CID: then it stays on the node. */
int pin_db_delete_cid(struct db *db, const char *cid, uint64_t *n, bool *held, struct ob_err *err);
#endif
