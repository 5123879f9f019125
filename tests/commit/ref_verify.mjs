#!/usr/bin/env node
// Reference verifier for obridge protocol v1, written from docs/PROTOCOL.md alone ("Checking a value
// without obridge"): ethers for the chain, @openzeppelin/merkle-tree for the tree, the IPFS node's RPC for
// the bytes, its own UnixFS CID computation (ref_cid.mjs) and median-mad (ref_aggregate.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ethers } from 'ethers';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { aggregate, parseK, canonicalInt, checkFeedName, INT256_MIN, INT256_MAX, MAX_SAFE } from './ref_aggregate.mjs';
import { cidOf, cidEqual, profileOfCid } from './ref_cid.mjs';
import { EXIT, LEAF_TYPES, SCHEMA_ID, REGISTRY_ABI, COMMITMENT_TYPES, domainOf, inputError, parseArgs, parseUint,
  parseAddress, connectChain, peerOrRethrow, ipfsPost, ipfsBytes, main, Exit } from './ref_common.mjs';

const USAGE = `usage: node ref_verify.mjs --rpc URL --ipfs http://host:port --registry ADDR (--round N | --all) [--json]
                          [--cid CID] [--from-block B]
  checks each round: Committed event and rootOf, the batch document fetched by CID (its CID recomputed
  locally, its fields, sorted feeds, canonical decimals, EIP-55 registry, chainId/registry/round/timestamp/
  root/count equal the chain's), the Merkle root (OpenZeppelin StandardMerkleTree) and every proof, each
  feed's value recomputed from its observations (median-mad), the signers recovered from the commit
  transaction against signers() at that block, and the contract's verify(...) for each feed.
  --cid   check this document instead of the one the round's event names (for tampered copies; the CID
          mismatch is then reported too)
  exit 0 all holds, 1 something does not (each failure named), 2 bad input, 3 a peer unreachable
`;

const HEX32 = /^0x[0-9a-f]{64}$/;
const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const isUint53 = (x) => Number.isInteger(x) && x >= 0 && BigInt(x) <= MAX_SAFE;
const byteCmp = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const DOC_KEYS = ['schema', 'chainId', 'registry', 'round', 'timestamp', 'root', 'leafEncoding', 'feeds'];
const FEED_KEYS = ['name', 'id', 'value', 'decimals', 'observedAt', 'proof', 'aggregation', 'observations'];
const OBS_KEYS = ['source', 'value', 'at', 'outlier'];
const AGG_KEYS = ['method', 'k', 'quorum'];

// The project's JSON Schema, when the tree has it: checked with ajv on top of the checks below.
function loadSchemaValidator() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = path.resolve(here, '../../schemas/batch.schema.json');
  if (!fs.existsSync(file)) return null;
  return import('ajv/dist/2020.js').then(({ default: Ajv2020 }) => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    return ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')));
  });
}

// What JSON.parse hides: duplicate object keys (parsers disagree on which one wins) and numbers not written
// as plain unsigned integers (every JSON number of a batch document is one). Returns a list of problems.
export function scanJsonText(text) {
  const problems = [];
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const str = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path) => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const keys = new Set(); ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws(); const k = str();
        if (keys.has(k)) problems.push(`duplicate key '${k}' in ${path || '/'}`);
        keys.add(k); ws(); i++;                          // ':'
        value(`${path}/${k}`); ws();
        if (text[i++] === '}') return;                   // else ','
      }
    } else if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; ; n++) { value(`${path}/${n}`); ws(); if (text[i++] === ']') return; }
    } else if (c === '"') str();
    else {
      const m = /^[^,\]}\s]+/.exec(text.slice(i, i + 400));
      const tok = m ? m[0] : '';
      i += tok.length || 1;
      if (/^-?[0-9]/.test(tok) && !/^(0|[1-9][0-9]*)$/.test(tok)) problems.push(`number ${tok} at ${path} is not written as an unsigned integer`);
    }
  };
  value('');
  return problems;
}

// Check one document's own shape; push failures {feed, what}. Returns the feeds whose leaf fields (name, id,
// value, decimals, observedAt, proof) are well-formed, i.e. usable for the tree.
function checkDocumentShape(doc, fail) {
  if (!isObj(doc)) { fail(null, 'document is not a JSON object'); return null; }
  for (const k of Object.keys(doc)) if (!DOC_KEYS.includes(k)) fail(null, `document has an unknown key '${k}'`);
  if (doc.schema !== SCHEMA_ID) fail(null, `schema is ${JSON.stringify(doc.schema)}, expected '${SCHEMA_ID}'`);
  if (!isUint53(doc.chainId)) fail(null, 'chainId is not a JSON integer');
  if (typeof doc.registry !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(doc.registry)) fail(null, 'registry is not an address');
  else if (ethers.getAddress(doc.registry.toLowerCase()) !== doc.registry) fail(null, `registry ${doc.registry} is not EIP-55 checksummed`);
  if (!isUint53(doc.round)) fail(null, 'round is not a JSON integer ≤ 2^53-1');
  if (!isUint53(doc.timestamp)) fail(null, 'timestamp is not a JSON integer ≤ 2^53-1');
  if (typeof doc.root !== 'string' || !HEX32.test(doc.root)) fail(null, 'root is not 32 bytes of lower-case hex');
  if (JSON.stringify(doc.leafEncoding) !== JSON.stringify(LEAF_TYPES)) fail(null, `leafEncoding is ${JSON.stringify(doc.leafEncoding)}, expected ${JSON.stringify(LEAF_TYPES)}`);
  if (!Array.isArray(doc.feeds) || doc.feeds.length === 0) { fail(null, 'feeds is not a non-empty array'); return null; }
  const good = [];
  let prev = null;
  const seen = new Set();
  for (const [i, f] of doc.feeds.entries()) {
    const name = isObj(f) && typeof f.name === 'string' ? f.name : `feeds[${i}]`;
    const bad = (what) => fail(name, what);
    if (!isObj(f)) { bad('is not an object'); continue; }
    let ok = true;
    for (const k of Object.keys(f)) if (!FEED_KEYS.includes(k)) bad(`unknown key '${k}'`);
    const nameBad = checkFeedName(f.name);
    if (nameBad) { bad(nameBad); ok = false; }
    else {
      if (seen.has(f.name)) { bad('feed name appears twice'); ok = false; }
      if (prev !== null && byteCmp(prev, f.name) >= 0) { bad(`not in ascending byte order (after '${prev}')`); ok = false; }
      seen.add(f.name); prev = f.name;
      if (f.id !== ethers.keccak256(ethers.toUtf8Bytes(f.name))) { bad(`id ${f.id} is not keccak256 of the name`); ok = false; }
    }
    if (!canonicalInt(f.value)) { bad(`value ${JSON.stringify(f.value)} is not a canonical decimal string`); ok = false; }
    else if (BigInt(f.value) < INT256_MIN || BigInt(f.value) > INT256_MAX) { bad(`value ${f.value} is outside int256`); ok = false; }
    if (!Number.isInteger(f.decimals) || f.decimals < 0 || f.decimals > 36) { bad(`decimals ${JSON.stringify(f.decimals)} is not an integer 0..36`); ok = false; }
    if (!isUint53(f.observedAt)) { bad('observedAt is not a JSON integer ≤ 2^53-1'); ok = false; }
    if (!Array.isArray(f.proof) || f.proof.some((h) => typeof h !== 'string' || !HEX32.test(h))) { bad('proof is not an array of 32-byte lower-case hex'); ok = false; }
    if ((f.aggregation === undefined) !== (f.observations === undefined)) bad('aggregation and observations come together');
    if (f.aggregation !== undefined) {
      const ag = f.aggregation;
      if (!isObj(ag)) bad('aggregation is not an object');
      else {
        for (const k of Object.keys(ag)) if (!AGG_KEYS.includes(k)) bad(`aggregation has an unknown key '${k}'`);
        if (ag.method !== 'median-mad') bad(`aggregation.method ${JSON.stringify(ag.method)} is not 'median-mad'`);
        if (typeof ag.k !== 'string' || !/^(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(ag.k)) bad(`aggregation.k ${JSON.stringify(ag.k)} is not an unsigned JSON number string`);
        if (!Number.isInteger(ag.quorum) || ag.quorum < 1) bad('aggregation.quorum is not an integer ≥ 1');
      }
    }
    if (f.observations !== undefined) {
      if (!Array.isArray(f.observations)) bad('observations is not an array');
      else {
        let ps = null;
        for (const [j, o] of f.observations.entries()) {
          const w = `observations[${j}]`;
          if (!isObj(o)) { bad(`${w} is not an object`); continue; }
          for (const k of Object.keys(o)) if (!OBS_KEYS.includes(k)) bad(`${w} has an unknown key '${k}'`);
          if (typeof o.source !== 'string' || o.source.length === 0) bad(`${w}.source is not a non-empty string`);
          else { if (ps !== null && byteCmp(ps, o.source) >= 0) bad(`${w}: source '${o.source}' not in ascending byte order or repeated`); ps = o.source; }
          if (!canonicalInt(o.value)) bad(`${w}.value ${JSON.stringify(o.value)} is not a canonical decimal string`);
          else if (BigInt(o.value) < INT256_MIN || BigInt(o.value) > INT256_MAX) bad(`${w}.value is outside int256`);
          if (!isUint53(o.at)) bad(`${w}.at is not a JSON integer ≤ 2^53-1`);
          if (o.outlier !== undefined && o.outlier !== true) bad(`${w}.outlier is present but not true`);
        }
      }
    }
    if (ok) good.push(f);
  }
  return good;
}

// Recompute a feed's value from its observations (PROTOCOL.md median-mad).
function checkAggregation(f, fail) {
  if (f.observations === undefined || !Array.isArray(f.observations) || !isObj(f.aggregation)) return false;
  if (f.observations.some((o) => !isObj(o) || !canonicalInt(o.value))) return false;   // already reported
  let r;
  try {
    parseK(f.aggregation.k);
    r = aggregate(f.observations.map((o) => BigInt(o.value)), { k: f.aggregation.k, quorum: f.aggregation.quorum });
  } catch (e) { fail(f.name, `aggregation cannot be recomputed: ${e.message}`); return false; }
  if (r.value === null) { fail(f.name, `published although ${r.reason}`); return false; }
  if (canonicalInt(f.value) && BigInt(f.value) !== r.value) fail(f.name, `value ${f.value} differs from the median-mad of its observations ${r.value}`);
  f.observations.forEach((o, j) => {
    if ((o.outlier === true) !== r.outlier[j]) fail(f.name, `observation '${o.source}' outlier flag is ${o.outlier === true}, the rule gives ${r.outlier[j]}`);
  });
  return true;
}

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); }
  }));
  return out;
}

async function verifyRound(ctx, log, cidOverride) {
  const { provider, reg, chainId, registry, iface, schemaValidate } = ctx;
  const ev = iface.parseLog(log);
  const round = ev.args.round, root = ev.args.root, eventCid = ev.args.cid, timestamp = ev.args.timestamp, count = ev.args.count;
  const res = { round: Number(round), root, cid: cidOverride || eventCid, block: log.blockNumber, tx: log.transactionHash,
    feeds: 0, signers: [], checks: [], failures: [] };
  const fail = (feed, what) => res.failures.push({ feed, what });
  const check = (what) => res.checks.push(what);

  // 1. rootOf equals the event's root.
  const onchainRoot = await reg.rootOf(round);
  if (onchainRoot !== root) fail(null, `rootOf(${round}) is ${onchainRoot}, the Committed event says ${root}`);
  else check('rootOf equals the Committed event');
  if (cidOverride && !cidEqual(cidOverride, eventCid)) fail(null, `document ${cidOverride} is not the one the round committed (${eventCid})`);

  // 2. Signers from the commit transaction.
  await checkSigners(ctx, log, ev, res, fail, check);

  // 3. The document by CID; its CID recomputed.
  const cid = cidOverride || eventCid;
  let profile;
  try { profile = profileOfCid(cid); } catch (e) { fail(null, `CID '${cid}' is not usable: ${e.message}`); return res; }
  const r = await ipfsPost(ctx.ipfs, 'cat', `arg=${encodeURIComponent(cid)}&timeout=30s`);
  let bytes;
  try { bytes = await ipfsBytes(r, `cat ${cid}`); } catch (e) { fail(null, `document ${cid} cannot be fetched: ${e.message}`); return res; }
  const local = cidOf(bytes, profile);
  if (!cidEqual(local, cid)) fail(null, `the fetched bytes have CID ${local} under ${profile}, not ${cid}`);
  else check(`CID recomputed (${profile}, ${bytes.length} bytes)`);
  let doc;
  const text = bytes.toString('utf8');
  try { doc = JSON.parse(text); } catch (e) { fail(null, `document is not JSON: ${e.message}`); return res; }
  for (const p of scanJsonText(text)) fail(null, `document text: ${p}`);

  // 4. Shape, then equality with the chain.
  if (schemaValidate && !schemaValidate(doc)) for (const e of schemaValidate.errors) fail(null, `schemas/batch.schema.json: ${e.instancePath || '/'} ${e.message}`);
  const before = res.failures.length;
  const feeds = checkDocumentShape(doc, fail) || [];
  if (!isObj(doc)) return res;
  if (doc.chainId !== Number(chainId)) fail(null, `chainId ${doc.chainId} is not the chain's ${chainId}`);
  if (doc.registry !== registry) fail(null, `registry ${doc.registry} is not ${registry}`);
  if (doc.round !== Number(round)) fail(null, `round ${doc.round} is not the committed ${round}`);
  if (doc.timestamp !== Number(timestamp)) fail(null, `timestamp ${doc.timestamp} is not the committed ${timestamp}`);
  if (doc.root !== root) fail(null, `root ${doc.root} is not the committed ${root}`);
  if (Array.isArray(doc.feeds) && doc.feeds.length !== Number(count)) fail(null, `${doc.feeds.length} feeds, the commitment says count ${count}`);
  res.feeds = Array.isArray(doc.feeds) ? doc.feeds.length : 0;
  if (res.failures.length === before) check('document fields equal the commitment');

  // 5. Merkle root from the feeds (OpenZeppelin), each proof, each aggregate, the contract's verify.
  const values = feeds.map((f) => [f.id, f.value, f.decimals, f.observedAt]);
  if (feeds.length === res.feeds && feeds.length > 0) {
    const tree = StandardMerkleTree.of(values, LEAF_TYPES);
    if (tree.root !== root) fail(null, `Merkle root of the document's feeds is ${tree.root}, the committed root is ${root}`);
    else check('Merkle root recomputed with @openzeppelin/merkle-tree');
  } else fail(null, `Merkle root not recomputed: ${res.feeds - feeds.length} of ${res.feeds} feeds have malformed leaf fields`);
  let aggregated = 0, proofsOk = 0, onchainOk = 0;
  for (const f of feeds) {
    let ok = false;
    try { ok = StandardMerkleTree.verify(root, LEAF_TYPES, [f.id, f.value, f.decimals, f.observedAt], f.proof); } catch { ok = false; }
    if (!ok) fail(f.name, 'proof does not verify against the committed root (value, decimals, observedAt or proof changed)');
    else proofsOk++;
  }
  // Every feed that names itself gets its aggregate recomputed, even one whose leaf fields are malformed.
  for (const f of Array.isArray(doc.feeds) ? doc.feeds : []) if (isObj(f) && typeof f.name === 'string' && checkAggregation(f, fail)) aggregated++;
  await mapLimit(feeds, 16, async (f) => {
    let ok;
    try { ok = await reg.verify(round, f.id, BigInt(f.value), f.decimals, f.observedAt, f.proof); } catch (e) {
      if (e.code !== 'CALL_EXCEPTION') throw e;      // the peer, not the call: exit 3 via peerOrRethrow
      fail(f.name, `contract verify(...) reverted: ${e.shortMessage || e.message}`); return;
    }
    if (!ok) fail(f.name, 'contract verify(...) returned false'); else onchainOk++;
  });
  check(`${proofsOk}/${res.feeds} proofs verify; ${onchainOk}/${res.feeds} contract verify() true; ${aggregated} values recomputed from observations`);
  return res;
}

async function checkSigners(ctx, log, ev, res, fail, check) {
  const { provider, reg, chainId, registry, iface } = ctx;
  const before = res.failures.length;
  const tx = await provider.getTransaction(log.transactionHash);
  if (!tx) { fail(null, `commit transaction ${log.transactionHash} not found`); return; }
  if (!tx.to || tx.to.toLowerCase() !== registry.toLowerCase()) { fail(null, `transaction ${tx.hash} does not call the registry directly; signers not checked`); return; }
  let call;
  try { call = iface.parseTransaction({ data: tx.data }); } catch { call = null; }
  if (!call || call.name !== 'commit') { fail(null, `transaction ${tx.hash} is not a commit(...) call`); return; }
  const [round, root, cid, timestamp, count, sigs] = call.args;
  if (round !== ev.args.round || root !== ev.args.root || cid !== ev.args.cid || timestamp !== ev.args.timestamp || count !== ev.args.count)
    fail(null, 'commit calldata differs from the Committed event');
  const digest = ethers.TypedDataEncoder.hash(domainOf(chainId, registry), COMMITMENT_TYPES, { round, root, cid, timestamp, count });
  const [set, threshold] = await reg.signers({ blockTag: log.blockNumber });
  const members = new Set(set.map((s) => s.toLowerCase()));
  let prev = -1n;
  for (const [i, sig] of sigs.entries()) {
    const b = ethers.getBytes(sig);
    if (b.length !== 65) { fail(null, `signature ${i} is ${b.length} bytes, not 65`); continue; }
    const r = ethers.hexlify(b.slice(0, 32)), s = ethers.hexlify(b.slice(32, 64)), v = b[64];
    if (v !== 27 && v !== 28) { fail(null, `signature ${i} has v = ${v}`); continue; }
    if (BigInt(s) > SECP256K1_N / 2n) { fail(null, `signature ${i} has a high s`); continue; }
    let addr;
    try { addr = ethers.recoverAddress(digest, { r, s, v }); } catch (e) { fail(null, `signature ${i} does not recover: ${e.message}`); continue; }
    res.signers.push(addr);
    if (!members.has(addr.toLowerCase())) fail(null, `signature ${i} is by ${addr}, not a signer at block ${log.blockNumber}`);
    if (BigInt(addr) <= prev) fail(null, `signature ${i} by ${addr} is not in strictly ascending signer order`);
    prev = BigInt(addr);
  }
  if (sigs.length < Number(threshold)) fail(null, `${sigs.length} signatures, threshold at block ${log.blockNumber} is ${threshold}`);
  if (res.failures.length === before) check(`${sigs.length} signatures recovered to signers at block ${log.blockNumber} (threshold ${threshold})`);
}

async function run() {
  const a = parseArgs(process.argv.slice(2), { values: ['rpc', 'ipfs', 'registry', 'round', 'cid', 'from-block'], flags: ['all', 'json'] }, USAGE);
  for (const k of ['rpc', 'ipfs', 'registry']) if (a[k] === undefined) throw inputError(`--${k} is required\n${USAGE}`);
  if ((a.round === undefined) === (a.all === undefined)) throw inputError(`give exactly one of --round N and --all\n${USAGE}`);
  if (a.cid !== undefined && a.round === undefined) throw inputError('--cid needs --round');
  if (a.cid !== undefined) { try { profileOfCid(a.cid); } catch (e) { throw inputError(`--cid: ${e.message}`); } }
  if (!/^https?:\/\//.test(a.ipfs)) throw inputError(`--ipfs '${a.ipfs}' is not an http(s) URL`);
  const registry = parseAddress(a.registry, '--registry');
  const roundArg = a.round !== undefined ? parseUint(a.round, '--round') : null;
  const fromBlock = a['from-block'] !== undefined ? Number(parseUint(a['from-block'], '--from-block', MAX_SAFE)) : 0;
  const schemaValidate = await loadSchemaValidator();

  const { provider, chainId } = await connectChain(a.rpc);
  // Is the IPFS node there at all? (unreachable -> exit 3 before any check is reported)
  await ipfsBytes(await ipfsPost(a.ipfs, 'id', '', null, 15000), 'id').catch((e) => { if (e instanceof Exit) throw e; });
  const results = [];
  try {
    if ((await provider.getCode(registry)) === '0x') throw new Exit(EXIT.FAIL, `registry ${registry} has no code on chain ${chainId}`);
    const reg = new ethers.Contract(registry, REGISTRY_ABI, provider);
    const iface = reg.interface;
    const topic = iface.getEvent('Committed').topicHash;
    const topics = [topic];
    if (roundArg !== null) topics.push(ethers.zeroPadValue(ethers.toBeHex(roundArg), 32));
    const logs = await provider.getLogs({ address: registry, topics, fromBlock, toBlock: 'latest' });
    const ctx = { provider, reg, chainId, registry, iface, schemaValidate, ipfs: a.ipfs };
    if (logs.length === 0) {
      results.push({ round: roundArg !== null ? Number(roundArg) : null, failures: [{ feed: null,
        what: roundArg !== null ? `no Committed event for round ${roundArg}` : 'the registry has no Committed event' }], checks: [] });
      if (roundArg !== null) {
        const r = await reg.rootOf(roundArg);
        if (r !== ethers.ZeroHash) results[0].failures.push({ feed: null, what: `rootOf(${roundArg}) is ${r} without a Committed event` });
      }
    }
    for (const log of logs) results.push(await verifyRound(ctx, log, a.cid));
  } catch (e) { peerOrRethrow(e, a.rpc); } finally { provider.destroy(); }

  const failed = results.some((r) => r.failures.length > 0);
  if (a.json) process.stdout.write(JSON.stringify({ ok: !failed, registry, chainId: Number(chainId), rounds: results }) + '\n');
  else {
    for (const r of results) {
      if (r.failures.length === 0) process.stdout.write(`ok round ${r.round}: ${r.feeds} feeds, cid ${r.cid}, root ${r.root}, signers ${r.signers.join(',')}\n` +
        r.checks.map((c) => `   ${c}\n`).join(''));
      for (const f of r.failures) process.stdout.write(`FAIL round ${r.round}${f.feed !== null ? ` feed ${f.feed}` : ''}: ${f.what}\n`);
    }
  }
  return failed ? EXIT.FAIL : EXIT.OK;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main(run);
