/* The progress bar of commands that move bytes (pin add, model fetch). */
#ifndef OB_CLI_BAR_H
#define OB_CLI_BAR_H
#include <stdbool.h>
#include <stdint.h>

/* The progress bar on stderr (a terminal): the file's name, bytes, percent, rate, ETA. A log line
 * written while it is drawn first clears it (ob_log_set_before_write), so no line lands on it. */
struct cli_bar {
  bool on, drawn;
  uint64_t t0, last;
  const char *name;
};
/* Draw (at most every 200 ms, and at the end): ud is a struct cli_bar; total < 0 when unknown. */
void cli_bar_progress(void *ud, uint64_t bytes, int64_t total);
/* Erase the bar (before a log line: ob_log_set_before_write(cli_bar_clear, &bar)). */
void cli_bar_clear(void *ud);
#endif
