/* The configuration: one JSON file, overridden by environment variables.
 *
 * Only cli/ reads files and the environment; it turns this into the *_opts of each library.
 * The keys, types, bounds, defaults, environment variables and help all come from one table in
 * config.c, which also drives `obridge config show`; schemas/config.schema.json documents the
 * same file for other tools (a test keeps the two in step). */
#ifndef OB_CLI_CONFIG_H
#define OB_CLI_CONFIG_H
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct ob_buf;
struct ob_json;

struct ob_endpoint {
  char *url;
  char *name;
};

/* A list of paths (a JSON array of strings; in the environment, comma-separated). */
struct ob_paths {
  char **v;
  size_t n;
};

struct ob_config {
  char *source; /* the file it came from, NULL if none */
  char *log_level;

  char *db_url;
  uint32_t db_connect_timeout_s;
  uint32_t db_answer_timeout_s;
  char *db_application_name;

  uint64_t chain_id;
  struct ob_endpoint *endpoints;
  size_t nendpoints;
  char *keystore;
  char *password_file;
  char *ca_file;
  char *registry;
  uint32_t confirmations;
  uint32_t request_timeout_s;
  uint32_t keepalive_s;
  uint32_t max_message_mib;
  uint32_t bump_after_blocks;
  uint32_t max_lag_blocks;
  uint64_t max_fee_gwei;
  uint64_t max_priority_fee_gwei;

  struct ob_paths signer_keystores;      /* commit.signer_keystores */
  struct ob_paths signer_password_files; /* commit.signer_password_files: one per keystore, or none */

  char *ipfs_api;
  uint32_t ipfs_connect_timeout_s;
  uint32_t ipfs_stall_timeout_s;
  char *ipfs_profile;

  uint32_t pin_workers;
  uint32_t pin_max_attempts;
  uint32_t pin_retry_base_s;
  uint64_t pin_url_max_bytes;
  uint32_t pin_fetch_timeout_s;
  struct ob_paths pin_replicate_to; /* service names */

  char *http_listen;
  char *http_tls_cert, *http_tls_key;
  char *http_allow_plain_remote; /* "true" or "false" */
  uint64_t http_max_body_bytes;
  uint32_t http_rate_per_s, http_rate_burst;
  uint32_t round_interval_s;
  uint32_t leader_lease_s;
  uint32_t oracle_retention_days; /* oracle.retention_days: 0 keeps observations */
  struct ob_json *oracle_feeds; /* oracle.feeds as written (an array), NULL if absent: cli_feeds_load checks it */
  char *feeds_dir;              /* oracle.feeds_dir */
  char *oracle_ca_file;         /* oracle.ca_file */
  uint32_t oracle_max_per_host; /* oracle.max_per_host */
  char *http_cors_origin;
  char *push_adapters; /* "FEED=0xADAPTER,…" or NULL */

  uint64_t from_env; /* one bit per key whose value came from the environment (ob_config_env_source) */
};

/* Defaults, then the file (if path is not NULL), then the environment. A missing or invalid file
 * is an error naming the file and the JSON path: "config: .chain.endpoints[1].url: expected a
 * ws://, wss://, http:// or https:// URL". Returns 0 or OB_ENOENT / OB_EPARSE / OB_EINVAL /
 * OB_ELIMIT. *out is owned (ob_config_free). */
int ob_config_load(struct ob_config **out, const char *path, struct ob_err *err);
/* Same from a string (the fuzz harness and tests use it); env applies only if use_env. */
int ob_config_load_text(struct ob_config **out, const char *text, size_t len, int use_env,
                        struct ob_err *err);
void ob_config_free(struct ob_config *c);
/* The environment variable a key's value came from ("$OBRIDGE_CHAIN_ID" without the '$'), or NULL
 * when it came from the file or the defaults; key as in the table: "chain.chain_id". */
const char *ob_config_env_source(const struct ob_config *c, const char *key);
/* The effective config as JSON; secrets (passwords in URLs) masked. */
int ob_config_dump(const struct ob_config *c, struct ob_buf *out);
#endif
