// The @openzeppelin/merkle-tree baseline of bench_merkle: the same leaves (see bench/merkle.c),
// StandardMerkleTree.of and getProof of every leaf, repeated.
//   node merkle.mjs [LEAVES] [REPEATS] -> "root ms_per_tree cpu_ms_per_tree"
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { keccak256, toUtf8Bytes } from 'ethers';

const n = Number(process.argv[2] ?? 10000), reps = Number(process.argv[3] ?? 3);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let root;
for (let r = 0; r < reps; r++) {
  const values = [];
  for (let i = 0; i < n; i++) {
    const v = BigInt(i) * 1000003n + 7n;
    values.push([keccak256(toUtf8Bytes(`feed-${i}`)), (i % 3 === 0 ? -v : v).toString(), 8, String(1764000000 + i)]);
  }
  const tree = StandardMerkleTree.of(values, ['bytes32', 'int256', 'uint8', 'uint64']);
  for (let i = 0; i < n; i++) tree.getProof(i);
  root = tree.root;
}
const ms = (performance.now() - t0) / reps;
const cpu = process.cpuUsage(cpu0);
console.log(`${root} ${ms.toFixed(2)} ${((cpu.user + cpu.system) / 1000 / reps).toFixed(2)}`);
