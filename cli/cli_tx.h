/* The tx subcommands that drive the transaction manager (cmd_tx_manage.c); cmd_tx.c lists them
 * beside the offline ones (sign, decode). */
#ifndef OB_CLI_TX_H
#define OB_CLI_TX_H
#include "cli.h"
extern const struct cli_cmd cli_tx_send;
extern const struct cli_cmd cli_tx_run;
extern const struct cli_cmd cli_tx_ls;
extern const struct cli_cmd cli_tx_show;
#endif
