// Gas of `commit` for ObridgeRegistry and the Straightforward baseline, measured in one run on one chain:
//   node gas.mjs RPC_HTTP_URL REGISTRY.bin STRAIGHTFORWARD.bin
// For 1, 3 and 5 signers (threshold = all of them) and batches of 1, 10, 1,000 and 10,000 leaves (a real
// StandardMerkleTree root over random feeds; the root is all that changes with the batch size), each
// contract gets a fresh deployment and a warm-up commit, then one measured commit per batch size. Signatures
// come from ethers' signTypedData (its own EIP-712 code). Prints a table and checks the protocol's bounds:
// 1 signer <= 80,000 for every size, each extra signature <= 9,000. Exit 1 when a bound is broken.
import { readFileSync } from "fs";
import { JsonRpcProvider, HDNodeWallet, Wallet, Interface, NonceManager, keccak256, toUtf8Bytes, randomBytes,
         hexlify } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

const [rpc, registryBin, straightBin] = process.argv.slice(2);
const MNEMONIC = "test test test test test test test test test test test junk";
const ABI = [
  "constructor(address[] signers, uint8 threshold)",
  "function commit(uint64 round, bytes32 root, string cid, uint64 timestamp, uint32 count, bytes[] signatures)",
  "function rootOf(uint64 round) view returns (bytes32)",
];
const SIZES = [1, 10, 1000, 10000];
const SIGNERS = [1, 3, 5];
const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"; // 59 bytes, CIDv1 raw
const TYPES = { Commitment: [{ name: "round", type: "uint64" }, { name: "root", type: "bytes32" },
  { name: "cid", type: "string" }, { name: "timestamp", type: "uint64" }, { name: "count", type: "uint32" }] };

const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true, polling: true, pollingInterval: 20 });
const { chainId } = await provider.getNetwork();
// Account 8 of anvil's mnemonic sends: other users of a shared anvil use the first ones.
const sender = new NonceManager(HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/8").connect(provider));
const keys = Array.from({ length: 5 }, (_, i) => new Wallet(keccak256(toUtf8Bytes("obridge bench signer " + i))));

function roots() {
  const out = new Map();
  for (const n of SIZES) {
    const leaves = Array.from({ length: n }, (_, i) =>
      [keccak256(toUtf8Bytes("FEED" + i + "/USD")), BigInt(hexlify(randomBytes(16))).toString(), 8, "1764000000"]);
    out.set(n, StandardMerkleTree.of(leaves, ["bytes32", "int256", "uint8", "uint64"]).root);
  }
  return out;
}

// Receipts are polled by hand with a deadline: ethers' tx.wait() now and then never returns on anvil.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iface = new Interface(ABI);
async function send(tx) {
  const { hash } = await sender.sendTransaction({ ...tx, gasLimit: 5_000_000 });
  for (let end = Date.now() + 60_000; Date.now() < end; await sleep(10)) {
    const r = await provider.send("eth_getTransactionReceipt", [hash]);
    if (r) {
      if (r.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
      return r;
    }
  }
  throw new Error(`no receipt for ${hash} within 60 s`);
}

async function deploy(bin, signers) {
  const args = iface.encodeDeploy([signers.map((w) => w.address), signers.length]).slice(2);
  const r = await send({ data: "0x" + readFileSync(bin, "utf8").trim() + args });
  return r.contractAddress;
}

async function commit(addr, signers, round, root, count) {
  const ts = Number((await provider.send("eth_getBlockByNumber", ["latest", false])).timestamp);
  const domain = { name: "obridge", version: "1", chainId, verifyingContract: addr };
  const value = { round, root, cid: CID, timestamp: ts, count };
  const sigs = await Promise.all(signers.map((w) => w.signTypedData(domain, TYPES, value)));
  const r = await send({ to: addr, data: iface.encodeFunctionData("commit", [round, root, CID, ts, count, sigs]) });
  const got = await provider.send("eth_call", [{ to: addr, data: iface.encodeFunctionData("rootOf", [round]) }, "latest"]);
  if (got !== root) throw new Error("rootOf does not hold the committed root");
  return Number(r.gasUsed);
}

const rootBySize = roots();
const gas = { obridge: {}, straightforward: {} };
for (const k of SIGNERS) {
  const signers = keys.slice(0, k).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  for (const [name, bin] of [["obridge", registryBin], ["straightforward", straightBin]]) {
    const c = await deploy(bin, signers);
    await commit(c, signers, 1, keccak256(toUtf8Bytes("warm-up")), 1); // first-write costs out of the way
    gas[name][k] = {};
    let round = 2;
    for (const n of SIZES) gas[name][k][n] = await commit(c, signers, round++, rootBySize.get(n), n);
  }
}

const fmt = (x) => x.toLocaleString("en-US");
console.log("commit gas (receipt gasUsed: 21,000 intrinsic + calldata + execution), CID of 59 bytes, steady state");
console.log("| signers | leaves | ObridgeRegistry | Straightforward | ratio |");
console.log("|---:|---:|---:|---:|---:|");
for (const k of SIGNERS) {
  for (const n of SIZES) {
    const o = gas.obridge[k][n], s = gas.straightforward[k][n];
    console.log(`| ${k} | ${fmt(n)} | ${fmt(o)} | ${fmt(s)} | ${(o / s).toFixed(3)} |`);
  }
}
const per = (name) => {
  const g = gas[name];
  return Math.max(...SIZES.map((n) => Math.max((g[3][n] - g[1][n]) / 2, (g[5][n] - g[3][n]) / 2)));
};
const spread = (name) => Math.max(...SIGNERS.map((k) => Math.max(...SIZES.map((n) => gas[name][k][n])) -
                                                    Math.min(...SIZES.map((n) => gas[name][k][n]))));
console.log(`each extra signature: ObridgeRegistry ${fmt(Math.round(per("obridge")))}, ` +
            `Straightforward ${fmt(Math.round(per("straightforward")))} (the most over 1→3 and 3→5)`);
console.log(`spread over batch sizes at a fixed signer count: ObridgeRegistry ${fmt(spread("obridge"))}, ` +
            `Straightforward ${fmt(spread("straightforward"))} (calldata zero bytes of the root only)`);
const worst1 = Math.max(...SIZES.map((n) => gas.obridge[1][n]));
let ok = true;
if (worst1 > 80000) { console.error(`gas: 1 signer costs ${worst1} > 80,000`); ok = false; }
if (per("obridge") > 9000) { console.error(`gas: an extra signature costs ${per("obridge")} > 9,000`); ok = false; }
console.log(ok ? "bounds hold: 1 signer <= 80,000 at every size, each extra signature <= 9,000" : "bounds BROKEN");
provider.destroy();
process.exit(ok ? 0 : 1);
