/* The daemon's round pipeline (cmd_run_round.c): a struct node_round_hook that runs
 * node_oracle_round with the config's feeds and keys, fenced by the leader's lease token. */
#ifndef OB_CLI_RUN_ROUND_H
#define OB_CLI_RUN_ROUND_H
#include "ob/core/err.h"

struct cli;
struct cli_round;
struct node_round_hook;

/* Fill h (its ud is *out). Feeds and keys are loaded at the first round, the transaction manager for each round
 * (again after the hook's reload). cli is borrowed until cli_round_hook_free, which must run before
 * the daemon's db, loop and rpc are freed. */
int cli_round_hook_new(struct cli_round **out, struct node_round_hook *h, struct cli *cli, struct ob_err *err);
void cli_round_hook_free(struct cli_round *r); /* NULL is a no-op */
#endif
