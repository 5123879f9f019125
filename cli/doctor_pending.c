/* Checks whose clients are still being built: they fail honestly until then.
 * NEEDSWORK: replaced by doctor_ipfs (storage issue) and doctor_keystore (chain primitives issue). */
#include "cli_doctor.h"
#include "ob/core/err.h"

int doctor_ipfs(const struct ob_config *c, struct doctor_result *r) {
  doctor_set(r, OB_EUNSUP, "this build has no IPFS client yet");
  doctor_fix(r, "build an obridge with the storage client");
  return 0;
}

int doctor_keystore(const struct ob_config *c, struct doctor_result *r) {
  doctor_set(r, OB_EUNSUP, "this build cannot open keystores yet");
  doctor_fix(r, "build an obridge with the chain primitives");
  return 0;
}
