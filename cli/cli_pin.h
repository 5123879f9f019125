/* Pinning from other commands through the pin queue, and the pin worker as `obridge run` starts
 * it (cmd_pin.c). */
#ifndef OB_CLI_PIN_H
#define OB_CLI_PIN_H
#include <stdbool.h>
#include <stddef.h>

#include "ob/core/err.h"
struct cli;
/* The body of one forked worker process: process the queue until SIGTERM (or the death of parent,
 * the daemon's pid). Returns the exit code. */
int cli_pin_worker_child(struct cli *cli, long parent);
/* Pin path (a file, or with dir a directory as `add -r`) with the unixfs-v1-2025 profile through
 * the PostgreSQL pin queue, in the foreground: the worker uploads it while computing the CID locally
 * and checks the node's against it. cid gets the confirmed CID. 0 or an OB_E* code. */
int cli_pin_path_wait(struct cli *cli, const char *path, bool dir, const char *name, char *cid, size_t cidcap,
                      struct ob_err *err);
#endif
