// Reference arithmetic of obridge protocol v1 (docs/PROTOCOL.md "Feeds and values" and
// "Aggregation (median-mad)"), written from the protocol text alone, in exact BigInt arithmetic.
// Used by ref_commit.mjs and ref_verify.mjs; importable by any other test (ESM):
//
//   import { toFixed, aggregate, parseK, canonicalInt, INT256_MIN, INT256_MAX } from './ref_aggregate.mjs';
//
//   toFixed(text, decimals)      decimal text (JSON number grammar, exponents allowed) -> BigInt
//                                round_half_even(text × 10^decimals); throws RefError when the text is not
//                                a JSON number or the result is outside int256.
//   tryToFixed(text, decimals)   same, but returns null instead of throwing (an x that "does not count").
//   aggregate(xs, {k, quorum})   median-mad over BigInt xs (already converted); k is an exact decimal string
//                                (default "3"), quorum an integer ≥ 1 (default 1). Returns
//                                { value: BigInt|null, outlier: bool[] (same order as xs), kept, median2,
//                                  mad4, reason }: value is null when fewer than quorum remain (reason says
//                                why). median2 = 2·m and mad4 = 4·MAD, both exact integers.
//   roundHalfEvenDiv(n, d)       n / d rounded half-even (BigInt, d ≠ 0).
//   canonicalInt(s)              true when s is a canonical decimal integer string (no leading zeros, no
//                                '+', no '-0').
//   parseK(s)                    {num, den} of an exact unsigned decimal in JSON number grammar.
//   checkFeedName(name)          null when valid, else the reason.

export const INT256_MIN = -(1n << 255n);
export const INT256_MAX = (1n << 255n) - 1n;
export const MAX_SAFE = 2n ** 53n - 1n;

export class RefError extends Error {}

const NUMBER_RE = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

export function canonicalInt(s) {
  return typeof s === 'string' && /^(0|-?[1-9][0-9]*)$/.test(s);
}

export function checkFeedName(name) {
  if (typeof name !== 'string') return 'name is not a string';
  const n = Buffer.byteLength(name, 'utf8');
  if (n < 1 || n > 64) return `name is ${n} bytes (1 to 64 allowed)`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:-]*$/.test(name)) return `name '${name}' has a character outside [A-Za-z0-9._/:-] or does not start with a letter or digit`;
  return null;
}

// n / d rounded half to even, exact, any signs (d ≠ 0).
export function roundHalfEvenDiv(n, d) {
  if (d === 0n) throw new RefError('division by zero');
  if (d < 0n) { n = -n; d = -d; }
  let q = n / d;           // truncates toward zero
  let r = n % d;           // same sign as n
  if (r === 0n) return q;
  // floor division
  if (r < 0n) { q -= 1n; r += d; }
  const twice = 2n * r;
  if (twice > d || (twice === d && (q & 1n) !== 0n)) q += 1n;
  return q;
}

// Decimal text -> {neg, digits: BigInt, exp: BigInt} with value = ±digits × 10^exp.
function parseDecimal(text) {
  if (typeof text !== 'string') throw new RefError(`value ${JSON.stringify(text)} is not decimal text`);
  const m = NUMBER_RE.exec(text);
  if (!m) throw new RefError(`'${text}' is not a decimal number`);
  const frac = m[3] || '';
  const digits = BigInt(m[2] + frac);
  let exp = -BigInt(frac.length);
  if (m[4] !== undefined) {
    // An exponent this large only matters for zero (anything else overflows int256 or rounds to 0).
    if (m[4].replace(/^[+-]?0*/, '').length > 12) {
      if (digits === 0n) return { neg: false, digits: 0n, exp: 0n };
      const e = m[4].startsWith('-') ? -1n : 1n;
      return { neg: m[1] === '-', digits, exp: e * 10n ** 13n };
    }
    exp += BigInt(m[4]);
  }
  return { neg: m[1] === '-' && digits !== 0n, digits, exp };
}

// round_half_even(text × 10^decimals) as a BigInt, or throws RefError (not a number, outside int256).
export function toFixed(text, decimals) {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) throw new RefError(`decimals ${decimals} outside 0..36`);
  const { neg, digits, exp } = parseDecimal(text);
  const e = exp + BigInt(decimals);
  let x;
  if (digits === 0n) x = 0n;
  else if (e >= 0n) {
    if (e > 80n) throw new RefError(`'${text}' with ${decimals} decimals does not fit int256`);
    x = digits * 10n ** e;
  } else {
    const shift = -e;
    const len = BigInt(digits.toString().length);
    if (shift > len + 1n) x = 0n;      // |value| < 0.1: rounds to 0
    else x = roundHalfEvenDiv(digits, 10n ** shift);
  }
  if (neg) x = -x;
  if (x < INT256_MIN || x > INT256_MAX) throw new RefError(`'${text}' with ${decimals} decimals does not fit int256`);
  return x;
}

export function tryToFixed(text, decimals) {
  try { return toFixed(text, decimals); } catch (e) { if (e instanceof RefError) return null; throw e; }
}

// Exact unsigned decimal k -> {num, den} (den a power of ten).
export function parseK(k) {
  if (typeof k !== 'string') throw new RefError(`aggregation.k ${JSON.stringify(k)} is not a string`);
  if (k.startsWith('-')) throw new RefError(`aggregation.k '${k}' has a sign`);
  const { digits, exp } = parseDecimal(k);
  if (exp > 1000n || exp < -1000n) throw new RefError(`aggregation.k '${k}' exponent out of range`);
  return exp >= 0n ? { num: digits * 10n ** exp, den: 1n } : { num: digits, den: 10n ** -exp };
}

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const abs = (a) => (a < 0n ? -a : a);

// 2 × median of a sorted BigInt array (exact).
function median2(sorted) {
  const n = sorted.length, h = n >> 1;
  return n % 2 ? 2n * sorted[h] : sorted[h - 1] + sorted[h];
}

export function aggregate(xs, { k = '3', quorum = 1 } = {}) {
  if (!Number.isInteger(quorum) || quorum < 1) throw new RefError(`aggregation.quorum ${quorum} is not an integer ≥ 1`);
  const { num: kn, den: kd } = parseK(k);
  const outlier = xs.map(() => false);
  if (xs.length === 0) return { value: null, outlier, kept: 0, median2: null, mad4: null, reason: 'no observations counted' };
  const sorted = [...xs].sort(cmp);
  const m2 = median2(sorted);                              // 2m
  const d2 = xs.map((x) => abs(2n * x - m2)).sort(cmp);    // 2|x − m|
  const mad4 = median2(d2);                                // 4·MAD
  // |x − m| > k·MAD  ⇔  4|x − m|·kd > kn·(4·MAD)
  const kept = [];
  xs.forEach((x, i) => {
    const d4 = 2n * abs(2n * x - m2);
    if (d4 * kd > kn * mad4) outlier[i] = true; else kept.push(x);
  });
  if (kept.length < quorum) {
    return { value: null, outlier, kept: kept.length, median2: m2, mad4,
      reason: `${kept.length} of ${xs.length} observations remain after the outlier rule, quorum is ${quorum}` };
  }
  kept.sort(cmp);
  const value = roundHalfEvenDiv(median2(kept), 2n);
  return { value, outlier, kept: kept.length, median2: m2, mad4, reason: null };
}
