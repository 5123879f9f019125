// bench/pinsvc's HTTP driver: N requests (CONC in flight) to the pinning service; prints one JSON
// line {n, conc, secs, rps, p50, p90, p99, max} (latencies in ms) and fails on any unexpected status.
//   node load.mjs URL TOKEN get|post N CONC [CIDFILE]
import fs from 'node:fs';

const [url, token, mode, nArg, concArg, cidFile] = process.argv.slice(2);
const n = Number(nArg), conc = Number(concArg);
const cids = cidFile ? fs.readFileSync(cidFile, 'utf8').trim().split('\n') : [];
const lat = [];
let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: conc }, async () => {
  while (next < n) {
    const i = next++;
    const s = performance.now();
    const res = mode === 'get'
      ? await fetch(`${url}/pins?limit=1000`, { headers: { Authorization: `Bearer ${token}` } })
      : await fetch(`${url}/pins`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ cid: cids[i % cids.length], name: `bench-${i}` }) });
    const body = await res.text();
    lat.push(performance.now() - s);
    const want = mode === 'get' ? 200 : 202;
    if (res.status !== want) { console.error(`HTTP ${res.status}: ${body.slice(0, 200)}`); process.exit(1); }
    if (mode === 'get' && JSON.parse(body).results.length !== 1000) { console.error('GET answered fewer than 1000 results'); process.exit(1); }
  }
}));
const secs = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
console.log(JSON.stringify({ n, conc, secs: +secs.toFixed(2), rps: +(n / secs).toFixed(1), p50: +q(0.5), p90: +q(0.9), p99: +q(0.99), max: +lat[lat.length - 1].toFixed(2) }));
