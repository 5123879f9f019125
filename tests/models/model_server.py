#!/usr/bin/env python3
"""A local file server for the model fetch tests (127.0.0.1, a kernel-chosen port).

usage: model_server.py DIR PORTFILE [--throttle BYTES_PER_S] [--cut OFFSET[,OFFSET…]]

  GET|HEAD /files/NAME                    DIR/NAME with ETag, Last-Modified, Accept-Ranges, Range
                                          (bytes=A- and bytes=A-B), If-Range
  GET|HEAD /REPO/resolve/REV/NAME         302 to /cdn/NAME, with X-Linked-Etag: "sha256" and
                                          X-Linked-Size (the Hugging Face layout)
  GET|HEAD /cdn/NAME                      as /files/NAME (a CDN's own ETag: not the sha256)
  GET /stats                              {"bytes_sent": N, "requests": N, "ranges": [...]}
  GET /control?etag=S&cut=A,B&throttle=N&wrong_hash=0|1   change behaviour at run time

--cut: each offset once, a transfer that reaches it is cut there (the socket closed mid-body).
The ETag is '"v1-<size>-<S>"' where S is the current etag salt ('0' at start). sha256 of each file is
computed when first asked (streamed). PORTFILE gets the port once listening."""
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1]
STATE = {"salt": "0", "cuts": [], "throttle": 0, "bytes_sent": 0, "requests": 0, "ranges": [],
         "wrong_hash": False, "active": 0, "max_active": 0}
LOCK = threading.Lock()
SHA = {}


def arg(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def sha256_of(path):
    key = (path, os.stat(path).st_mtime_ns)
    if key not in SHA:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
        SHA[key] = h.hexdigest()
    return SHA[key]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_HEAD(self):
        self.route(head=True)

    def do_GET(self):
        self.route(head=False)

    def route(self, head):
        u = urllib.parse.urlparse(self.path)
        with LOCK:
            STATE["requests"] += 1
        parts = u.path.split("/")
        if u.path == "/stats":
            with LOCK:
                body = json.dumps({k: STATE[k] for k in ("bytes_sent", "requests", "ranges", "max_active")}).encode()
            return self.small(200, body)
        if u.path == "/control":
            q = urllib.parse.parse_qs(u.query)
            with LOCK:
                if "etag" in q:
                    STATE["salt"] = q["etag"][0]
                if "cut" in q:
                    STATE["cuts"] = [int(x) for x in q["cut"][0].split(",") if x]
                if "throttle" in q:
                    STATE["throttle"] = int(q["throttle"][0])
                if "wrong_hash" in q:
                    STATE["wrong_hash"] = q["wrong_hash"][0] == "1"
                if "reset" in q:
                    STATE["bytes_sent"] = 0
                    STATE["requests"] = 0
                    STATE["ranges"] = []
                    STATE["max_active"] = 0
            return self.small(200, b"ok\n")
        if len(parts) >= 5 and parts[-3] == "resolve":
            name = parts[-1]
            path = os.path.join(ROOT, name)
            if not os.path.isfile(path):
                return self.small(404, b"no such file\n")
            sha = sha256_of(path)
            if STATE["wrong_hash"]:
                sha = hashlib.sha256(sha.encode()).hexdigest()
            self.send_response(302)
            self.send_header("Location", "/cdn/" + name + "?signed=1")
            self.send_header("X-Linked-Etag", '"%s"' % sha)
            self.send_header("X-Linked-Size", str(os.path.getsize(path)))
            self.send_header("ETag", '"not-the-file"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if len(parts) == 3 and parts[1] in ("files", "cdn"):
            return self.serve(os.path.join(ROOT, parts[2]), head)
        return self.small(404, b"not found\n")

    def small(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def serve(self, path, head):
        if not os.path.isfile(path):
            return self.small(404, b"no such file\n")
        size = os.path.getsize(path)
        etag = '"v1-%d-%s"' % (size, STATE["salt"])
        lm = "Thu, 01 Jan 2026 00:00:00 GMT" if STATE["salt"] == "0" else "Fri, 02 Jan 2026 00:00:%02d GMT" % (
            len(STATE["salt"]) % 60)
        start, end, code = 0, size - 1, 200
        rng = self.headers.get("Range")
        ifr = self.headers.get("If-Range")
        if rng and (ifr is None or ifr == etag or ifr == lm):
            try:
                a, b = rng.split("=", 1)[1].split("-", 1)
                start = int(a)
                end = int(b) if b else size - 1
            except ValueError:
                return self.small(400, b"bad range\n")
            if start >= size or end < start:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            end = min(end, size - 1)
            code = 206
        n = end - start + 1 if size else 0
        self.send_response(code)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", lm)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(n))
        if code == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        if head:
            return
        with LOCK:
            STATE["ranges"].append([start, end + 1])
            STATE["active"] += 1
            STATE["max_active"] = max(STATE["max_active"], STATE["active"])
        try:
            self.send_body(path, start, n)
        finally:
            with LOCK:
                STATE["active"] -= 1

    def send_body(self, path, start, n):
        with open(path, "rb") as f:
            with LOCK:
                plain = not STATE["throttle"] and not [c for c in STATE["cuts"] if start <= c < start + n]
            if plain:  # neither throttled nor cut: sendfile, as a file server or CDN sends (little CPU)
                self.wfile.flush()
                try:
                    sent = self.connection.sendfile(f, start, n)
                except OSError:
                    return
                with LOCK:
                    STATE["bytes_sent"] += sent
                return
            f.seek(start)
            pos, sent, t0 = start, 0, time.monotonic()
            while sent < n:
                with LOCK:
                    cut = min([c for c in STATE["cuts"] if pos <= c < start + n], default=None)
                    throttle = STATE["throttle"]
                want = min(256 * 1024, n - sent)
                if throttle:
                    want = min(want, max(1024, throttle // 20))
                if cut is not None:
                    want = min(want, cut - pos)
                if want == 0:  # at the cut: close the connection mid-body
                    with LOCK:
                        STATE["cuts"].remove(cut)
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                b = f.read(want)
                try:
                    self.wfile.write(b)
                except OSError:
                    return
                with LOCK:
                    STATE["bytes_sent"] += len(b)
                sent += len(b)
                pos += len(b)
                if throttle:
                    ahead = sent / throttle - (time.monotonic() - t0)
                    if ahead > 0:
                        time.sleep(ahead)


def main():
    if "--throttle" in sys.argv:
        STATE["throttle"] = int(arg("--throttle"))
    if "--cut" in sys.argv:
        STATE["cuts"] = [int(x) for x in arg("--cut").split(",") if x]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, sys.argv[2])
    srv.serve_forever()


if __name__ == "__main__":
    main()
