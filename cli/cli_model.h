/* What the model commands share (cmd_model.c: fetch and the files; cmd_model_index.c: pin, the
 * index entry, ls/show/verify/get). */
#ifndef OB_CLI_MODEL_H
#define OB_CLI_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/models/fetch.h"
#include "ob/models/safetensors.h"

struct cli_model_fetch {
  /* in */
  const char **urls;
  const char **sha256; /* n entries, NULL where none given */
  size_t n;
  const char *dir;     /* STAGING/NAME@VERSION */
  const char *label;   /* NAME@VERSION, for the progress bar */
  unsigned parallel;
  bool buffered_io;          /* --buffered-io: no O_DIRECT */
  uint64_t max_bytes;
  bool json;
  /* out (owned; cli_model_fetch_release) */
  struct model_fetch_file *files;
  char **paths;
  struct model_st_summary *st;
  bool *is_st;
  /* out of cli_model_publish */
  char cid[128], sha256_hex[67], registry[43], tx_hash[67];
  uint64_t total_size;
};

/* The flags of the publish steps. */
struct cli_model_opts {
  const char *registry, *key_file, *signer_files;
  uint64_t timeout_s;
};

int cli_model_ident_check(const char *what, const char *s, struct ob_err *err);
int cli_model_fetch_files(struct cli_model_fetch *mf, struct ob_err *err);
void cli_model_fetch_release(struct cli_model_fetch *mf);
void cli_model_files_json(struct ob_jw *w, const struct cli_model_fetch *mf);
void cli_model_files_text(const struct cli_model_fetch *mf);
/* The steps after the fetch (pin, sign, register: cmd_model_index.c); 0 or -1 with *exit_code set. */
struct cli;
int cli_model_publish(struct cli *cli, struct cli_model_fetch *mf, const char *name, const char *version,
                      const struct cli_model_opts *mo, int *exit_code);
/* The index subcommands (cmd_model_index.c), spliced into the model command's table. */
struct cli_cmd;
extern const struct cli_cmd cli_cmd_model_ls, cli_cmd_model_show, cli_cmd_model_verify, cli_cmd_model_get;
#define CLI_MODEL_INDEX_CMDS &cli_cmd_model_ls, &cli_cmd_model_show, &cli_cmd_model_verify, &cli_cmd_model_get,
#endif
