/* Shared by the chain commands: turn the config into chain_rpc_opts. */
#ifndef OB_CLI_CHAIN_H
#define OB_CLI_CHAIN_H
#include "ob/chain/rpc.h"

struct ob_config;
/* Fill o from c. urls points into *urls_out (owned by the caller: ob_free). Returns 0 or OB_ENOMEM. */
int cli_chain_opts(struct chain_rpc_opts *o, const char ***urls_out, const struct ob_config *c);
#endif
