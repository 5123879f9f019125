#!/usr/bin/env python3
"""A local price-source server for obridge's tests, benches and demo (python3 stdlib only).

It answers three differently shaped price APIs, like the real ones:

  binance   GET /api/v3/ticker/price?symbol=ETHUSDT   {"symbol":"ETHUSDT","price":"3012.45"}
            unknown symbol: 400 {"code":-1121,"msg":"Invalid symbol."}               path: $.price
  coinbase  GET /v2/prices/ETH-USD/spot                {"data":{"base":"ETH","currency":"USD","amount":"3011.9"}}
            unknown pair: 404 {"errors":[{"id":"not_found","message":"Invalid currency"}]}   path: $.data.amount
  kraken    GET /0/public/Ticker?pair=ETHUSD           {"error":[],"result":{"XETHZUSD":{"c":["3013.1","0.5"]}}}
            unknown pair: 200 {"error":["EQuery:Unknown asset pair"]}      path: $.result.XETHZUSD.c[0]
            (the result key is X<base>Z<quote> for ETH, BTC and XBT against USD and EUR, else the pair)

Symbols: binance by `symbol` (ETHUSDT), coinbase by the path's pair (ETH-USD), kraken by `pair`
(ETHUSD). Prices are decimal strings, answered exactly as set. Defaults: ETH 3012.45 / 3011.9 /
3013.1, BTC 97000.5 / 97010.25 / 96990.0 (USD).

Control API (JSON bodies; every answer is JSON):

  POST /control
    {"prices": {"binance": {"ETHUSDT": "3012.45"}, "coinbase": {"ETH-USD": "3011.9"},
                "kraken": {"ETHUSD": "3013.1"}}}      set prices (merged into what is set)
    {"default_price": "100.5"}                         answer any unknown symbol with this price
                                                       (null: unknown symbols are errors again)
    {"faults": {"PATH": {"mode": MODE, ...params}}}    a fault on PATH (the URL path without the
                                                       query, e.g. "/api/v3/ticker/price"; a key
                                                       "PATH?QUERY" matches that exact request
                                                       first); {"faults": {"PATH": null}} clears one
    {"clear_faults": true}                             clear every fault
    {"require_header": {"PATH": {"name": "X-Api-Key", "value": "..."}}}
                                                       answer 401 unless the header has the value
    {"reset": true}                                    prices to defaults, no faults, stats zeroed
  Fault modes and their parameters:
    hang | timeout   wait `seconds` (default 30) before answering normally
    slow             wait `seconds` (default 0.2), then answer normally
    500              HTTP 500 {"message":"internal error"} (any `status` given instead of 500)
    429              HTTP 429 with Retry-After: `retry_after` (default 2; null: no header)
    not_json         HTTP 200 text/html "<html>…"
    mislabeled       the normal JSON answer with Content-Type: text/html (APIs mislabel)
    huge             HTTP 200, a JSON-looking body of `bytes` (default 50 MB), chunked
    error_body       HTTP 200 with the API's own error shape (see above; coinbase: {"message":…})
    missing_path     HTTP 200 JSON without the price field
    not_number       HTTP 200 with the price "n/a"
    redirect         302 to `location`
    redirect_loop    302 to the same URL, forever
    redirect_http    302 to `location` (default http://HOST:PORT/same path, plain http)
    gzip             the normal answer, Content-Encoding: gzip, chunked
    chunked          the normal answer, chunked
    close            the normal answer, then the connection is closed
  Any fault may have `times` (N): it applies to the next N requests, then the path is normal.

  GET /stats   {"requests": {"/api/v3/ticker/price": 3, ...}, "requests_total": 9,
                "connections": 3, "last_headers": {"PATH": {"X-Api-Key": "..."}}}
               (requests counts every request per path, the faulty ones too; connections counts
               accepted TCP connections, so requests_total > connections means reuse)

Usage: source_server.py [--host 127.0.0.1] [--port 0] [--port-file FILE] [--tls CERT KEY]
The port file is written (atomically) once the server listens; it holds the port number.
"""
import argparse
import gzip
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_PRICES = {
    "binance": {"ETHUSDT": "3012.45", "BTCUSDT": "97000.5"},
    "coinbase": {"ETH-USD": "3011.9", "BTC-USD": "97010.25"},
    "kraken": {"ETHUSD": "3013.1", "BTCUSD": "96990.0"},
}
KRAKEN_ASSETS = {"ETH": "XETH", "BTC": "XXBT", "XBT": "XXBT", "USD": "ZUSD", "EUR": "ZEUR"}
PATHS = {"/api/v3/ticker/price": "binance", "/0/public/Ticker": "kraken"}
RECORDED_HEADERS = ("X-Api-Key", "Authorization", "Accept-Encoding", "User-Agent", "Accept")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.prices = json.loads(json.dumps(DEFAULT_PRICES))
        self.default_price = None
        self.faults = {}
        self.required = {}
        self.requests = {}
        self.requests_total = 0
        self.connections = 0
        self.last_headers = {}


STATE = State()


def kraken_key(pair):
    if len(pair) == 6 and pair[:3] in KRAKEN_ASSETS and pair[3:] in KRAKEN_ASSETS:
        return KRAKEN_ASSETS[pair[:3]] + KRAKEN_ASSETS[pair[3:]]
    return pair


def api_of(path):
    if path in PATHS:
        return PATHS[path]
    if path.startswith("/v2/prices/") and path.endswith("/spot"):
        return "coinbase"
    return None


def symbol_of(api, path, query):
    if api == "binance":
        return query.get("symbol", [""])[0]
    if api == "kraken":
        return query.get("pair", [""])[0]
    return path[len("/v2/prices/"):-len("/spot")]


def normal_body(api, sym, price):
    """(status, body) of the API for sym at price (None: unknown symbol)."""
    if api == "binance":
        if price is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        return 200, {"symbol": sym, "price": price}
    if api == "coinbase":
        if price is None:
            return 404, {"errors": [{"id": "not_found", "message": "Invalid currency"}]}
        base, _, quote = sym.partition("-")
        return 200, {"data": {"base": base, "currency": quote, "amount": price}}
    if price is None:
        return 200, {"error": ["EQuery:Unknown asset pair"]}
    return 200, {"error": [], "result": {kraken_key(sym): {"a": [price, "1", "1.0"], "c": [price, "0.5"]}}}


def error_body(api):
    if api == "binance":
        return {"code": -1121, "msg": "Invalid symbol."}
    if api == "coinbase":
        return {"message": "NotFound"}
    return {"error": ["EQuery:Unknown asset pair"]}


def missing_body(api, sym):
    if api == "binance":
        return {"symbol": sym}
    if api == "coinbase":
        return {"data": {"base": "ETH", "currency": "USD"}}
    return {"error": [], "result": {}}


def not_number_body(api, sym):
    return normal_body(api, sym, "n/a")[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "obridge-source/1"
    # Headers and body go out in separate writes: without TCP_NODELAY each kept-alive request waits
    # ~40 ms for the client's delayed ACK (Nagle).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: tests read stdout/stderr of other programs
        pass

    def setup(self):
        super().setup()
        with STATE.lock:
            STATE.connections += 1

    # ---- replies ----
    def send_json(self, status, obj, headers=None, chunked=False, gz=False, close=False):
        data = json.dumps(obj, separators=(",", ":")).encode()
        self.send_bytes(status, data, "application/json", headers, chunked, gz, close)

    def send_bytes(self, status, data, ctype, headers=None, chunked=False, gz=False, close=False):
        if gz:
            data = gzip.compress(data)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if gz:
            self.send_header("Content-Encoding", "gzip")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 7):  # small chunks, several per body
                part = data[i:i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # ---- control ----
    def do_POST(self):
        path = urlsplit(self.path).path
        if path != "/control":
            return self.send_json(404, {"message": "no such endpoint"})
        try:
            req = json.loads(self.read_body() or b"{}")
            if not isinstance(req, dict):
                raise ValueError("expected an object")
            with STATE.lock:
                apply_control(req)
        except (ValueError, TypeError, AttributeError) as e:
            return self.send_json(400, {"message": str(e)})
        return self.send_json(200, {"ok": True})

    def do_GET(self):
        u = urlsplit(self.path)
        if u.path == "/stats":
            with STATE.lock:
                s = {"requests": dict(STATE.requests), "requests_total": STATE.requests_total,
                     "connections": STATE.connections, "last_headers": dict(STATE.last_headers)}
            return self.send_json(200, s)
        with STATE.lock:
            STATE.requests[u.path] = STATE.requests.get(u.path, 0) + 1
            STATE.requests_total += 1
            STATE.last_headers[u.path] = {h: self.headers[h] for h in RECORDED_HEADERS if self.headers.get(h)}
            fault = take_fault(u.path, u.query)
            req = STATE.required.get(u.path)
        if req and self.headers.get(req["name"]) != req["value"]:
            return self.send_json(401, {"message": "missing or wrong %s" % req["name"]})
        api = api_of(u.path)
        if api is None:
            return self.send_json(404, {"message": "no such endpoint"})
        sym = symbol_of(api, u.path, parse_qs(u.query))
        try:
            self.answer(api, sym, u, fault)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def answer(self, api, sym, u, fault):
        mode = fault.get("mode") if fault else None
        with STATE.lock:
            price = STATE.prices.get(api, {}).get(sym, STATE.default_price)
        if mode in ("hang", "timeout", "slow"):
            time.sleep(float(fault.get("seconds", 30 if mode != "slow" else 0.2)))
            mode = None
        if mode is None or mode in ("gzip", "chunked", "close"):
            status, body = normal_body(api, sym, price)
            return self.send_json(status, body, chunked=mode in ("gzip", "chunked"), gz=mode == "gzip",
                                  close=mode == "close")
        if mode == "500":
            return self.send_json(int(fault.get("status", 500)), {"message": "internal error"})
        if mode == "429":
            ra = fault.get("retry_after", 2)
            return self.send_json(429, {"message": "too many requests"},
                                  headers={} if ra is None else {"Retry-After": str(ra)})
        if mode == "mislabeled":
            status, body = normal_body(api, sym, price)
            return self.send_bytes(status, json.dumps(body).encode(), "text/html; charset=utf-8")
        if mode == "not_json":
            return self.send_bytes(200, b"<html><body>Service temporarily unavailable</body></html>", "text/html")
        if mode == "huge":
            return self.send_huge(int(fault.get("bytes", 50 * 1024 * 1024)))
        if mode == "error_body":
            return self.send_json(200, error_body(api))
        if mode == "missing_path":
            return self.send_json(200, missing_body(api, sym))
        if mode == "not_number":
            return self.send_json(200, not_number_body(api, sym))
        if mode in ("redirect", "redirect_loop", "redirect_http"):
            if mode == "redirect_loop":
                loc = self.path
            elif mode == "redirect_http":
                host, port = self.server.server_address[:2]
                loc = fault.get("location") or "http://%s:%d%s" % (host, port, self.path)
            else:
                loc = fault["location"]
            return self.send_json(302, {"message": "moved"}, headers={"Location": loc})
        return self.send_json(500, {"message": "unknown fault mode %r" % mode})

    def send_huge(self, n):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 65536
        head = b'{"pad":"'
        self.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
        sent = len(head)
        while sent < n:
            part = chunk[: min(len(chunk), n - sent)]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            sent += len(part)
        tail = b'","price":"1"}'
        self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail))


def take_fault(path, query):
    """The fault for this request (STATE.lock held), counting down `times`."""
    key = path + "?" + query if query and (path + "?" + query) in STATE.faults else path
    f = STATE.faults.get(key)
    if not f:
        return None
    if "times" in f:
        f["times"] = int(f["times"]) - 1
        if f["times"] <= 0:
            del STATE.faults[key]
    return dict(f)


def apply_control(req):
    if req.get("reset"):
        conns = STATE.connections  # connections already open stay counted
        STATE.reset()
        STATE.connections = conns if req.get("keep_connections") else 0
    if req.get("clear_faults"):
        STATE.faults = {}
    for api, prices in (req.get("prices") or {}).items():
        if api not in DEFAULT_PRICES:
            raise ValueError("unknown api %r (binance, coinbase, kraken)" % api)
        for sym, p in prices.items():
            STATE.prices[api][sym] = None if p is None else str(p)
    if "default_price" in req:
        dp = req["default_price"]
        STATE.default_price = None if dp is None else str(dp)
    for path, f in (req.get("faults") or {}).items():
        if f is None:
            STATE.faults.pop(path, None)
        else:
            if not isinstance(f, dict) or "mode" not in f:
                raise ValueError("a fault is {\"mode\": ...}")
            STATE.faults[path] = dict(f)
    for path, r in (req.get("require_header") or {}).items():
        if r is None:
            STATE.required.pop(path, None)
        else:
            STATE.required[path] = {"name": r["name"], "value": r["value"]}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    a = ap.parse_args()
    srv = Server((a.host, a.port), Handler)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        ctx.set_alpn_protocols(["http/1.1"])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    print("source server listening on %s://%s:%d" % ("https" if a.tls else "http", a.host, port), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
