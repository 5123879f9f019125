/* The keys that sign EIP-712 digests for the registry (commit, model fetch): --signer-key-files A,B
 * (hex key files) or the sender's key. Defined in cmd_commit.c. */
#ifndef OB_CLI_SIGN_H
#define OB_CLI_SIGN_H
#include <stddef.h>
#include <stdint.h>

#include "ob/core/err.h"

#define MAX_KEYS 32
struct keys {
  uint8_t key[MAX_KEYS][32];
  uint8_t addr[MAX_KEYS][20];
  size_t n;
};
struct sig {
  uint8_t addr[20];
  uint8_t sig[65];
};
struct cli;
struct ob_config;
struct node_registry_state;
/* files: "A,B" or NULL (then the sender's key: sender_file or the keystore). The caller wipes k. */
int cli_sign_keys_load(struct cli *cli, const struct ob_config *c, const char *files, const char *sender_file,
                       struct keys *k, struct ob_err *err);
/* Every key must be in st's signer set; at least st->threshold signatures; out sorted by address. */
int cli_sign_digest(const struct keys *k, const struct node_registry_state *st, const uint8_t digest[32],
                    struct sig *out, size_t *n, struct ob_err *err);
#endif
