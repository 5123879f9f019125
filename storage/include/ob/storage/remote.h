/* The client side of the IPFS Pinning Service API (what Kubo's `ipfs pin remote` speaks): asks a
 * remote service (another obridge, an ipfs-cluster's pinsvc endpoint, a commercial service) to pin
 * a CID, and reads back the request's status. Blocking calls over the storage transport (curl, TLS
 * verification always on), with a connect and a no-progress timeout.
 *
 * Rules: one struct ipfs_remote per thread; err may be NULL; the token is never put in a message. */
#ifndef OB_STORAGE_REMOTE_H
#define OB_STORAGE_REMOTE_H
#include <stddef.h>

struct ob_err;
struct ipfs_remote;

/* url: the service's endpoint ("https://pins.example.org", the routes are url + "/pins"); token:
 * the bearer token (copied). Returns 0; OB_EINVAL for a URL that is not http(s); OB_ENOMEM. */
int ipfs_remote_new(struct ipfs_remote **out, const char *url, const char *token, struct ob_err *err);
void ipfs_remote_free(struct ipfs_remote *r); /* NULL is a no-op */

struct ipfs_remote_status {
  char requestid[128];
  char status[16]; /* queued, pinning, pinned, failed */
  char details[256]; /* info.status_details, "" if none */
};
/* POST /pins {cid, name, origins}. origins_json: a JSON array of multiaddrs (may be NULL). Returns 0;
 * OB_EUNREACH / OB_ETIMEDOUT (worth retrying); OB_EPEER (5xx, 429); OB_EINVAL (another 4xx: 401,
 * 403 quota, 400), the service's reason and details in the message. */
int ipfs_remote_add(struct ipfs_remote *r, const char *cid, const char *name, const char *origins_json,
                    struct ipfs_remote_status *st, struct ob_err *err);
/* GET /pins/{requestid}. OB_ENOENT when the service does not know it (404); else as add. */
int ipfs_remote_get(struct ipfs_remote *r, const char *requestid, struct ipfs_remote_status *st, struct ob_err *err);
#endif
