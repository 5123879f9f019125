#!/usr/bin/env node
// Self-test of the reference modules: node ref_selftest.mjs (aggregate|cid|merkle|document|obridge). Exit 0 when every
// vector holds, 1 naming each that does not.
import crypto, { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { ethers } from 'ethers';
import { toFixed, tryToFixed, aggregate, roundHalfEvenDiv, INT256_MAX, INT256_MIN } from './ref_aggregate.mjs';
import { cidOf, cidEqual, profileOfCid } from './ref_cid.mjs';
import { buildTree } from './ref_commit.mjs';
import { scanJsonText } from './ref_verify.mjs';
import { COMMITMENT_TYPES, domainOf } from './ref_common.mjs';

let failures = 0;
const eq = (got, want, what) => {
  const g = typeof got === 'bigint' || got === null ? String(got) : JSON.stringify(got);
  const w = typeof want === 'bigint' || want === null ? String(want) : JSON.stringify(want);
  if (g !== w) { failures++; console.log(`FAIL ${what}: got ${g}, want ${w}`); }
};

function aggregateVectors() {
  const fx = [['3012.345', 8, 301234500000n], ['0.5', 0, 0n], ['1.5', 0, 2n], ['2.5', 0, 2n], ['-2.5', 0, -2n],
    ['-3.5', 0, -4n], ['0.125', 2, 12n], ['0.135', 2, 14n], ['0.1250000001', 2, 13n], ['1.25e-1', 1, 1n],
    ['3.0124e3', 8, 301240000000n], ['1E+2', 0, 100n], ['-0', 0, 0n], ['-0.4', 0, 0n], ['1e-100', 36, 0n],
    ['0e999999999999999', 0, 0n], ['1.12345678901234567890123456789012345650', 36, 1123456789012345678901234567890123456n],
    ['1.12345678901234567890123456789012345750', 36, 1123456789012345678901234567890123458n],
    ['12345678901234567890.123456789012345678901234567890', 36, BigInt('12345678901234567890' + '123456789012345678901234567890' + '000000')],
    [INT256_MAX.toString(), 0, INT256_MAX], [INT256_MIN.toString(), 0, INT256_MIN],
    ['5.7896044618658097711785492504343953926634992332820282019728792003956564819967e76', 0, INT256_MAX]];
  for (const [t, d, want] of fx) eq(tryToFixed(t, d), want, `toFixed('${t}', ${d})`);
  for (const [t, d] of [[(INT256_MAX + 1n).toString(), 0], [(INT256_MIN - 1n).toString(), 0], ['1e77', 0], ['1e999999999999999', 0],
    ['6e40', 36], ['01', 0], ['+1', 0], ['1.', 0], ['.5', 0], ['1e', 0], ['0x10', 0], [' 1', 0], ['NaN', 0]])
    eq(tryToFixed(t, d), null, `toFixed('${t}', ${d}) refused`);
  eq(roundHalfEvenDiv(-5n, 2n), -2n, '-5/2'); eq(roundHalfEvenDiv(-7n, 2n), -4n, '-7/2'); eq(roundHalfEvenDiv(7n, -2n), -4n, '7/-2');
  const ag = [
    // [xs, opts, value, outliers]
    [[301230000000n, 401230000000n, 301240000000n, 301240000000n], { k: '3', quorum: 2 }, 301240000000n, [false, true, false, false]],
    [[5n, 5n, 5n, 9n], {}, 5n, [false, false, false, true]],             // MAD = 0: only x = m remain
    [[1n, 2n], {}, 2n, [false, false]], [[2n, 3n], {}, 2n, [false, false]], [[-3n, -2n], {}, -2n, [false, false]],
    [[1n, 2n, 3n, 4n, 100n], { k: '3' }, 2n, [false, false, false, false, true]],    // (2+3)/2 = 2.5 -> 2
    // m = 3, |x-m| = 2,1,0,1,97 -> MAD = 1; k = 1.5 keeps 2..4, drops 1 and 100
    [[1n, 2n, 3n, 4n, 100n], { k: '1.5' }, 3n, [true, false, false, false, true]],
    [[1n, 2n, 3n, 4n, 100n], { k: '2e0' }, 2n, [false, false, false, false, true]],     // |1-3| = 2 = 2·MAD: kept
    [[1n, 100n], { quorum: 3 }, null, [false, false]],
    [[10n, 11n, 12n, 13n], {}, 12n, [false, false, false, false]],   // even: (11+12)/2 = 11.5 -> 12
    [[-10n, -11n, -12n, -13n], {}, -12n, [false, false, false, false]],
  ];
  for (const [xs, o, v, out] of ag) {
    const r = aggregate(xs, o);
    eq(r.value, v, `aggregate(${xs.join(',')}, ${JSON.stringify(o)}).value`);
    eq(r.outlier, out, `aggregate(${xs.join(',')}, ${JSON.stringify(o)}).outlier`);
  }
}

function gen(n) {
  const parts = [];
  for (let k = 0n, len = 0; len < n; k++, len += 32) {
    const b = Buffer.alloc(8); b.writeBigUInt64BE(k);
    parts.push(createHash('sha256').update(Buffer.concat([Buffer.from('ipfspeer'), b])).digest());
  }
  return Buffer.concat(parts).subarray(0, n);
}

function cidVectors() {
  // shared/peers/IPFS.md's table (Kubo and js-ipfs agree); larger files were checked by hand.
  const big = gen(1048577);
  const v = [[Buffer.alloc(0), 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'],
    [Buffer.from('hello world\n'), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'],
    [big.subarray(0, 262144), 'QmbsXuYMzxgdzr7PY5uiNUVWb5ZpgtVtU9xYS4kQQbYFUo', 'bafkreifjqdsh2hnkiiad7e6l7azq3osmdo7n3wgajmiu27zkp2zl5mtdom'],
    [big.subarray(0, 262145), 'QmTdUeQcU2KQJCUeQ8NbNteod3WQhnRnredVrvHSN2jzWQ', 'bafkreidlsxyclnvghdbmugufaotcjv4resw7a4lw3no5wi4uklxuiuw53q'],
    [big, 'QmPwfZXAL8GT5WPRWqXzShvQBRAf6cUMJA6Vv93RzyWSTq', 'bafybeihkmyf6qf54asdb4ft7tbylcmpjxo3fh64bit5xdx2jylba7cqchu']];
  for (const [b, v0, v1] of v) {
    eq(cidOf(b, 'unixfs-v0-2015'), v0, `v0 CID of ${b.length} bytes`);
    eq(cidOf(b, 'unixfs-v1-2025'), v1, `v1 CID of ${b.length} bytes`);
    eq(profileOfCid(v0), 'unixfs-v0-2015', `profile of ${v0}`);
    eq(profileOfCid(v1), 'unixfs-v1-2025', `profile of ${v1}`);
  }
  eq(cidEqual('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4', 'BAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4'), true, 'base32 case');
  eq(cidEqual('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'), false, 'different CIDs');
}

function documentTextVectors() {
  eq(scanJsonText('{"a":1,"b":[{"c":"x","d":0}],"e":{}}'), [], 'clean text');
  eq(scanJsonText('{"a":1,"b":[{"c":"x\\"","c":2}]}'), ["duplicate key 'c' in /b/0"], 'duplicate key');
  eq(scanJsonText('{"round":1.0,"t":1e3,"u":-1,"v":01}'), ['number 1.0 at /round is not written as an unsigned integer',
    'number 1e3 at /t is not written as an unsigned integer', 'number -1 at /u is not written as an unsigned integer',
    'number 01 at /v is not written as an unsigned integer'], 'numbers');
}

function merkleVectors() {
  // Own construction vs OpenZeppelin: every size 1..40 and a few larger, root and every proof.
  let seed = 1n;
  const rnd = () => { seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n); return seed; };
  for (const n of [...Array.from({ length: 40 }, (_, i) => i + 1), 127, 128, 129, 1000]) {
    const values = Array.from({ length: n }, (_, i) => [ethers.keccak256(ethers.toUtf8Bytes('F' + i + ':' + rnd())),
      (rnd() << 100n) * (i % 2 ? -1n : 1n), Number(rnd() % 37n), Number(rnd() % (1n << 40n))]);
    const own = buildTree(values), oz = StandardMerkleTree.of(values, ['bytes32', 'int256', 'uint8', 'uint64']);
    eq(own.root, oz.root, `root of ${n} leaves`);
    values.forEach((_, i) => eq(own.proofs[i], oz.getProof(i), `proof ${i} of ${n} leaves`));
  }
}

// Against obridge's own offline tools (OBRIDGE = the binary): the EIP-712 Commitment digest and signature,
// and UnixFS CIDs of multi-chunk files. Agreement of two independent implementations, both ways.
function obridgeVectors() {
  const bin = process.env.OBRIDGE;
  if (!bin) { console.log('FAIL: OBRIDGE is not set'); failures++; return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refself.'));
  try {
    const rnd = (n) => crypto.randomBytes(n);
    const wallet = new ethers.Wallet(ethers.hexlify(rnd(32)));
    fs.writeFileSync(path.join(dir, 'ks.json'), wallet.encryptSync('pw'));
    fs.writeFileSync(path.join(dir, 'pw'), 'pw');
    for (let t = 0; t < 12; t++) {
      const u = (bits) => BigInt(ethers.hexlify(rnd(bits / 8)));
      const chainId = t === 0 ? 31337n : u(32) + 1n;
      const registry = ethers.getAddress(ethers.hexlify(rnd(20)));
      const cid = t % 2 ? cidOf(rnd(100 + t), 'unixfs-v1-2025') : cidOf(rnd(100 + t), 'unixfs-v0-2015');
      const value = { round: t === 1 ? 2n ** 64n - 1n : u(64), root: ethers.hexlify(rnd(32)), cid,
        timestamp: u(32), count: t === 2 ? 2n ** 32n - 1n : u(32) || 1n };
      const domain = domainOf(chainId, registry);
      const json = { types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }], ...COMMITMENT_TYPES },
        primaryType: 'Commitment', domain: { ...domain, chainId: chainId.toString() },
        message: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])) };
      const f = path.join(dir, `c${t}.json`);
      fs.writeFileSync(f, JSON.stringify(json));
      const want = ethers.TypedDataEncoder.hash(domain, COMMITMENT_TYPES, value);
      const got = JSON.parse(execFileSync(bin, ['util', 'typed-data-hash', f, '--json'], { encoding: 'utf8' })).digest;
      eq(got, want, `Commitment digest ${t}`);
      if (t < 4) {
        const sig = JSON.parse(execFileSync(bin, ['util', 'sign-typed-data', '--keystore', path.join(dir, 'ks.json'),
          '--password-file', path.join(dir, 'pw'), f, '--json'], { encoding: 'utf8' })).signature;
        eq(sig, wallet.signingKey.sign(want).serialized, `Commitment signature ${t}`);
      }
    }
    // CIDs: chunk and link boundaries (v0 gets a second level at 175 chunks).
    const sizes = [['unixfs-v0-2015', 262143], ['unixfs-v0-2015', 262145], ['unixfs-v0-2015', 174 * 262144],
      ['unixfs-v0-2015', 174 * 262144 + 1], ['unixfs-v1-2025', 1048575], ['unixfs-v1-2025', 1048577],
      ['unixfs-v1-2025', 3 * 1048576 + 17]];
    for (const [p, n] of sizes) {
      const b = rnd(n), f = path.join(dir, 'blob');
      fs.writeFileSync(f, b);
      const mine = cidOf(b, p);
      try { execFileSync(bin, ['cid', f, '--profile', p, '--check', mine], { stdio: 'pipe' }); }
      catch (e) { failures++; console.log(`FAIL obridge cid --check ${mine} (${p}, ${n} bytes): ${String(e.stderr || e.stdout).trim()}`); }
    }
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
}

const which = process.argv[2];
({ aggregate: aggregateVectors, cid: cidVectors, merkle: merkleVectors, document: documentTextVectors, obridge: obridgeVectors }[which] || (() => { console.log('usage: ref_selftest.mjs aggregate|cid|merkle|document|obridge'); process.exit(2); }))();
console.log(failures ? `${failures} failures` : `ok ${which}`);
process.exitCode = failures ? 1 : 0;
