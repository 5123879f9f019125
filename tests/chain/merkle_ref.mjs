// Differential test: obridge's Merkle tree (tests/chain/merkle_tool.c) against
// @openzeppelin/merkle-tree's StandardMerkleTree with leaf types ["bytes32","int256","uint8","uint64"].
//
//   node merkle_ref.mjs --tool BUILD/tests/merkle_tool [--trees 1000] [--max-leaves 5000 | --exact N] [--seed N]
//   node merkle_ref.mjs --tool BUILD/tests/merkle_tool --sizes 2,3,4   (one tree of each size)
//
// Both sides draw the same leaves from one splitmix64 stream (seed from --seed, else
// $OB_TEST_SEED, else a fixed default; printed, so a failure replays). For every tree the root
// and a keccak256 digest over every proof (input-leaf order, one length byte then the siblings)
// must be equal; on a difference the first differing proof is printed. Exit 0 / 1.
import { spawnSync } from 'node:child_process';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { getProof } from '@openzeppelin/merkle-tree/dist/core.js';
import { keccak256, getBytes, concat, toBeHex } from 'ethers';

const TYPES = ['bytes32', 'int256', 'uint8', 'uint64'];
const MASK64 = (1n << 64n) - 1n;

function rng(seed) {
  let s = BigInt.asUintN(64, BigInt(seed));
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & MASK64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

// The same draws as merkle_tool.c's next_tree.
function nextTree(next, maxLeaves, exact) {
  const word = () => (next() << 192n) | (next() << 128n) | (next() << 64n) | next();
  let n = exact ? BigInt(exact) : 0n;
  if (!n && next() % 4n === 0n) n = 1n + (next() % 8n);
  if (!n) {
    const cap = 1n + (next() % BigInt(maxLeaves));
    n = 1n + (next() % cap);
  }
  const leaves = [];
  for (let i = 0; i < Number(n); i++) {
    if (next() % 64n === 0n && i > 0) {
      leaves.push(leaves[Number(next() % BigInt(i))]);
      continue;
    }
    const id = toBeHex(word(), 32);
    const value = BigInt.asIntN(256, word()).toString();
    const decimals = Number(next() & 0xffn);
    const observedAt = next().toString();
    leaves.push([id, value, decimals, observedAt]);
  }
  return leaves;
}

// OpenZeppelin's proof of value i: tree.getProof(i) is core getProof at the value's tree index
// plus a re-verification that costs more than building the tree, so the public call (and
// StandardMerkleTree.verify) is used for a few leaves per tree and core getProof for the rest.
function ozProof(tree, i, n) {
  if (i > 3 && i < n - 2) return getProof(tree.tree, tree.values[i].treeIndex);
  const p = tree.getProof(i);
  if (!StandardMerkleTree.verify(tree.root, TYPES, tree.values[i].value, p)) throw new Error(`OZ proof ${i} does not verify`);
  return p;
}

function proofsDigest(tree, n) {
  const parts = [];
  for (let i = 0; i < n; i++) {
    const p = ozProof(tree, i, n);
    parts.push(new Uint8Array([p.length]), ...p.map((h) => getBytes(h)));
  }
  return keccak256(concat(parts));
}

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const tool = arg('--tool');
const trees = Number(arg('--trees', '1000'));
const maxLeaves = Number(arg('--max-leaves', '5000'));
const exact = Number(arg('--exact', '0')); // every tree exactly this many leaves
const seed = BigInt(arg('--seed', process.env.OB_TEST_SEED ?? '1764806400'));
if (!tool) {
  console.error('usage: node merkle_ref.mjs --tool PATH [--trees N] [--max-leaves N] [--seed N]');
  process.exit(2);
}
// One run: `trees` trees from one stream; returns [bad, proofs, leaves, ms in C, ms in OZ].
function runOne(seed, trees, maxLeaves, exact) {
  console.log(`merkle_ref: ${trees} trees of ${exact || `1 to ${maxLeaves}`} leaves, seed ${seed} (OB_TEST_SEED=${seed} replays)`);
  const t0 = Date.now();
  const sizeArg = exact ? `exact:${exact}` : String(maxLeaves);
  const r = spawnSync(tool, [String(seed), String(trees), sizeArg], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const tC = Date.now() - t0;
  if (r.status !== 0) {
    console.error(`merkle_tool exited ${r.status}: ${r.stderr}`);
    process.exit(1);
  }
  const lines = r.stdout.trimEnd().split('\n');
  const next = rng(seed);
  let bad = 0, leavesTotal = 0;
  const t1 = Date.now();
  for (let t = 0; t < trees; t++) {
    const leaves = nextTree(next, maxLeaves, exact);
    const tree = StandardMerkleTree.of(leaves, TYPES);
    const want = `${leaves.length} ${tree.root} ${proofsDigest(tree, leaves.length)}`;
    leavesTotal += leaves.length;
    if (lines[t] === want) continue;
    bad++;
    console.error(`tree ${t} differs:\n  obridge: ${lines[t]}\n  OZ:      ${want}`);
    const dump = spawnSync(tool, [String(seed), String(t + 1), sizeArg, String(t)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const got = dump.stdout.split('\n').filter((l) => /^\d+:/.test(l));
    for (let i = 0; i < leaves.length; i++) {
      const p = `${i}:${ozProof(tree, i, leaves.length).map((h, j) => (j ? ',' : ' ') + h).join('')}`;
      if (got[i] !== p) {
        console.error(`  first differing proof, leaf ${i} ${JSON.stringify(leaves[i])}:\n    obridge ${got[i]}\n    OZ      ${p}`);
        break;
      }
    }
    if (bad >= 3) break;
  }
  return [bad, leavesTotal, leavesTotal, tC, Date.now() - t1];
}

// --sizes 2,3,4: one tree of exactly each size (seeded by the size), all in this process.
const sizes = arg('--sizes', '') ? arg('--sizes').split(',').map(Number) : null;
const runs = sizes ? sizes.map((n) => [BigInt(n), 1, n, n]) : [[seed, trees, maxLeaves, exact]];
const total = [0, 0, 0, 0, 0];
for (const [s, t, m, e] of runs) runOne(s, t, m, e).forEach((v, i) => { total[i] += v; });
const [bad, proofsTotal, leavesTotal, tC, tNode] = total;
console.log(`merkle_ref: ${bad ? 'MISMATCH' : 'all equal'}: ${runs.length > 1 ? runs.length : trees} roots, ${proofsTotal} proofs over ${leavesTotal} leaves ` +
  `(obridge ${tC} ms, OpenZeppelin ${tNode} ms)`);
process.exit(bad ? 1 : 0);
