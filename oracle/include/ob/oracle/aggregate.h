/* median-mad: the protocol's aggregation, in exact integer arithmetic (docs/PROTOCOL.md
 * "Aggregation").
 *
 * Given the counted source values x (int256 at the feed's decimals):
 *   m   = median of x (even count: the exact mean of the two middle values, which may end in .5);
 *   MAD = median of |x - m|, exact (it may end in .25, .5 or .75);
 *   x is an outlier iff |x - m| > k × MAD (k an exact non-negative decimal; MAD = 0 keeps only x = m);
 *   fewer than `quorum` remaining: the feed is left out of the round, with the reason;
 *   else value = median of the remaining x, an even count's mean rounded half-even.
 * Internally every quantity is an exact integer in units of 1/4 of the feed's last place, on a
 * 1024-bit scratch number, so nothing is ever rounded before the last step.
 * err may be NULL. Nothing keeps state; calls may run on any thread. */
#ifndef OB_ORACLE_AGGREGATE_H
#define OB_ORACLE_AGGREGATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"
struct ob_err;

#define ORACLE_K_DEFAULT "3"
/* Limits on k (obridge's, documented in docs/PROTOCOL.md): at most 64 significant digits, and
 * k = 0 or 10^-64 <= k < 10^64. The canonical text is plain decimal, at most ~130 bytes. */
#define ORACLE_K_DIGITS_MAX 64
#define ORACLE_K_TEXT_MAX 136

/* An exact k = mant × 10^exp10 (mant without trailing zeros; zero is mant 0, exp10 0). */
struct oracle_k {
  struct chain_u256 mant;
  int exp10;
  char text[ORACLE_K_TEXT_MAX]; /* canonical: "3", "2.5", "0.001"; no exponent, no trailing zeros */
};

/* Parse k: JSON number grammar without a sign ("3", "2.5", "25e-1"); text must be NUL-free.
 * Returns: 0; OB_EPARSE "k: expected a JSON number without a sign, got 'x'"; OB_ELIMIT "k 'x' is
 * out of obridge's range (...)". Out: *k written only on success. Never allocates. */
int oracle_k_parse(struct oracle_k *k, const char *text, struct ob_err *err);

struct oracle_agg {
  bool ok;                 /* true: value holds the aggregate; false: left out, reason says why */
  struct chain_u256 value; /* int256 at the feed's decimals */
  size_t counted;          /* n given */
  size_t remaining;        /* not outliers */
  char reason[256];        /* when !ok: "2 of 5 source values remain after the outlier rule, quorum is 3" */
};

/* Aggregate x[0..n) (int256, borrowed for the call). outlier[0..n) (caller array, may be NULL
 * when n is 0) receives each value's outlier flag. n = 0 is a left-out feed, not an error.
 * Allocates scratch (freed before return).
 * Returns: 0 (see res->ok); OB_EINVAL if quorum is 0 or k is NULL; OB_ENOMEM. */
int oracle_aggregate(struct oracle_agg *res, bool *outlier, const struct chain_u256 *x, size_t n,
                     const struct oracle_k *k, uint32_t quorum, struct ob_err *err);
#endif
