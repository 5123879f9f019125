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

struct ob_endpoint {
  char *url;
  char *name;
};

struct ob_config {
  char *source; /* the file it came from, NULL if none */
  char *log_level;

  char *db_url;
  uint32_t db_connect_timeout_s;
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

  char *ipfs_api;
  uint32_t ipfs_connect_timeout_s;
  uint32_t ipfs_stall_timeout_s;
  char *ipfs_profile;

  uint32_t pin_workers;
  uint32_t pin_max_attempts;
  uint32_t pin_retry_base_s;
  uint64_t pin_url_max_bytes;
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
/* The effective config as JSON; secrets (passwords in URLs) masked. */
int ob_config_dump(const struct ob_config *c, struct ob_buf *out);
#endif
