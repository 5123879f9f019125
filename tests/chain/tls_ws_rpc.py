#!/usr/bin/env python3
"""A JSON-RPC endpoint over TLS websocket (wss://) for the chain client's certificate tests.
Stdlib only; certificates are made with the openssl command. Prints "PORT PID" on stdout, then
serves on 127.0.0.1 until killed (or 120 s).

  tls_ws_rpc.py DIR good|wrong_host
    DIR/ca.pem          a throwaway CA (made once per DIR)
    good                serves a cert from that CA for 127.0.0.1/localhost (SAN IP:127.0.0.1, DNS:localhost)
    wrong_host          serves a cert from that CA for other.example only
  Answers eth_chainId with "0x7a69", eth_blockNumber with "0x1", anything else with an error;
  pings get pongs.
"""
import base64, hashlib, json, os, socket, ssl, struct, subprocess, sys, threading, time

from wsframes import GUID, frame, read_exact, read_frame  # noqa: E402 (beside this file)



def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certs(d, kind):
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    if not os.path.exists(ca):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
                "-subj", "/CN=obridge test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    cn, san = ("127.0.0.1", "IP:127.0.0.1,DNS:localhost") if kind == "good" else ("other.example", "DNS:other.example")
    key, csr, crt, ext = (os.path.join(d, kind + s) for s in (".key", ".csr", ".pem", ".ext"))
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n" % san)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn)
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
            "-days", "2", "-extfile", ext)
    return crt, key




def answer(req):
    m, i = req.get("method"), req.get("id")
    if m == "eth_chainId":
        return {"jsonrpc": "2.0", "id": i, "result": "0x7a69"}
    if m == "eth_blockNumber":
        return {"jsonrpc": "2.0", "id": i, "result": "0x1"}
    return {"jsonrpc": "2.0", "id": i, "error": {"code": -32601, "message": "method not found"}}


def serve(s):
    head = b""
    while b"\r\n\r\n" not in head:
        c = s.recv(4096)
        if not c:
            return
        head += c
    key = [l.split(b":", 1)[1].strip() for l in head.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key")][0]
    acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
    s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
    while True:
        op, data = read_frame(s)
        if op == 8:
            s.sendall(frame(data[:2], 8))
            return
        if op == 9:
            s.sendall(frame(data, 10))
        elif op == 1:
            msg = json.loads(data)
            out = [answer(x) for x in msg] if isinstance(msg, list) else answer(msg)
            s.sendall(frame(json.dumps(out).encode()))


def conn(raw, tls):
    try:
        with tls.wrap_socket(raw, server_side=True) as s:
            serve(s)
    except (OSError, EOFError, ValueError, IndexError, ssl.SSLError):
        pass  # the client refused the certificate, or went away
    finally:
        raw.close()


def main():
    d, kind = sys.argv[1], sys.argv[2]
    crt, key = make_certs(d, kind)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(crt, key)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    print(ls.getsockname()[1], os.getpid(), flush=True)
    threading.Timer(120, lambda: os._exit(0)).start()
    while True:
        raw, _ = ls.accept()
        threading.Thread(target=conn, args=(raw, tls), daemon=True).start()


if __name__ == "__main__":
    main()
