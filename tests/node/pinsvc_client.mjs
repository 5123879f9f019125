// Drives `obridge serve` with @ipfs-shipyard/pinning-service-client (the client generated from the
// IPFS Pinning Service API spec) and raw fetch for what the client refuses to send, and validates
// every response against the spec's OpenAPI document (tests/vectors/pinning-service-api, converted
// to JSON by the caller): the status must be one the operation lists (or its NXX class), the body
// must match that response's schema (no body where the spec has none), `created` must be RFC 3339.
//
//   node pinsvc_client.mjs SCENARIO
// Environment: PINSVC_URL, SPEC_JSON, TOKEN_A, TOKEN_B (another tenant), IPFS_API, and per scenario
// HAVE (space-separated CIDs the node holds), MISSING (a CID nobody serves), ORIGIN (multiaddr),
// ORIGIN_CID (a CID only the origin holds), TOKEN_Q (a tenant with quotas).
// Prints "ok SCENARIO: N responses validated" or the failures, exit 1.
import crypto from 'node:crypto';
import fs from 'node:fs';
import AjvMod from 'ajv';
import { Configuration, RemotePinningServiceClient, Status, TextMatchingStrategy } from '@ipfs-shipyard/pinning-service-client';

const Ajv = AjvMod.default || AjvMod;
const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};
const URL_ = env('PINSVC_URL');
const spec = JSON.parse(fs.readFileSync(env('SPEC_JSON'), 'utf8'));
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(spec, 'spec.json');
const validators = new Map();
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
let failures = 0, validated = 0;
const fail = (msg) => { failures++; console.error(`FAIL: ${msg}`); };
const check = (cond, msg) => { if (!cond) fail(msg); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function deref(obj) {
  while (obj && obj.$ref) obj = obj.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k], spec);
  return obj;
}

// Validate one response against the operation the spec defines for it.
function validateResponse(method, url, status, text) {
  const path = new URL(url).pathname;
  const template = path === '/pins' ? '/pins' : /^\/pins\/[^/]+$/.test(path) ? '/pins/{requestid}' : null;
  if (!template) return fail(`${method} ${path}: not a path of the spec`);
  const op = spec.paths[template][method.toLowerCase()];
  if (!op) return fail(`${method} ${template}: not an operation of the spec`);
  const resp = deref(op.responses[String(status)] || op.responses[`${String(status)[0]}XX`]);
  if (!resp) return fail(`${method} ${path}: status ${status} is not a response of the spec`);
  validated++;
  if (!resp.content) {
    if (text.length) fail(`${method} ${path} ${status}: the spec has no body, got ${text.slice(0, 100)}`);
    return;
  }
  let body;
  try { body = JSON.parse(text); } catch (e) { return fail(`${method} ${path} ${status}: not JSON: ${text.slice(0, 200)}`); }
  const ref = resp.content['application/json'].schema.$ref;
  if (!validators.has(ref)) validators.set(ref, ajv.compile({ $ref: 'spec.json' + ref }));
  const v = validators.get(ref);
  if (!v(body)) fail(`${method} ${path} ${status}: does not match ${ref}: ${ajv.errorsText(v.errors)} in ${text.slice(0, 300)}`);
  const statuses = body.results || (body.requestid ? [body] : []);
  for (const s of statuses) check(RFC3339.test(s.created), `created '${s.created}' is not RFC 3339`);
}

// fetch that validates every response (the client's fetchApi, and raw calls).
async function vfetch(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  validateResponse(init.method || 'GET', url, res.status, text);
  return new Response(text.length ? text : null, { status: res.status, headers: res.headers });
}

const client = (token) => new RemotePinningServiceClient(new Configuration({ endpointUrl: URL_, accessToken: token, fetchApi: vfetch }));
const raw = async (method, path, token, body, headers = {}) => {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await vfetch(URL_ + path, { method, headers: h, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
};
const ALL = [Status.Queued, Status.Pinning, Status.Pinned, Status.Failed];

async function waitStatus(c, id, want, secs = 30) {
  let st;
  for (let i = 0; i < secs * 10; i++) {
    st = await c.pinsRequestidGet({ requestid: id });
    if (st.status === want) return st;
    if (st.status === 'failed' && want !== 'failed') break;
    await sleep(100);
  }
  fail(`request ${id} (${st && st.pin.cid}) did not become ${want}: ${st && st.status} ${JSON.stringify(st && st.info)}`);
  return st;
}

async function nodePinned(cid) {
  const res = await fetch(`${env('IPFS_API')}/api/v0/pin/ls?arg=${cid}&type=recursive&cid-base=base32`, { method: 'POST' });
  return res.status === 200 && (await res.text()).includes(cid);
}

async function expectError(promise, status, what) {
  try {
    await promise;
    fail(`${what}: expected ${status}, it succeeded`);
  } catch (e) {
    const got = e instanceof Response ? e.status : e.response ? e.response.status : e.message;
    check(got === status, `${what}: expected ${status}, got ${got}`);
  }
}

const ids = (r) => r.results.map((s) => s.requestid);
const eq = (a, b, what) => check(JSON.stringify(a) === JSON.stringify(b), `${what}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);

const scenarios = {
  // Every endpoint and filter through the client.
  async api() {
    const a = client(env('TOKEN_A')), b = client(env('TOKEN_B'));
    const [c1, c2, c3, c4, c5] = env('HAVE').split(' ');
    const p1 = await a.pinsPost({ pin: { cid: c1, name: 'alpha-One', meta: { app: 'a', env: 'x' } } });
    eq([p1.status, p1.pin.cid, p1.pin.name, p1.pin.meta], ['queued', c1, 'alpha-One', { app: 'a', env: 'x' }], 'POST /pins answer');
    check(p1.delegates.length >= 1, 'delegates: at least one multiaddr');
    const p2 = await a.pinsPost({ pin: { cid: c2, name: 'beta', origins: [env('ORIGIN')], meta: { app: 'b' } } });
    eq(p2.pin.origins, [env('ORIGIN')], 'origins kept');
    const p3 = await a.pinsPost({ pin: { cid: c3, name: 'ALPHA-two' } });
    const p4 = await a.pinsPost({ pin: { cid: env('MISSING'), name: 'gone' } });
    for (const p of [p1, p2, p3]) await waitStatus(a, p.requestid, 'pinned');
    const f = await waitStatus(a, p4.requestid, 'failed');
    check(f.info && /no progress/.test(f.info.status_details || ''), `failed info says why: ${JSON.stringify(f.info)}`);
    for (const c of [c1, c2, c3]) check(await nodePinned(c), `${c} pinned on the node`);
    const g = await a.pinsRequestidGet({ requestid: p1.requestid });
    eq([g.requestid, g.pin.cid, g.created.toISOString()], [p1.requestid, c1, p1.created.toISOString()], 'GET /pins/{id}');
    check(g.info.dag_size !== undefined, 'info.dag_size of a pinned request');
    // No filter: pinned only, newest first.
    eq(ids(await a.pinsGet({})), [p3, p2, p1].map((p) => p.requestid), 'no filter: pinned, newest first');
    eq((await a.pinsGet({})).count, 3, 'count');
    eq(ids(await a.pinsGet({ status: [Status.Failed] })), [p4.requestid], 'status=failed');
    eq((await a.pinsGet({ status: ALL })).count, 4, 'every status');
    eq(ids(await a.pinsGet({ status: [Status.Queued, Status.Pinning] })), [], 'status=queued,pinning');
    eq(ids(await a.pinsGet({ cid: [c1, c3] })), [p3, p1].map((p) => p.requestid), 'cid filter');
    eq(ids(await a.pinsGet({ cid: [env('MISSING')], status: ALL })), [p4.requestid], 'cid filter with status');
    eq(ids(await a.pinsGet({ name: 'beta' })), [p2.requestid], 'name exact');
    eq(ids(await a.pinsGet({ name: 'Beta' })), [], 'name exact is case-sensitive');
    eq(ids(await a.pinsGet({ name: 'alpha-one', match: TextMatchingStrategy.Iexact })), [p1.requestid], 'name iexact');
    eq(ids(await a.pinsGet({ name: 'ALPHA', match: TextMatchingStrategy.Partial })), [p3.requestid], 'name partial');
    eq(ids(await a.pinsGet({ name: 'alpha', match: TextMatchingStrategy.Ipartial })), [p3, p1].map((p) => p.requestid), 'name ipartial');
    eq(ids(await a.pinsGet({ name: 'ph', match: TextMatchingStrategy.Exact })), [], 'name exact ph');
    eq(ids(await a.pinsGet({ meta: { app: 'a' } })), [p1.requestid], 'meta (as meta[app]=a, the client\'s form)');
    eq(ids(await a.pinsGet({ meta: JSON.stringify({ app: 'b' }) })), [p2.requestid], 'meta (as JSON, the spec\'s form)');
    eq(ids(await a.pinsGet({ meta: JSON.stringify({ app: 'a', env: 'y' }) })), [], 'meta: every pair must match');
    const l1 = await a.pinsGet({ limit: 1 });
    eq([ids(l1), l1.count], [[p3.requestid], 3], 'limit=1: one result, count of all');
    eq(ids(await a.pinsGet({ before: p3.created })), [p2, p1].map((p) => p.requestid), 'before');
    eq(ids(await a.pinsGet({ after: p1.created })), [p3, p2].map((p) => p.requestid), 'after');
    eq(ids(await a.pinsGet({ after: p1.created, before: p3.created })), [p2.requestid], 'after and before');
    eq(ids(await a.pinsGet({ limit: 1000, status: ALL })).length, 4, 'limit=1000');
    // Paging with before= the oldest created of each page, as the spec describes.
    const seen = [];
    let before;
    for (let i = 0; i < 10; i++) {
      const page = await a.pinsGet({ limit: 1, status: ALL, ...(before ? { before } : {}) });
      if (!page.results.length) break;
      seen.push(page.results[0].requestid);
      before = page.results[page.results.length - 1].created;
    }
    eq(seen, [p4, p3, p2, p1].map((p) => p.requestid), 'paging with before');
    // Tenant B sees none of it.
    eq((await b.pinsGet({ status: ALL })).count, 0, 'another tenant lists nothing');
    // Replace: a new request; the old one goes once the new one is pinned.
    const r = await a.pinsRequestidPost({ requestid: p2.requestid, pin: { cid: c4, name: 'beta2', meta: { app: 'b' } } });
    check(r.requestid !== p2.requestid, 'replace answers a new request id');
    await waitStatus(a, r.requestid, 'pinned');
    for (let i = 0; i < 50; i++) {
      if (!(await a.pinsGet({ status: ALL })).results.some((s) => s.requestid === p2.requestid)) break;
      await sleep(100);
    }
    await expectError(a.pinsRequestidGet({ requestid: p2.requestid }), 404, 'the replaced request is gone');
    check(!(await nodePinned(c2)), `${c2} unpinned once its replacement was pinned (nobody else holds it)`);
    check(await nodePinned(c4), `${c4} pinned`);
    // Delete.
    await a.pinsRequestidDelete({ requestid: p1.requestid });
    await expectError(a.pinsRequestidGet({ requestid: p1.requestid }), 404, 'GET after DELETE');
    check(!(await nodePinned(c1)), `${c1} unpinned after its only request was deleted`);
    // A CID two tenants hold leaves the node only with the last one.
    const sa = await a.pinsPost({ pin: { cid: c5 } }), sb = await b.pinsPost({ pin: { cid: c5 } });
    await waitStatus(a, sa.requestid, 'pinned');
    await waitStatus(b, sb.requestid, 'pinned');
    await a.pinsRequestidDelete({ requestid: sa.requestid });
    check(await nodePinned(c5), `${c5} still pinned: tenant B holds it`);
    await b.pinsRequestidDelete({ requestid: sb.requestid });
    check(!(await nodePinned(c5)), `${c5} unpinned when the last holder deleted it`);
  },

  // Pin by CID, the content on a second node given as origin: queued -> pinning -> pinned.
  async origin() {
    const a = client(env('TOKEN_A'));
    const cid = env('ORIGIN_CID');
    check(!(await nodePinned(cid)), 'the content is not on the service\'s node before');
    const p = await a.pinsPost({ pin: { cid, name: 'from-origin', origins: [env('ORIGIN')] } });
    eq(p.status, 'queued', 'first status');
    const seen = new Set([p.status]);
    let st;
    for (let i = 0; i < 600; i++) {
      st = await a.pinsRequestidGet({ requestid: p.requestid });
      seen.add(st.status);
      if (st.status === 'pinned' || st.status === 'failed') break;
      await sleep(50);
    }
    eq(st.status, 'pinned', `the pin ended pinned (${JSON.stringify(st.info)})`);
    check(seen.has('pinning'), `pinning was seen on the way: ${[...seen]}`);
    check(await nodePinned(cid), 'the content is pinned on the service\'s node');
    const cat = await fetch(`${env('IPFS_API')}/api/v0/cat?arg=${cid}&timeout=10s`, { method: 'POST' });
    const bytes = Buffer.from(await cat.arrayBuffer());
    eq([cat.status, bytes.length, crypto.createHash('sha256').update(bytes).digest('hex')], [200, Number(env('ORIGIN_BYTES')), env('ORIGIN_SHA256')],
      'the service\'s node serves the very bytes');
  },

  // Bad input: the spec's error shape (validated), the right status, and nothing stored.
  async errors() {
    const t = env('TOKEN_A'), have = env('HAVE').split(' ')[0];
    const count = async () => (await raw('GET', '/pins?status=queued,pinning,pinned,failed&limit=1000', t)).json.count;
    const before = await count();
    const bad = async (method, path, body, status, reason, token = t, headers = {}) => {
      const r = await raw(method, path, token, body, headers);
      check(r.status === status, `${method} ${path} ${body ? body.slice(0, 60) : ''}: expected ${status}, got ${r.status} ${JSON.stringify(r.json)}`);
      if (r.json && r.json.error) check(!reason || r.json.error.reason === reason, `${method} ${path}: reason ${r.json.error.reason}, expected ${reason}`);
      else fail(`${method} ${path}: no error object`);
      return r;
    };
    await bad('POST', '/pins', JSON.stringify({ cid: 'not-a-cid' }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff50' }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ name: 'no cid' }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: 42 }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: have, meta: { a: 1 } }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: have, meta: 'x' }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: have, meta: ['a'] }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: have, meta: { a: { b: 'c' } } }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: have, name: 'x'.repeat(256) }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: have, origins: ['not-a-multiaddr'] }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: have, origins: Array.from({ length: 21 }, (_, i) => `/ip4/10.0.0.${i}/tcp/4001`) }), 400, 'BAD_REQUEST');
    await bad('POST', '/pins', '{"cid": ', 400, 'BAD_REQUEST');
    await bad('POST', '/pins', '[]', 400, 'BAD_REQUEST');
    await bad('POST', '/pins', JSON.stringify({ cid: have, name: 'y'.repeat(2 << 20) }), 413, 'PAYLOAD_TOO_LARGE');
    for (const q of ['limit=0', 'limit=1001', 'limit=-1', 'limit=ten', 'limit=1.5', 'before=yesterday', 'before=2020-13-01T00:00:00Z',
      'after=2020-02-30T00:00:00Z', 'after=1595870000', 'meta=%7Bbad', 'meta=%7B%22a%22%3A1%7D', 'meta=%5B%5D', 'status=bogus',
      'status=pinned,nope', 'match=fuzzy&name=x', 'cid=bad', `cid=${Array.from({ length: 11 }, () => have).join(',')}`])
      await bad('GET', `/pins?${q}`, undefined, 400, 'BAD_REQUEST');
    const unknown = '00000000-0000-4000-8000-000000000000';
    await bad('GET', `/pins/${unknown}`, undefined, 404, 'NOT_FOUND');
    await bad('GET', '/pins/not-a-uuid', undefined, 404, 'NOT_FOUND');
    await bad('DELETE', `/pins/${unknown}`, undefined, 404, 'NOT_FOUND');
    await bad('POST', `/pins/${unknown}`, JSON.stringify({ cid: have }), 404, 'NOT_FOUND');
    await bad('GET', '/pins', undefined, 401, 'UNAUTHORIZED', null);
    await bad('POST', '/pins', JSON.stringify({ cid: have }), 401, 'UNAUTHORIZED', null);
    await bad('GET', '/pins', undefined, 401, 'UNAUTHORIZED', 'garbage');
    await bad('GET', '/pins', undefined, 401, 'UNAUTHORIZED', 'obt_' + 'A'.repeat(43));
    await bad('GET', '/pins', undefined, 401, 'UNAUTHORIZED', null, { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    await bad('GET', '/pins', undefined, 401, 'UNAUTHORIZED', null, { Authorization: `Bearer ${t}x` });
    eq(await count(), before, 'nothing stored by a refused request');
  },

  // Tenant B cannot list, read, replace or delete A's pins: 404, as for an id that does not exist.
  async isolation() {
    const a = client(env('TOKEN_A')), b = client(env('TOKEN_B'));
    const p = await a.pinsPost({ pin: { cid: env('HAVE').split(' ')[0], name: 'mine' } });
    await expectError(b.pinsRequestidGet({ requestid: p.requestid }), 404, 'B reads A\'s request');
    await expectError(b.pinsRequestidPost({ requestid: p.requestid, pin: { cid: p.pin.cid } }), 404, 'B replaces A\'s request');
    await expectError(b.pinsRequestidDelete({ requestid: p.requestid }), 404, 'B deletes A\'s request');
    check(!(await b.pinsGet({ status: ALL, cid: [p.pin.cid] })).results.some((s) => s.requestid === p.requestid), 'B lists A\'s request');
    check((await a.pinsGet({ status: ALL, cid: [p.pin.cid] })).results.some((s) => s.requestid === p.requestid), 'A lists its request');
    eq((await a.pinsRequestidGet({ requestid: p.requestid })).requestid, p.requestid, 'A still has it');
    console.log(p.requestid);
  },

  // Every route answers 401 to a revoked token (REQUEST = a request id it once owned).
  async revoked() {
    const b = client(env('TOKEN_B')), id = env('REQUEST');
    await expectError(b.pinsGet({}), 401, 'revoked: GET /pins');
    await expectError(b.pinsPost({ pin: { cid: env('HAVE').split(' ')[0] } }), 401, 'revoked: POST /pins');
    await expectError(b.pinsRequestidGet({ requestid: id }), 401, 'revoked: GET /pins/{id}');
    await expectError(b.pinsRequestidPost({ requestid: id, pin: { cid: env('HAVE').split(' ')[0] } }), 401, 'revoked: POST /pins/{id}');
    await expectError(b.pinsRequestidDelete({ requestid: id }), 401, 'revoked: DELETE /pins/{id}');
  },

  // TOKEN_Q's tenant may hold 2 pins: the third is refused (403, naming the quota), nothing else.
  async quota_pins() {
    const q = client(env('TOKEN_Q')), [c1, c2, c3] = env('HAVE').split(' ');
    const p1 = await q.pinsPost({ pin: { cid: c1 } });
    await q.pinsPost({ pin: { cid: c2 } });
    const r = await raw('POST', '/pins', env('TOKEN_Q'), JSON.stringify({ cid: c3 }));
    eq([r.status, r.json.error.reason], [403, 'PIN_QUOTA_EXCEEDED'], 'the request over quota_pins');
    check(/quota_pins/.test(r.json.error.details), `details name the limit: ${r.json.error.details}`);
    eq((await q.pinsGet({ status: ALL })).count, 2, 'nothing stored over the quota');
    // A replace does not add a pin: allowed at the quota.
    const rep = await q.pinsRequestidPost({ requestid: p1.requestid, pin: { cid: c3 } });
    eq(rep.status, 'queued', 'replace at the quota');
    await waitStatus(q, rep.requestid, 'pinned');
    for (let i = 0; i < 50 && (await q.pinsGet({ status: ALL })).results.some((s) => s.requestid === p1.requestid); i++) await sleep(100);
    eq((await q.pinsGet({ status: ALL })).count, 2, 'the replaced request is gone once its successor is pinned');
    await q.pinsRequestidDelete({ requestid: rep.requestid });
    const again = await q.pinsPost({ pin: { cid: c3 } });
    eq(again.status, 'queued', 'a pin fits again once one is deleted');
  },

  // TOKEN_Q's tenant may hold 1 byte: the first pin is accepted (nothing held yet), the next refused.
  async quota_bytes() {
    const q = client(env('TOKEN_Q')), [c1, c2] = env('HAVE').split(' ');
    const p1 = await q.pinsPost({ pin: { cid: c1 } });
    await waitStatus(q, p1.requestid, 'pinned');
    const r = await raw('POST', '/pins', env('TOKEN_Q'), JSON.stringify({ cid: c2 }));
    eq([r.status, r.json.error.reason], [403, 'BYTE_QUOTA_EXCEEDED'], 'the request over quota_bytes');
    check(/quota_bytes/.test(r.json.error.details), `details name the limit: ${r.json.error.details}`);
    eq((await q.pinsGet({ status: ALL })).count, 1, 'nothing stored over the quota');
  },

  // Rate limit 1/s, burst 3: the 4th request at once is 429 with Retry-After; later it passes again.
  async rate() {
    const t = env('TOKEN_A');
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await raw('GET', '/pins', t));
    eq(got.map((r) => r.status), [200, 200, 200, 429, 429], 'statuses of 5 requests at once');
    eq(got[3].json.error.reason, 'RATE_LIMITED', 'reason');
    check(Number(got[3].headers.get('retry-after')) >= 1, 'Retry-After');
    eq((await raw('GET', '/pins', env('TOKEN_B'))).status, 200, 'another token has its own bucket');
    await sleep(1100);
    eq((await raw('GET', '/pins', t)).status, 200, 'after a second');
  },
};

// The load: TOKENS (4 tenants' tokens), CIDS_FILE (one CID a line; split evenly between them), all
// requested at once (CONCURRENCY requests in flight per tenant); then wait until every tenant has
// its share pinned. Prints the request ids (one a line) on stdout.
scenarios.load = async () => {
  const tokens = env('TOKENS').split(' '), cids = fs.readFileSync(env('CIDS_FILE'), 'utf8').trim().split('\n');
  const per = cids.length / tokens.length, conc = Number(process.env.CONCURRENCY || 8), ids = [];
  const t0 = Date.now();
  await Promise.all(tokens.map(async (t, k) => {
    const mine = cids.slice(k * per, (k + 1) * per);
    let next = 0;
    await Promise.all(Array.from({ length: conc }, async () => {
      while (next < mine.length) {
        const cid = mine[next++];
        const r = await raw('POST', '/pins', t, JSON.stringify({ cid, name: `load-${k}`, meta: { tenant: String(k) } }));
        if (r.status !== 202) fail(`POST ${cid}: ${r.status} ${JSON.stringify(r.json)}`);
        else ids.push(r.json.requestid);
      }
    }));
  }));
  console.error(`${cids.length} POST /pins in ${Date.now() - t0} ms`);
  eq(new Set(ids).size, cids.length, 'distinct request ids');
  const deadline = Date.now() + Number(process.env.LOAD_WAIT_S || 900) * 1000;
  for (;;) {
    const counts = await Promise.all(tokens.map(async (t) => (await raw('GET', '/pins?status=pinned&limit=1', t)).json.count));
    if (counts.every((c) => c === per)) break;
    if (Date.now() > deadline) { fail(`not all pinned in time: ${counts}`); break; }
    await sleep(1000);
  }
  for (const t of tokens) {
    const all = (await raw('GET', '/pins?status=queued,pinning,pinned,failed&limit=1', t)).json.count;
    eq(all, per, 'requests per tenant, every status');
  }
  console.error(`all pinned ${Date.now() - t0} ms after the first request`);
  process.stdout.write(ids.join('\n') + '\n');
};

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`usage: pinsvc_client.mjs ${Object.keys(scenarios).join('|')}`);
  process.exit(2);
}
try {
  await scenarios[name]();
} catch (e) {
  fail(`${name}: ${e instanceof Response ? `HTTP ${e.status} ${await e.text()}` : e.stack || e}`);
}
if (failures) {
  console.error(`FAILED ${name}: ${failures} failures, ${validated} responses validated`);
  process.exit(1);
}
console.error(`ok ${name}: ${validated} responses validated against the spec`);
