// Load generator for the proof API (bench/proof-api/bench.sh, tests/consumers/test_consumers_load.sh).
//   node load.mjs poll URL CLIENTS SECONDS
//     CLIENTS keep-alive connections each GET URL in a loop for SECONDS; prints
//     {"requests","errors","rps","p50_ms","p99_ms","statuses":{…}}
//   node load.mjs sse URL SUBSCRIBERS UNTIL_ROUND TIMEOUT_S [POLL_URL POLL_CLIENTS]
//     SUBSCRIBERS EventSource-style connections to URL (a /v1/stream URL); runs until every one has seen
//     an event with id UNTIL_ROUND (or TIMEOUT_S), optionally with POLL_CLIENTS polling POLL_URL meanwhile;
//     prints {"subscribers","connected","complete","errors","rounds":{round: subscribers that got it},
//     "missing": subscribers that missed a round between their first and UNTIL_ROUND, "fanout_ms":
//     {round: ms from the first to the last subscriber receiving it}, "poll": {…}}.
//     "ready" is printed on stderr once every subscriber is connected.
import http from 'node:http';

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function poll(url, clients, seconds, stop) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat = [];
  const statuses = {};
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  const one = () =>
    new Promise((resolve) => {
      const s = process.hrtime.bigint();
      const req = http.get(url, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
          if (res.statusCode !== 200) errors++;
          lat.push(Number(process.hrtime.bigint() - s) / 1e6);
          resolve();
        });
      });
      // A request stalled for 5 s counts as an error (python's http.server drops connections past its
      // listen backlog of 5; their SYN retries would otherwise stall a client for minutes).
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const loop = async () => {
    while (Date.now() < end && !(stop && stop.done)) await one();
  };
  return Promise.all(Array.from({ length: clients }, loop)).then(() => {
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    agent.destroy();
    lat.sort((a, b) => a - b);
    return { requests: lat.length, errors, rps: Math.round(lat.length / secs), p50_ms: pct(lat, 50), p99_ms: pct(lat, 99), statuses };
  });
}

function subscriber(url, state, idx) {
  return new Promise((resolve) => {
    const seen = new Set();
    state.seen[idx] = seen;
    const req = http.get(url, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        state.errors++;
        resolve();
        return;
      }
      state.connected++;
      if (state.connected === state.n) process.stderr.write('ready\n');
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const m = /^id: (\d+)$/m.exec(ev);
          if (!m) continue;
          const r = Number(m[1]);
          const now = Date.now();
          const f = state.first[r] === undefined ? (state.first[r] = now) : state.first[r];
          state.last[r] = Math.max(state.last[r] || f, now);
          if (!seen.has(r)) state.rounds[r] = (state.rounds[r] || 0) + 1;
          seen.add(r);
          if (r >= state.until && !state.finished[idx]) {
            state.finished[idx] = true;
            state.complete++;
            if (state.complete === state.n) state.done = true;
          }
        }
      });
      res.on('close', () => resolve());
      state.reqs.push(req);
    });
    req.on('error', () => {
      state.errors++;
      resolve();
    });
  });
}

async function sse(url, n, until, timeoutS, pollUrl, pollClients) {
  const state = { n, until, connected: 0, complete: 0, errors: 0, rounds: {}, first: {}, last: {}, seen: [], finished: [], reqs: [], done: false };
  const subs = Array.from({ length: n }, (_, i) => subscriber(url, state, i));
  const pollP = pollUrl ? poll(pollUrl, pollClients, timeoutS, state) : Promise.resolve(null);
  const deadline = Date.now() + timeoutS * 1000;
  while (!state.done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  state.done = true;
  for (const r of state.reqs) r.destroy();
  await Promise.race([Promise.all(subs), new Promise((r) => setTimeout(r, 2000))]);
  const pollRes = await pollP;
  let missing = 0;
  for (const seen of state.seen) {
    if (!seen || !seen.size) {
      missing++;
      continue;
    }
    const lo = Math.min(...seen);
    for (let r = lo; r <= until; r++) if (!seen.has(r)) { missing++; break; }
  }
  const fanout = {};
  for (const r of Object.keys(state.first)) fanout[r] = state.last[r] - state.first[r];
  return { subscribers: n, connected: state.connected, complete: state.complete, errors: state.errors, rounds: state.rounds, missing, fanout_ms: fanout, last_at: state.last, poll: pollRes };
}

const [mode, url, a, b, c, d, e] = process.argv.slice(2);
const out =
  mode === 'poll'
    ? await poll(url, Number(a), Number(b))
    : mode === 'sse'
      ? await sse(url, Number(a), Number(b), Number(c), d, Number(e || 0))
      : (console.error('usage: load.mjs poll URL CLIENTS SECONDS | sse URL N UNTIL TIMEOUT [POLL_URL CLIENTS]'), process.exit(2));
console.log(JSON.stringify(out));
process.exit(0);
