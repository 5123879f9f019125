/* Checks whose clients are still being built: they fail honestly until then.
 * NEEDSWORK: replaced by doctor_chain (chain connection issue); doctor_keystore is real now, in
 * cmd_key.c, and doctor_ipfs in cmd_pin.c. */
#include "cli_doctor.h"
#include "ob/core/err.h"

int doctor_chain(const struct ob_config *c, struct doctor_result *r) {
  doctor_set(r, OB_EUNSUP, "this build has no chain client yet");
  doctor_fix(r, "build an obridge with the chain connection");
  return 0;
}
