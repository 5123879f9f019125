#!/usr/bin/env node
// Reference committer for obridge protocol v1, written from docs/PROTOCOL.md alone (ethers for keccak, ABI
// encoding and secp256k1; its own StandardMerkleTree construction, asserted equal to OpenZeppelin's).
// Builds a round's batch document from a values file, pins it to IPFS (CID checked against a local
// computation), signs the EIP-712 Commitment with each key, sends commit(...) and waits for the receipt.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ethers } from 'ethers';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { toFixed, tryToFixed, aggregate, parseK, checkFeedName, RefError, MAX_SAFE } from './ref_aggregate.mjs';
import { cidOf, cidEqual, PROFILES } from './ref_cid.mjs';
import { EXIT, Exit, LEAF_TYPES, SCHEMA_ID, REGISTRY_ABI, COMMITMENT_TYPES, domainOf, inputError, parseArgs,
  parseUint, parseAddress, connectChain, peerOrRethrow, ipfsPost, ipfsBytes, main } from './ref_common.mjs';

const USAGE = `usage: node ref_commit.mjs --rpc URL --ipfs URL --registry ADDR --keys K1,K2 --round N --values FILE
                          [--profile v0|v1] [--sender KEY] [--timestamp T] [--out FILE]
  FILE: {"feeds":[{"name","decimals","value"?,"observedAt"?,"aggregation"?:{"k","quorum"},
                   "observations"?:[{"source","value","at"}]}]}   values are decimal text in the feed's units
  --keys       signing keys (hex), comma-separated; signatures are sent in ascending signer order
  --sender     key that pays for the transaction (default: the first of --keys)
  --timestamp  the commitment's timestamp (default: max(latest block, latest committed timestamp))
  --out        also write the batch document there
  prints {"round","root","cid","tx"}; exit 0 committed, 1 failed/reverted, 2 bad input, 3 peer unreachable
`;

// ---------------------------------------------------------------- Merkle (own construction)
const abi = ethers.AbiCoder.defaultAbiCoder();
const hexToBuf = (h) => Buffer.from(h.slice(2), 'hex');

export function leafHash(v) {
  return ethers.keccak256(ethers.keccak256(abi.encode(LEAF_TYPES, v)));
}
function hashPair(a, b) {
  return Buffer.compare(hexToBuf(a), hexToBuf(b)) <= 0 ? ethers.keccak256(ethers.concat([a, b])) : ethers.keccak256(ethers.concat([b, a]));
}
// StandardMerkleTree: leaves sorted by hash, stored at the end of an array of 2n-1 nodes in reverse order,
// node i = hashPair(2i+1, 2i+2). Returns { root, proofs[i] for values[i] }.
export function buildTree(values) {
  if (values.length === 0) throw new Error('a round has at least one leaf');
  const hashed = values.map((v, i) => ({ i, h: leafHash(v) }));
  hashed.sort((a, b) => Buffer.compare(hexToBuf(a.h), hexToBuf(b.h)));
  const n = hashed.length, tree = new Array(2 * n - 1);
  const pos = new Array(n);
  hashed.forEach((x, j) => { tree[tree.length - 1 - j] = x.h; pos[x.i] = tree.length - 1 - j; });
  for (let i = tree.length - 1 - n; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
  const proofs = pos.map((p) => {
    const proof = [];
    while (p > 0) { proof.push(tree[p % 2 ? p + 1 : p - 1]); p = (p - 1) >> 1; }
    return proof;
  });
  return { root: tree[0], proofs };
}

// ---------------------------------------------------------------- values file -> feeds
const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const byteCmp = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const numText = (v, what) => {
  if (typeof v === 'string') return v;
  throw inputError(`${what}: values are decimal text (a JSON string), got ${JSON.stringify(v)}`);
};

export function buildFeeds(valuesDoc, defaultObservedAt) {
  if (!isObj(valuesDoc) || !Array.isArray(valuesDoc.feeds)) throw inputError('values: expected {"feeds":[…]}');
  if (valuesDoc.feeds.length === 0) throw inputError('values: no feeds (a round has at least one leaf)');
  const seen = new Set(), feeds = [], leftOut = [];
  for (const [idx, f] of valuesDoc.feeds.entries()) {
    const where = `values: feeds[${idx}]`;
    if (!isObj(f)) throw inputError(`${where} is not an object`);
    const bad = checkFeedName(f.name);
    if (bad) throw inputError(`${where}: ${bad}`);
    if (seen.has(f.name)) throw inputError(`${where}: duplicate feed name '${f.name}'`);
    seen.add(f.name);
    if (!Number.isInteger(f.decimals) || f.decimals < 0 || f.decimals > 36) throw inputError(`${where} '${f.name}': decimals must be an integer 0..36`);
    let observedAt = defaultObservedAt;
    if (f.observedAt !== undefined) {
      if (!Number.isInteger(f.observedAt) || f.observedAt < 0 || BigInt(f.observedAt) > MAX_SAFE) throw inputError(`${where} '${f.name}': observedAt must be an integer 0..2^53-1`);
      observedAt = f.observedAt;
    }
    let value = null;
    if (f.value !== undefined) {
      try { value = toFixed(numText(f.value, `${where} '${f.name}' value`), f.decimals); } catch (e) {
        if (e instanceof RefError) throw inputError(`${where} '${f.name}': ${e.message}`); throw e;
      }
    }
    const feed = { name: f.name, id: ethers.keccak256(ethers.toUtf8Bytes(f.name)), decimals: f.decimals, observedAt };
    if (f.observations !== undefined) {
      if (!Array.isArray(f.observations)) throw inputError(`${where} '${f.name}': observations must be an array`);
      const agg = f.aggregation === undefined ? {} : f.aggregation;
      if (!isObj(agg)) throw inputError(`${where} '${f.name}': aggregation must be an object`);
      const k = agg.k === undefined ? '3' : typeof agg.k === 'number' ? String(agg.k) : agg.k;
      const quorum = agg.quorum === undefined ? 1 : agg.quorum;
      try { parseK(k); } catch (e) { throw inputError(`${where} '${f.name}': ${e.message}`); }
      if (!Number.isInteger(quorum) || quorum < 1) throw inputError(`${where} '${f.name}': aggregation.quorum must be an integer ≥ 1`);
      const sources = new Set(), obs = [];
      for (const [j, o] of f.observations.entries()) {
        const w = `${where} '${f.name}' observations[${j}]`;
        if (!isObj(o) || typeof o.source !== 'string' || o.source.length === 0) throw inputError(`${w}: needs a "source" string`);
        if (sources.has(o.source)) throw inputError(`${w}: duplicate source '${o.source}'`);
        sources.add(o.source);
        if (!Number.isInteger(o.at) || o.at < 0 || BigInt(o.at) > MAX_SAFE) throw inputError(`${w}: "at" must be an integer 0..2^53-1`);
        const text = numText(o.value, w);
        if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text)) throw inputError(`${w}: '${text}' is not a decimal number`);
        const x = tryToFixed(text, f.decimals);
        if (x === null) continue;                       // outside int256: does not count
        obs.push({ source: o.source, x, at: o.at });
      }
      obs.sort((a, b) => byteCmp(a.source, b.source));
      const r = aggregate(obs.map((o) => o.x), { k, quorum });
      if (r.value === null) { leftOut.push({ name: f.name, reason: r.reason }); continue; }
      if (value !== null && value !== r.value) throw inputError(`${where} '${f.name}': value ${value} differs from the aggregate ${r.value} of its observations`);
      value = r.value;
      feed.aggregation = { method: 'median-mad', k, quorum };
      feed.observations = obs.map((o, j) => ({ source: o.source, value: o.x.toString(), at: o.at, ...(r.outlier[j] ? { outlier: true } : {}) }));
    } else if (f.aggregation !== undefined) throw inputError(`${where} '${f.name}': aggregation given without observations`);
    if (value === null) throw inputError(`${where} '${f.name}': needs a value or observations`);
    feed.value = value;
    feeds.push(feed);
  }
  if (feeds.length === 0) throw inputError('values: every feed was left out (a round has at least one leaf)');
  feeds.sort((a, b) => byteCmp(a.name, b.name));
  return { feeds, leftOut };
}

// Document with PROTOCOL.md's key order; proofs from the own tree.
export function buildDocument({ chainId, registry, round, timestamp, feeds }) {
  const values = feeds.map((f) => [f.id, f.value, f.decimals, f.observedAt]);
  const { root, proofs } = buildTree(values);
  // Independent check: OpenZeppelin's tree over the same values gives the same root and proofs.
  const oz = StandardMerkleTree.of(values, LEAF_TYPES);
  if (oz.root !== root) throw new Error(`own Merkle root ${root} differs from OpenZeppelin's ${oz.root}`);
  // every proof up to 2,000 leaves; above, 500 spread over the tree (OpenZeppelin's getProof is the slow part)
  const step = values.length <= 2000 ? 1 : Math.ceil(values.length / 500);
  values.forEach((v, i) => {
    if (i % step && i !== values.length - 1) return;
    const p = oz.getProof(i);
    if (p.length !== proofs[i].length || p.some((h, j) => h !== proofs[i][j])) throw new Error(`own proof of '${feeds[i].name}' differs from OpenZeppelin's`);
  });
  const doc = {
    schema: SCHEMA_ID, chainId: Number(chainId), registry, round: Number(round), timestamp: Number(timestamp), root,
    leafEncoding: LEAF_TYPES,
    feeds: feeds.map((f, i) => ({
      name: f.name, id: f.id, value: f.value.toString(), decimals: f.decimals, observedAt: f.observedAt, proof: proofs[i],
      ...(f.aggregation ? { aggregation: f.aggregation, observations: f.observations } : {}),
    })),
  };
  return { doc, root };
}

async function run() {
  const a = parseArgs(process.argv.slice(2), { values: ['rpc', 'ipfs', 'registry', 'keys', 'round', 'values', 'profile', 'sender', 'timestamp', 'out'] }, USAGE);
  for (const k of ['rpc', 'ipfs', 'registry', 'keys', 'round', 'values']) if (a[k] === undefined) throw inputError(`--${k} is required\n${USAGE}`);
  const registry = parseAddress(a.registry, '--registry');
  const round = parseUint(a.round, '--round', MAX_SAFE);
  if (round === 0n) throw inputError('--round must be ≥ 1');
  const profile = { v0: 'unixfs-v0-2015', v1: 'unixfs-v1-2025' }[a.profile || 'v1'];
  if (!profile) throw inputError(`--profile '${a.profile}': expected v0 or v1`);
  const wallets = a.keys.split(',').map((k, i) => {
    try { return new ethers.Wallet(k.startsWith('0x') ? k : '0x' + k); } catch { throw inputError(`--keys: key ${i + 1} is not a secp256k1 private key`); }
  });
  let sender;
  try { sender = a.sender ? new ethers.Wallet(a.sender.startsWith('0x') ? a.sender : '0x' + a.sender) : wallets[0]; } catch { throw inputError('--sender is not a private key'); }
  let valuesDoc;
  try { valuesDoc = JSON.parse(fs.readFileSync(a.values, 'utf8')); } catch (e) { throw inputError(`values: ${a.values}: ${e.message}`); }
  const timestampArg = a.timestamp !== undefined ? parseUint(a.timestamp, '--timestamp', MAX_SAFE) : null;
  buildFeeds(valuesDoc, 0);   // every input error before any peer is asked

  const { provider, chainId } = await connectChain(a.rpc);
  try {
    const reg = new ethers.Contract(registry, REGISTRY_ABI, provider);
    if ((await provider.getCode(registry)) === '0x') throw inputError(`--registry ${registry} has no code on chain ${chainId}`);
    let timestamp = timestampArg;
    if (timestamp === null) {
      const block = await provider.getBlock('latest');
      const [, , lastTs] = await reg.latest();
      timestamp = BigInt(block.timestamp) > lastTs ? BigInt(block.timestamp) : lastTs;
    }
    const { feeds, leftOut } = buildFeeds(valuesDoc, Number(timestamp));
    for (const l of leftOut) process.stderr.write(`left out of the round: ${l.name}: ${l.reason}\n`);
    const { doc, root } = buildDocument({ chainId, registry, round, timestamp, feeds });
    const bytes = Buffer.from(JSON.stringify(doc), 'utf8');
    if (a.out) fs.writeFileSync(a.out, bytes);

    // Pin, and check the node's CID against the local one.
    const local = cidOf(bytes, profile);
    const q = profile === 'unixfs-v0-2015' ? 'pin=true&cid-version=0' : `pin=true&${PROFILES[profile].addQuery}`;
    const res = await ipfsPost(a.ipfs, 'add', q, bytes);
    const answer = (await ipfsBytes(res, 'add')).toString('utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).pop();
    if (!answer || !answer.Hash) throw new Error(`ipfs: add gave no Hash: ${JSON.stringify(answer)}`);
    if (!cidEqual(answer.Hash, local)) throw new Error(`ipfs: the node's CID ${answer.Hash} differs from the local ${local}`);
    const cid = local;

    const count = feeds.length;
    const domain = domainOf(chainId, registry);
    const value = { round, root, cid, timestamp, count };
    const sigs = [];
    for (const w of wallets) sigs.push({ addr: w.address, sig: await w.signTypedData(domain, COMMITMENT_TYPES, value) });
    sigs.sort((x, y) => (BigInt(x.addr) < BigInt(y.addr) ? -1 : 1));
    const writer = reg.connect(sender.connect(provider));
    let tx;
    try {
      tx = await writer.commit(round, root, cid, timestamp, count, sigs.map((s) => s.sig));
    } catch (e) {
      if (e.code === 'CALL_EXCEPTION') throw new Exit(EXIT.FAIL, `commit reverted: ${e.shortMessage || e.message}${e.data ? ' data ' + e.data : ''}`);
      throw e;
    }
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new Exit(EXIT.FAIL, `commit transaction ${tx.hash} failed`);
    process.stdout.write(JSON.stringify({ round: Number(round), root, cid, tx: tx.hash }) + '\n');
    return EXIT.OK;
  } catch (e) { peerOrRethrow(e, a.rpc); } finally { provider.destroy(); }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main(run);
