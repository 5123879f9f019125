/* The tx subcommands that drive the transaction manager (cmd_tx_manage.c); cmd_tx.c lists them
 * beside the offline ones (sign, decode). */
#ifndef OB_CLI_TX_H
#define OB_CLI_TX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "ob/core/u256.h"
extern const struct cli_cmd cli_tx_send;
extern const struct cli_cmd cli_tx_run;
extern const struct cli_cmd cli_tx_ls;
extern const struct cli_cmd cli_tx_show;

/* The transaction fields tx send and tx sign share, read by one parser (cmd_tx.c). Amounts take
 * units: --value 1ether | 1.5gwei | 100wei | 0x… | plain wei; fee flags are in gwei unless a unit
 * says otherwise (--max-fee 30, --max-fee 1.5gwei, --max-fee 2000000000wei). --gas is an alias of
 * --gas-limit. Put CLI_TX_FIELD_OPTS in the command's option table. */
#define CLI_TX_FIELD_OPTS                                                                                   \
  {"to", CLI_VALUE, "ADDR", "recipient, 0x… (EIP-55 or one case); omit to create a contract (tx sign)"}, \
  {"value", CLI_VALUE, "AMOUNT", "value: 1ether, 1.5gwei, 100wei, 0x… or plain wei (default 0)"},        \
  {"data", CLI_VALUE, "HEX", "calldata or init code, 0x…"},                                              \
  {"gas-limit", CLI_VALUE, "N", "gas limit"},                                                             \
  {"gas", CLI_VALUE, "N", "alias of --gas-limit"},                                                        \
  {"gas-price", CLI_VALUE, "GWEI", "legacy gas price (gwei, or with a unit)"},                            \
  {"max-fee", CLI_VALUE, "GWEI", "EIP-1559 maxFeePerGas (gwei, or with a unit)"},                         \
  {"priority-fee", CLI_VALUE, "GWEI", "EIP-1559 maxPriorityFeePerGas (gwei, or with a unit)"}
struct cli_tx_fields {
  bool has_to;
  uint8_t to[20];
  struct chain_u256 value;
  uint8_t *data; /* owned: cli_tx_fields_free */
  size_t data_len;
  bool has_gas_limit, has_gas_price, has_max_fee, has_priority_fee;
  uint64_t gas_limit;
  struct chain_u256 gas_price, max_fee, priority_fee; /* wei */
};
/* Read the CLI_TX_FIELD_OPTS of opts. Returns 0 or OB_EUSAGE / OB_EPARSE / OB_ELIMIT naming the flag. */
int cli_tx_fields_parse(struct cli_tx_fields *f, struct cli_opt *opts, struct ob_err *err);
void cli_tx_fields_free(struct cli_tx_fields *f);
#endif
