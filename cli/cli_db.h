/* Open the configured database for a command. On failure prints the error, sets *exit_code and
 * returns -1. */
#ifndef OB_CLI_DB_H
#define OB_CLI_DB_H
struct cli;
struct db;
int cli_db_open(struct cli *cli, struct db **db, int *exit_code);
#endif
