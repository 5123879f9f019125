/* The checks of `obridge doctor`. Each area's check lives beside the code that talks to that
 * peer (doctor_chain in cmd_chain.c, doctor_ipfs in cmd_pin.c, doctor_keystore in cmd_key.c). */
#ifndef OB_CLI_DOCTOR_H
#define OB_CLI_DOCTOR_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ob_config;
struct doctor_result {
  const char *name;
  bool ran;
  bool skipped;    /* not run: a check it depends on failed */
  uint64_t elapsed_ms;
  int code;        /* 0 ok, else OB_E*: EUNREACH/ETIMEDOUT mean a peer is down */
  char detail[512];
  char fix[256];
};
#define doctor_set(r, c, ...) ((r)->code = (c), snprintf((r)->detail, sizeof((r)->detail), __VA_ARGS__))
#define doctor_fix(r, ...) snprintf((r)->fix, sizeof((r)->fix), __VA_ARGS__)

int doctor_chain(const struct ob_config *c, struct doctor_result *r);
int doctor_ipfs(const struct ob_config *c, struct doctor_result *r);
int doctor_keystore(const struct ob_config *c, struct doctor_result *r);
#endif
