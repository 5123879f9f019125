// Shared pieces of the Node reference tools (ref_commit.mjs, ref_verify.mjs), from docs/PROTOCOL.md alone:
// the registry ABI subset, the EIP-712 Commitment type, argument parsing, exit codes, and thin JSON-RPC /
// Kubo RPC clients that tell "peer unreachable" (exit 3) from everything else.
import { ethers } from 'ethers';

export const EXIT = { OK: 0, FAIL: 1, INPUT: 2, PEER: 3 };

export const LEAF_TYPES = ['bytes32', 'int256', 'uint8', 'uint64'];
export const SCHEMA_ID = 'obridge/batch/v1';

export const REGISTRY_ABI = [
  'function commit(uint64 round, bytes32 root, string cid, uint64 timestamp, uint32 count, bytes[] signatures)',
  'function verify(uint64 round, bytes32 feedId, int256 value, uint8 decimals, uint64 observedAt, bytes32[] proof) view returns (bool)',
  'function latest() view returns (uint64 round, bytes32 root, uint64 timestamp)',
  'function rootOf(uint64 round) view returns (bytes32)',
  'function signers() view returns (address[], uint8 threshold)',
  'function maxAge() view returns (uint64)',
  'event Committed(uint64 indexed round, bytes32 root, string cid, uint64 timestamp, uint32 count)',
  'event SignersChanged(address[] signers, uint8 threshold)',
];

export const COMMITMENT_TYPES = {
  Commitment: [
    { name: 'round', type: 'uint64' },
    { name: 'root', type: 'bytes32' },
    { name: 'cid', type: 'string' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'count', type: 'uint32' },
  ],
};
export const domainOf = (chainId, registry) => ({ name: 'obridge', version: '1', chainId, verifyingContract: registry });

// An error that ends the program with a given exit code.
export class Exit extends Error {
  constructor(code, msg) { super(msg); this.code = code; }
}
export const inputError = (msg) => new Exit(EXIT.INPUT, msg);
export const peerError = (msg) => new Exit(EXIT.PEER, msg);

// Parse --flag value / --flag (booleans listed in `flags`). Unknown flags are input errors.
export function parseArgs(argv, { values = [], flags = [] }, usage) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { process.stdout.write(usage); process.exit(0); }
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name !== null && flags.includes(name)) out[name] = true;
    else if (name !== null && values.includes(name)) {
      if (i + 1 >= argv.length) throw inputError(`--${name} needs a value\n${usage}`);
      out[name] = argv[++i];
    } else throw inputError(`unknown argument '${a}'\n${usage}`);
  }
  return out;
}

export function parseUint(text, what, max = 2n ** 64n - 1n) {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]*)$/.test(text)) throw inputError(`${what} '${text}' is not an unsigned integer`);
  const v = BigInt(text);
  if (v > max) throw inputError(`${what} ${text} is larger than ${max}`);
  return v;
}

export function parseAddress(text, what) {
  if (typeof text !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(text)) throw inputError(`${what} '${text}' is not a 20-byte hex address`);
  return ethers.getAddress(text.toLowerCase());
}

const isNetworkFailure = (e) => e && (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT' ||
  e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_CONNECT_TIMEOUT' ||
  (e.cause && isNetworkFailure(e.cause)) || (e instanceof TypeError && /fetch failed/.test(e.message)));

// POST a JSON-RPC call with a timeout; unreachable -> Exit 3; a JSON-RPC error -> thrown Error.
export async function rpcCall(url, method, params = [], timeoutMs = 15000) {
  let res;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    if (isNetworkFailure(e)) throw peerError(`chain: ${url} unreachable (${e.cause?.code || e.name || e.message})`);
    throw e;
  }
  if (!res.ok) throw peerError(`chain: ${url} answered HTTP ${res.status}`);
  const body = await res.json();
  if (body.error) { const e = new Error(`${method}: ${body.error.message}`); e.rpc = body.error; throw e; }
  return body.result;
}

// An ethers provider bound to the chain id the node reports (no network auto-detection loops).
export async function connectChain(url) {
  if (!/^https?:\/\//.test(url || '')) throw inputError(`--rpc '${url}' is not an http(s) URL`);
  const chainId = BigInt(await rpcCall(url, 'eth_chainId'));
  const provider = new ethers.JsonRpcProvider(url, ethers.Network.from(chainId), { staticNetwork: true, batchMaxCount: 50, pollingInterval: 200 });
  return { provider, chainId };
}

// Map an ethers failure that is really the peer being gone to Exit 3.
export function peerOrRethrow(e, url) {
  if (e instanceof Exit) throw e;
  if (e && (e.code === 'NETWORK_ERROR' || e.code === 'TIMEOUT' || isNetworkFailure(e) ||
            (e.code === 'SERVER_ERROR' && /ECONNREFUSED|fetch failed|connect/i.test(String(e.shortMessage || e.message)))))
    throw peerError(`chain: ${url} unreachable (${e.shortMessage || e.message})`);
  throw e;
}

// Kubo RPC: POST /api/v0/PATH?QUERY, optional multipart body of one file. Returns the Response.
export async function ipfsPost(api, path, query, file, timeoutMs = 60000) {
  if (!/^https?:\/\//.test(api || '')) throw inputError(`--ipfs '${api}' is not an http(s) URL`);
  const url = `${api.replace(/\/+$/, '')}/api/v0/${path}${query ? '?' + query : ''}`;
  let body;
  if (file) {
    body = new FormData();
    body.append('file', new Blob([file], { type: 'application/octet-stream' }), 'batch.json');
  }
  let res;
  try {
    res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    if (isNetworkFailure(e)) throw peerError(`ipfs: ${api} unreachable (${e.cause?.code || e.name || e.message})`);
    throw e;
  }
  return res;
}

// Read a streamed answer completely, honouring the X-Stream-Error trailer convention.
export async function ipfsBytes(res, what) {
  const buf = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    let msg = buf.toString('utf8');
    try { msg = JSON.parse(msg).Message || msg; } catch { /* keep text */ }
    throw new Error(`ipfs: ${what}: HTTP ${res.status}: ${msg}`);
  }
  const trailer = res.headers.get('x-stream-error');
  if (trailer) throw new Error(`ipfs: ${what}: ${trailer}`);
  return buf;
}

export const sortAddresses = (addrs) => [...addrs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));

// Run the program: print the error and exit with its code.
export async function main(fn) {
  try {
    const code = await fn();
    process.exitCode = code ?? 0;
  } catch (e) {
    if (e instanceof Exit) { process.stderr.write(`${e.message.replace(/\n?$/, '\n')}`); process.exitCode = e.code; return; }
    process.stderr.write(`error: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = EXIT.FAIL;
  }
}
