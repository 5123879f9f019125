/* Feeds and their sources, as declared in the config (`oracle.feeds`) and in `*.json` files under
 * `oracle.feeds_dir` (each `{"feeds":[…]}`): one shape everywhere, schemas/feed.schema.json.
 *
 *   {"name":"ETH/USD","decimals":8,"quorum":2,"k":"3","deviation_bps":50,"heartbeat_s":3600,
 *    "sources":[{"name":"bn","url":"https://…","path":"$.price","timeout_ms":1000,
 *                "max_bytes":1048576,"max_redirects":3,"headers":{"X-Api-Key":{"env":"BN_KEY"}},
 *                "multiply":"1","divide":"1","invert":false}]}
 *
 * Required: name, decimals, sources; per source name, url, path. Defaults: quorum 1, k "3",
 * deviation_bps 0 (heartbeat only), heartbeat_s 3600; per source method "GET" (the only one),
 * timeout_ms 5000, max_bytes 1 MiB, max_redirects 3, invert false.
 *
 * Unknown keys are errors; every error names its JSON path ("config: .oracle.feeds[2].sources[0].path: …",
 * or "FILE: feeds[0].…" for a file; "WHERE: unknown key PATH: did you mean PATH2?"). Header values
 * are only references to environment variables: the secret is read at fetch time, never stored in
 * these structs, never logged.
 *
 * Ownership: a feedset owns everything inside it; oracle_feedset_release frees it (a released set
 * is an empty, reusable one). Feed pointers stay valid until the next add or release. No global
 * state; err may be NULL. */
#ifndef OB_ORACLE_FEED_H
#define OB_ORACLE_FEED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/oracle/aggregate.h"
#include "ob/oracle/value.h"
struct ob_err;
struct ob_json;

#define ORACLE_SOURCE_MAX_BYTES_DEFAULT ((size_t)1 << 20) /* 1 MiB body cap */
#define ORACLE_SOURCE_TIMEOUT_MS_DEFAULT 5000u
#define ORACLE_SOURCE_REDIRECTS_DEFAULT 3u
#define ORACLE_QUORUM_DEFAULT 1u

struct oracle_jsonpath; /* compiled JSONPath (oracle/jsonpath.h) */

struct oracle_header {
  char *name; /* owned */
  char *env;  /* owned: the environment variable holding the value */
};

struct oracle_source {
  char *name;                   /* owned, 1..128 bytes, unique within its feed */
  char *url;                    /* owned, http:// or https:// */
  char *path;                   /* owned: the JSONPath text as written */
  struct oracle_jsonpath *jp;   /* owned: compiled */
  char *multiply, *divide;      /* owned decimal text as written (a positive JSON number), or NULL */
  bool invert;                  /* value := 1 / value (before multiply/divide) */
  uint32_t timeout_ms;
  size_t max_bytes;
  unsigned max_redirects;       /* never https -> http */
  struct oracle_header *headers; /* owned */
  size_t nheaders;
};

struct oracle_feed {
  char *name;          /* owned; oracle_feed_name_check */
  uint8_t decimals;    /* 0..ORACLE_DECIMALS_MAX */
  uint32_t quorum;     /* >= 1, <= nsources */
  struct oracle_k k;   /* outlier rule */
  uint32_t deviation_bps; /* 0: heartbeat only */
  uint32_t heartbeat_s;   /* > 0 */
  struct oracle_source *sources; /* owned, >= 1 */
  size_t nsources;
  char *origin;        /* owned: where it was declared (the `where` of oracle_feedset_add_json:
                        * "config", or a file path), for messages and `feed ls` */
  size_t index;        /* its position in that document's feeds array */
};

struct oracle_feedset {
  struct oracle_feed *feeds; /* owned; unique names */
  size_t n, cap;
};

void oracle_feedset_init(struct oracle_feedset *fs);
void oracle_feedset_release(struct oracle_feedset *fs);
/* Add the feeds of one document: `doc` is either {"feeds":[…]} (a file; "$schema" is allowed
 * beside "feeds") or the array itself (config `oracle.feeds`, whose paths then read
 * ".oracle.feeds[i]…"). `where` ("config", or the file name) starts every message and becomes each
 * feed's origin. A name already in fs is an error naming both origins. On error fs is unchanged.
 * Returns 0; OB_EINVAL naming the path; OB_ENOMEM. */
int oracle_feedset_add_json(struct oracle_feedset *fs, const struct ob_json *doc, const char *where,
                            struct ob_err *err);
/* Add every `*.json` file of dir (sorted by name; dot files and other files ignored; each at most
 * ORACLE_FEEDS_FILE_MAX bytes). On error fs is unchanged. Returns 0; OB_ENOENT / OB_EIO naming the
 * directory or file; OB_EPARSE "FILE: line L, column C: json: …"; the errors of
 * oracle_feedset_add_json. */
#define ORACLE_FEEDS_FILE_MAX ((size_t)16 << 20)
int oracle_feedset_add_dir(struct oracle_feedset *fs, const char *dir, struct ob_err *err);

/* The same, collecting every error instead of stopping at the first (for `config check`): each
 * feed (or file) with an error is left out and reported through cb (its message names the path);
 * the valid ones are added. Returns 0 when nothing was reported, else the first error's code. */
typedef void (*oracle_feed_err_cb)(void *ud, const struct ob_err *e);
int oracle_feedset_add_json_all(struct oracle_feedset *fs, const struct ob_json *doc, const char *where,
                                oracle_feed_err_cb cb, void *ud);
int oracle_feedset_add_dir_all(struct oracle_feedset *fs, const char *dir, oracle_feed_err_cb cb, void *ud);
/* NULL when absent. */
const struct oracle_feed *oracle_feedset_find(const struct oracle_feedset *fs, const char *name);
#endif
