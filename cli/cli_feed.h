/* What the feed commands share (cli/cmd_feed.c and the files of later `feed` subcommands):
 * loading the feeds of the config, the fetcher's options, and the `feed` subcommand table.
 *
 * To add `obridge feed NAME`: define `const struct cli_cmd cli_cmd_feed_NAME` in its own
 * cli/cmd_feed_NAME.c, declare it below, and add it to feed_subs[] in cmd_feed.c. */
#ifndef OB_CLI_FEED_H
#define OB_CLI_FEED_H
#include "cli.h"

struct ob_config;
struct oracle_feedset;
struct oracle_fetch_opts;

/* The feeds of the config: oracle.feeds, then every *.json file of oracle.feeds_dir
 * ($OBRIDGE_FEEDS_DIR), all or nothing: fs (initialised) is replaced on success, unchanged on
 * error. Errors name the JSON path
 * ("config 'x.json': .oracle.feeds[1].quorum: …", "DIR/a.json: feeds[0].sources[2].url: …").
 * Returns 0 or the code of the first error (exit code 2 through cli_feeds_exit). */
int cli_feeds_load(const struct ob_config *c, struct oracle_feedset *fs, struct ob_err *err);
/* Check every feed (config check): each error is printed "obridge: error: MSG" on stderr. Returns
 * the number of errors. */
size_t cli_feeds_check(const struct ob_config *c, size_t *nfeeds);
/* The exit code of a cli_feeds_load error: 2 (bad config), or 1 for out of memory. */
int cli_feeds_exit(int code);

/* The fetcher's options from the config (oracle.ca_file, oracle.max_per_host). */
void cli_fetch_opts(struct oracle_fetch_opts *o, const struct ob_config *c);

/* `feed` subcommands defined outside cmd_feed.c go here. */
extern const struct cli_cmd cli_cmd_feed_run;  /* cmd_feed_run.c: feed run --once */
extern const struct cli_cmd cli_cmd_feed_show; /* cmd_feed_show.c: feed show NAME */
#endif
