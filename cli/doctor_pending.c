/* Checks whose clients are still being built: they fail honestly until then.
 * NEEDSWORK: replaced by doctor_chain (chain connection issue) and doctor_ipfs (storage issue);
 * doctor_keystore is real now, in cmd_key.c. */
#include "cli_doctor.h"
#include "ob/core/err.h"

int doctor_chain(const struct ob_config *c, struct doctor_result *r) {
  doctor_set(r, OB_EUNSUP, "this build has no chain client yet");
  doctor_fix(r, "build an obridge with the chain connection");
  return 0;
}

int doctor_ipfs(const struct ob_config *c, struct doctor_result *r) {
  doctor_set(r, OB_EUNSUP, "this build has no IPFS client yet");
  doctor_fix(r, "build an obridge with the storage client");
  return 0;
}
