// Reference UnixFS CIDs for obridge protocol v1 ("CIDs"), from the protocol text and the public UnixFS /
// dag-pb specifications, independent of obridge's C code:
//   unixfs-v0-2015: CIDv0, 256 KiB chunks, dag-pb leaves, 174 links per node (Kubo's default `add`)
//   unixfs-v1-2025: CIDv1, 1 MiB chunks, raw leaves, 1024 links per node
// Balanced layout: leaves grouped by `links` into parents, level by level, until one node remains.
//
//   import { cidOf, parseCid, profileOfCid } from './ref_cid.mjs';
//   cidOf(bytes, 'unixfs-v1-2025') -> 'bafk…' / 'bafy…' (v1 base32) or 'Qm…' (v0)
//   profileOfCid(text) -> 'unixfs-v0-2015' | 'unixfs-v1-2025' (throws on anything else)
//   parseCid(text) -> { version, codec, digest: Buffer } (CIDv0, or CIDv1 in base32 'b…' / base58btc 'z…')
import { createHash } from 'node:crypto';

export const PROFILES = {
  'unixfs-v0-2015': { version: 0, chunk: 256 * 1024, rawLeaves: false, links: 174,
    addQuery: 'cid-version=0' },
  'unixfs-v1-2025': { version: 1, chunk: 1024 * 1024, rawLeaves: true, links: 1024,
    addQuery: 'cid-version=1&raw-leaves=true&chunker=size-1048576&max-file-links=1024&cid-base=base32' },
};

const DAG_PB = 0x70, RAW = 0x55, SHA2_256 = 0x12;
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

const sha256 = (b) => createHash('sha256').update(b).digest();

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v);
  return Buffer.from(out);
}
function readVarint(buf, pos) {
  let v = 0n, shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    v |= BigInt(b & 0x7f) << shift; shift += 7n;
    if (!(b & 0x80)) return [Number(v), pos];
    if (shift > 63n) throw new Error('varint too long');
  }
}
const field = (num, wire) => varint((num << 3) | wire);
const bytesField = (num, b) => Buffer.concat([field(num, 2), varint(b.length), b]);
const varintField = (num, v) => Buffer.concat([field(num, 0), varint(v)]);

function b58encode(buf) {
  let n = BigInt('0x' + (buf.toString('hex') || '0')), s = '';
  while (n > 0n) { s = B58[Number(n % 58n)] + s; n /= 58n; }
  for (const b of buf) { if (b === 0) s = '1' + s; else break; }
  return s;
}
function b58decode(s) {
  let n = 0n;
  for (const c of s) { const i = B58.indexOf(c); if (i < 0) throw new Error(`'${c}' is not base58`); n = n * 58n + BigInt(i); }
  let hex = n === 0n ? '' : n.toString(16); if (hex.length % 2) hex = '0' + hex;
  const lead = s.match(/^1*/)[0].length;
  return Buffer.concat([Buffer.alloc(lead), Buffer.from(hex, 'hex')]);
}
function b32encode(buf) {
  let bits = 0, val = 0, s = '';
  for (const b of buf) { val = (val << 8) | b; bits += 8; while (bits >= 5) { s += B32[(val >>> (bits - 5)) & 31]; bits -= 5; } }
  if (bits > 0) s += B32[(val << (5 - bits)) & 31];
  return s;
}
function b32decode(s) {
  let bits = 0, val = 0; const out = [];
  for (const c of s.toLowerCase()) {
    const i = B32.indexOf(c); if (i < 0) throw new Error(`'${c}' is not base32`);
    val = ((val << 5) | i) & 0xffff; bits += 5;
    if (bits >= 8) { out.push((val >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

function cidBytes(version, codec, digest) {
  const mh = Buffer.concat([Buffer.from([SHA2_256, 32]), digest]);
  return version === 0 ? mh : Buffer.concat([varint(1), varint(codec), mh]);
}
export function formatCid(version, codec, digest) {
  const b = cidBytes(version, codec, digest);
  return version === 0 ? b58encode(b) : 'b' + b32encode(b);
}

export function parseCid(text) {
  if (typeof text !== 'string' || text.length === 0) throw new Error('empty CID');
  let b;
  if (text.length === 46 && text.startsWith('Qm')) {
    b = b58decode(text);
    if (b.length !== 34 || b[0] !== SHA2_256 || b[1] !== 32) throw new Error(`'${text}' is not a sha2-256 CIDv0`);
    return { version: 0, codec: DAG_PB, digest: b.subarray(2) };
  }
  if (text[0] === 'b' || text[0] === 'B') b = b32decode(text.slice(1));
  else if (text[0] === 'z') b = b58decode(text.slice(1));
  else throw new Error(`'${text}' is not a CIDv0 or a base32/base58btc CIDv1`);
  let pos = 0, version, codec, hf, hl;
  [version, pos] = readVarint(b, pos);
  [codec, pos] = readVarint(b, pos);
  [hf, pos] = readVarint(b, pos);
  [hl, pos] = readVarint(b, pos);
  if (version !== 1) throw new Error(`'${text}': CID version ${version}`);
  if (hf !== SHA2_256 || hl !== 32 || b.length - pos !== 32) throw new Error(`'${text}': not a sha2-256 multihash`);
  return { version, codec, digest: b.subarray(pos) };
}

export function profileOfCid(text) {
  const c = parseCid(text);
  return c.version === 0 ? 'unixfs-v0-2015' : 'unixfs-v1-2025';
}

export function cidEqual(a, b) {
  const x = parseCid(a), y = parseCid(b);
  return x.version === y.version && x.codec === y.codec && x.digest.equals(y.digest);
}

// UnixFS Data message: Type(1) Data(2) filesize(3) blocksizes(4, repeated).
function unixfsFile(data, filesize, blocksizes) {
  const parts = [varintField(1, 2)];                 // Type = File
  if (data && data.length) parts.push(bytesField(2, data));
  parts.push(varintField(3, filesize));
  for (const s of blocksizes || []) parts.push(varintField(4, s));
  return Buffer.concat(parts);
}
// PBNode: Links(2) first, then Data(1); PBLink: Hash(1) Name(2) Tsize(3).
function pbNode(links, data) {
  const parts = links.map((l) => bytesField(2, Buffer.concat([bytesField(1, l.cid), bytesField(2, Buffer.alloc(0)), varintField(3, l.tsize)])));
  parts.push(bytesField(1, data));
  return Buffer.concat(parts);
}

// One DAG node: { cid (binary), tsize (cumulative bytes of the subtree's blocks), fileSize }.
export function cidOf(bytes, profileName) {
  const p = PROFILES[profileName];
  if (!p) throw new Error(`unknown profile '${profileName}': expected unixfs-v0-2015 or unixfs-v1-2025`);
  bytes = Buffer.from(bytes);
  const version = p.version;
  const leaves = [];
  for (let off = 0; off < bytes.length || leaves.length === 0; off += p.chunk) {
    const chunk = bytes.subarray(off, Math.min(off + p.chunk, bytes.length));
    if (p.rawLeaves) {
      leaves.push({ cid: cidBytes(1, RAW, sha256(chunk)), tsize: chunk.length, fileSize: chunk.length });
    } else {
      const block = pbNode([], unixfsFile(chunk, chunk.length));
      leaves.push({ cid: cidBytes(version, DAG_PB, sha256(block)), tsize: block.length, fileSize: chunk.length });
    }
    if (off + p.chunk >= bytes.length) break;
  }
  let level = leaves;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += p.links) {
      const kids = level.slice(i, i + p.links);
      const fileSize = kids.reduce((a, k) => a + k.fileSize, 0);
      const block = pbNode(kids, unixfsFile(null, fileSize, kids.map((k) => k.fileSize)));
      next.push({ cid: cidBytes(version, DAG_PB, sha256(block)), fileSize,
        tsize: block.length + kids.reduce((a, k) => a + k.tsize, 0) });
    }
    level = next;
  }
  const root = level[0].cid;
  return version === 0 ? b58encode(root) : 'b' + b32encode(root);
}
