/* The EIP-712 subcommands of `obridge util` (defined in cmd_util_sign.c, listed in cmd_util.c). */
#ifndef OB_CLI_UTIL_SIGN_H
#define OB_CLI_UTIL_SIGN_H
#include "cli.h"

extern const struct cli_cmd cli_util_typed_data_hash_cmd;
extern const struct cli_cmd cli_util_sign_typed_data_cmd;
#endif
