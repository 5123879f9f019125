// An HTTP/2 (TLS, ALPN h2 with HTTP/1.1 fallback) price source for the fetcher's multiplexing test,
// on node's built-in http2 module (python's http.server speaks HTTP/1.1 only).
//   node h2_server.mjs CERT KEY PORT_FILE
// GET /api/v3/ticker/price?symbol=S  ->  {"symbol":"S","price":"3012.45"} (binance's shape)
// GET /stats  ->  {"sessions": TLS connections, "requests": n, "versions": {"2.0": n, "1.1": n},
//                  "max_streams_at_once": the most requests open at once on one session}
import fs from 'node:fs';
import http2 from 'node:http2';

const [cert, key, portFile] = process.argv.slice(2);
const stats = { sessions: 0, requests: 0, versions: {}, max_streams_at_once: 0 };
const server = http2.createSecureServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key), allowHTTP1: true });
server.on('secureConnection', () => { stats.sessions++; });
server.on('session', (session) => { session.open = 0; });
server.on('request', (req, res) => {
  const url = new URL(req.url, 'https://x');
  if (url.pathname === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  stats.requests++;
  stats.versions[req.httpVersion] = (stats.versions[req.httpVersion] || 0) + 1;
  const session = req.stream && req.stream.session;
  if (session) {
    session.open++;
    stats.max_streams_at_once = Math.max(stats.max_streams_at_once, session.open);
  }
  // Answer a little later, so concurrent requests overlap on the session.
  setTimeout(() => {
    if (session) session.open--;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ symbol: url.searchParams.get('symbol'), price: '3012.45' }));
  }, 50);
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port) + '\n');
  fs.renameSync(portFile + '.tmp', portFile);
});
