/* The pin queue in PostgreSQL (table pins, migrations/0002_pins.sql): the struct ipfs_pin_store
 * the storage worker runs against, plus the queries of `obridge pin`. This is the one place where
 * storage meets db/: storage/ only knows the store interface (ob/storage/pin.h). It lives in node/
 * so the CLI and the daemon share it. */
#ifndef OB_NODE_PIN_STORE_H
#define OB_NODE_PIN_STORE_H
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

/* Rows (columns of PIN_DB_COLS) with this status (NULL: any), matching key (NULL: any; a uuid
 * matches request_id, anything else cid). *res owned (db_res_free). */
#define PIN_DB_COLS                                                                              \
  "request_id, status, coalesce(cid, ''), name, origin_kind, origin, profile, coalesce(size, -1), " \
  "attempts, coalesce(last_error, ''), to_char(created_at AT TIME ZONE 'UTC', "                   \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(to_char(pinned_at AT TIME ZONE 'UTC', "            \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), greatest(0, extract(epoch FROM not_before - now()))::int"
enum { PC_ID, PC_STATUS, PC_CID, PC_NAME, PC_KIND, PC_ORIGIN, PC_PROFILE, PC_SIZE, PC_ATTEMPTS,
       PC_ERROR, PC_CREATED, PC_PINNED, PC_WAIT };
int pin_db_list(struct db *db, const char *status, const char *key, struct db_res **res,
                struct ob_err *err);

/* Set a job's status and last error (verify's honest update); error may be NULL. */
int pin_db_set(struct db *db, const char *request_id, enum ipfs_pin_status st, const char *error,
               struct ob_err *err);
int pin_db_verified(struct db *db, const char *request_id, struct ob_err *err);
/* failed -> queued with attempts 0; *n = how many. */
int pin_db_recover(struct db *db, uint64_t *n, struct ob_err *err);
/* Delete every row for cid; *n = how many. */
int pin_db_delete_cid(struct db *db, const char *cid, uint64_t *n, struct ob_err *err);
#endif
