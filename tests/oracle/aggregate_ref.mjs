// Property test of obridge's value conversion and median-mad aggregation against an independent
// implementation written from docs/PROTOCOL.md ("Feeds and values", "Aggregation") alone, on BigInt
// and exact fractions.
//
//   node aggregate_ref.mjs --tool BUILD/tests/agg_tool [--sets 10000] [--seed N]
//
// Generates random sets (seeded: --seed, else $OB_TEST_SEED, else a fixed default; the seed is
// printed so a failure replays), feeds them to the tool as JSON lines, computes each here and
// compares every converted value, every outlier flag, the left-out decision and the value.
// Exit 0 when all agree, 1 naming the first sets that differ.
import { spawnSync } from 'node:child_process';

// ---- the reference, from PROTOCOL.md ----
const NUMBER = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;
const INT256_MIN = -(2n ** 255n);
const INT256_MAX = 2n ** 255n - 1n;
const pow10 = (e) => 10n ** BigInt(e);

// floor(a / b) for b > 0
const floorDiv = (a, b) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

// round_half_even(n / d), d > 0
function roundHalfEven(n, d) {
  const q = floorDiv(n, d);
  const r2 = 2n * (n - q * d); // 2 × remainder, in [0, 2d)
  if (r2 > d || (r2 === d && q % 2n !== 0n)) return q + 1n;
  return q;
}

// Exact rational of a JSON number text: [numerator, denominator]
function rational(text) {
  const m = NUMBER.exec(text);
  if (!m) return null;
  const [, sign, int, frac = '', exp = '0'] = m;
  let n = BigInt(int + frac);
  if (sign) n = -n;
  const e = BigInt(exp) - BigInt(frac.length);
  return e >= 0n ? [n * 10n ** e, 1n] : [n, 10n ** -e];
}

// x = round_half_even(value × 10^decimals), or null when it does not count
function convert(text, decimals) {
  const q = rational(text);
  if (!q) return null;
  const x = roundHalfEven(q[0] * pow10(decimals), q[1]);
  return x < INT256_MIN || x > INT256_MAX ? null : x;
}

// fractions {n, d}, d > 0
const frac = (n, d = 1n) => ({ n, d });
const cmpQ = (a, b) => {
  const l = a.n * b.d, r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
const subQ = (a, b) => frac(a.n * b.d - b.n * a.d, a.d * b.d);
const absQ = (a) => frac(a.n < 0n ? -a.n : a.n, a.d);
const mulQ = (a, b) => frac(a.n * b.n, a.d * b.d);
function medianQ(list) {
  const s = [...list].sort(cmpQ);
  const h = s.length >> 1;
  if (s.length % 2) return s[h];
  const a = s[h - 1], b = s[h];
  return frac(a.n * b.d + b.n * a.d, 2n * a.d * b.d); // exact mean
}

function aggregate(xs, kText, quorum) {
  const kq = rational(kText);
  const k = frac(kq[0], kq[1]);
  if (xs.length === 0) return { outlier: [], ok: false, value: null };
  const q = xs.map((x) => frac(x));
  const m = medianQ(q);
  const dev = q.map((x) => absQ(subQ(x, m)));
  const mad = medianQ(dev);
  const limit = mulQ(k, mad);
  const outlier = dev.map((d) => cmpQ(d, limit) > 0);
  const rest = xs.filter((_, i) => !outlier[i]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (rest.length < quorum) return { outlier, ok: false, value: null };
  const h = rest.length >> 1;
  const value = rest.length % 2 ? rest[h] : roundHalfEven(rest[h - 1] + rest[h], 2n);
  return { outlier, ok: true, value };
}

// ---- random sets ----
function rng(seed) {
  // splitmix64: plenty for test data
  let s = BigInt.asUintN(64, BigInt(seed));
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
}

function makeGen(seed) {
  const next = rng(seed);
  const int = (n) => Number(next() % BigInt(n)); // 0..n-1
  const pick = (a) => a[int(a.length)];
  const big = (digits) => {
    let s = String(1 + int(9));
    for (let i = 1; i < digits; i++) s += String(int(10));
    return BigInt(s);
  };
  const expText = (e) => pick(['e', 'E']) + (e < 0 ? '-' + String(-e) : pick(['', '+']) + String(e));
  // Write integer v × 10^-scale as JSON number text in one of several spellings.
  function spell(v, scale) {
    const neg = v < 0n;
    let digits = (neg ? -v : v).toString();
    const sign = neg || (v === 0n && int(8) === 0) ? '-' : '';
    switch (int(4)) {
      case 0: { // plain decimal, maybe with trailing zeros
        const extra = int(3);
        digits += '0'.repeat(extra);
        scale += extra;
        if (scale <= 0) return sign + digits + '0'.repeat(-scale);
        const padded = digits.padStart(scale + 1, '0');
        return sign + padded.slice(0, -scale) + '.' + padded.slice(-scale);
      }
      case 1: // integer digits with an exponent: 123e-5
        return sign + digits + expText(-scale);
      case 2: // one digit before the point: 1.23e-3
        return sign + (digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits) +
          expText(digits.length - 1 - scale);
      default: { // 0.00123e-1
        const z = int(5);
        return sign + '0.' + '0'.repeat(z) + digits + expText(z + digits.length - scale);
      }
    }
  }
  return function set() {
    const decimals = pick([0, 0, 1, 2, 6, 8, 8, 18, 36, int(37)]);
    const n = 1 + int(9);
    const kText = pick(['3', '3', '3', '0', '1', '2', '2.5', '1.5', '0.5', '10', '1e0', '30e-1', '1.3333333333',
      '0.0001', String(int(100))]);
    const quorum = 1 + int(n + 1);
    // a base value as an integer at a random scale
    const scale = pick([0, 2, 8, 18, decimals, decimals + 3, 40]);
    const mode = int(10);
    let base = mode === 0 ? 0n : big(1 + int(mode === 1 ? 80 : 20));
    if (int(3) === 0) base = -base;
    const spread = BigInt(int(4) === 0 ? 0 : 1 + int(1000));
    const values = [];
    for (let i = 0; i < n; i++) {
      let v;
      const r = int(20);
      if (r === 0) v = -base; // far away
      else if (r === 1) v = base * BigInt(1 + int(1000));
      else if (r === 2 && values.length) { values.push(values[int(values.length)]); continue; } // a tie
      else if (r === 3) { // at the edges of int256 (in units of the feed)
        const edge = pick([INT256_MAX, INT256_MIN, INT256_MAX - 1n, INT256_MIN + 1n]);
        values.push({ text: spell(edge * 10n ** 5n + BigInt(int(3) - 1) * 5n * 10n ** 4n, decimals + 5), str: int(2) === 0 });
        continue;
      } else v = base + BigInt(int(2) ? 1 : -1) * (next() % (spread + 1n));
      values.push({ text: spell(v, scale), str: int(3) === 0 });
    }
    if (int(30) === 0) values.push({ text: pick(['1e', '.5', '01', 'abc', '- 1']), str: true });
    return { decimals, kText, quorum, values };
  };
}

const jsonLine = (s) =>
  `{"decimals":${s.decimals},"k":"${s.kText}","quorum":${s.quorum},"values":[` +
  s.values.map((v) => (v.str ? `"${v.text}"` : NUMBER.test(v.text) ? v.text : `"${v.text}"`)).join(',') + ']}';

// ---- main ----
function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const tool = arg('--tool');
const count = Number(arg('--sets', '10000'));
const seed = BigInt(arg('--seed', process.env.OB_TEST_SEED ?? '20251204'));
if (!tool) {
  console.error('usage: node aggregate_ref.mjs --tool PATH [--sets N] [--seed N]');
  process.exit(2);
}
console.log(`aggregate_ref: ${count} sets, seed ${seed} (OB_TEST_SEED=${seed} replays)`);
const gen = makeGen(seed);
const sets = Array.from({ length: count }, gen);
const input = sets.map(jsonLine).join('\n') + '\n';
const r = spawnSync(tool, [], { input, maxBuffer: 1 << 28, encoding: 'utf8' });
if (r.status !== 0) {
  console.error(`agg_tool exited ${r.status}: ${r.stderr}`);
  process.exit(1);
}
const lines = r.stdout.trimEnd().split('\n');
if (lines.length !== sets.length) {
  console.error(`agg_tool answered ${lines.length} lines for ${sets.length} sets`);
  process.exit(1);
}
let bad = 0;
const stats = { leftOut: 0, withOutliers: 0, notCounted: 0, even: 0 };
sets.forEach((s, i) => {
  const xs = s.values.map((v) => convert(v.text, s.decimals));
  const counted = xs.filter((x) => x !== null);
  const ref = aggregate(counted, s.kText, s.quorum);
  let j = 0;
  const want = {
    x: xs.map((x) => (x === null ? null : x.toString())),
    outlier: xs.map((x) => (x === null ? null : ref.outlier[j++])),
    ok: ref.ok,
    value: ref.ok ? ref.value.toString() : null,
  };
  const got = JSON.parse(lines[i]);
  stats.leftOut += !ref.ok;
  stats.withOutliers += ref.outlier.some(Boolean);
  stats.notCounted += xs.length - counted.length;
  stats.even += ref.ok && (ref.outlier.filter((o) => !o).length % 2 === 0);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    if (bad++ < 5) {
      console.error(`set ${i} differs:\n  in:   ${jsonLine(s)}\n  C:    ${lines[i]}\n  node: ${JSON.stringify(want)}`);
    }
  }
});
console.log(`aggregate_ref: ${count - bad} of ${count} sets agree; left out ${stats.leftOut}, with outliers ` +
  `${stats.withOutliers}, even remaining ${stats.even}, values not counted ${stats.notCounted}`);
process.exit(bad ? 1 : 0);
