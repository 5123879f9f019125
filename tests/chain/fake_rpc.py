#!/usr/bin/env python3
"""A misbehaving JSON-RPC endpoint for the chain client's bad-input tests (websocket and HTTP on
one port). Prints "PORT PID" on stdout, then serves until killed (or 120 s).

  fake_rpc.py MODE
    ok          answers eth_chainId (0x7a69), eth_blockNumber (0x10), anything else with "0x1"
    unknown_id  sends a reply with an unknown id before each real reply
    not_json    answers every request with text that is not JSON
    huge        answers method "big" with a 200 MB reply (streamed), the rest as ok
    wrong_type  answers eth_gasPrice with the number 5 instead of a hex string
    silent      accepts TCP connections and never sends a byte
    deaf        answers the first 2 requests (the client's checks) and pings until then, then nothing
    reorder     collects requests and answers each group of 8 (or a 200 ms pause) in reverse order
    fees        a chain for the transaction manager whose fees are past 64 bits: eth_feeHistory's
                next base fee 2^64+5 wei and tips 2, 2^64+1, 2^64+3; the head moves one block per
                eth_blockNumber; nonces 0; transactions accepted and never mined (receipts null)
    fees_legacy the same without a base fee (legacy), eth_gasPrice 2^64+11 wei
"""
import base64, hashlib, json, os, socket, struct, sys, threading, time

from wsframes import GUID, frame, read_exact, read_frame  # noqa: E402 (beside this file)

MODE = sys.argv[1]




HEAD = [0x10]


def fees_answer(m):
    if m == "eth_blockNumber":
        HEAD[0] += 1
        return hex(HEAD[0])
    if m == "eth_feeHistory" and MODE == "fees":
        return {"oldestBlock": "0x10", "baseFeePerGas": ["0x10000000000000004", "0x10000000000000005"],
                "gasUsedRatio": [0.5], "reward": [["0x10000000000000003"], ["0x2"], ["0x10000000000000001"]]}
    if m == "eth_feeHistory":
        return {"oldestBlock": "0x10", "baseFeePerGas": [], "gasUsedRatio": [], "reward": []}
    if m == "eth_gasPrice":
        return "0x1000000000000000b"
    if m == "eth_getTransactionCount":
        return "0x0"
    if m == "eth_getTransactionReceipt":
        return None
    return "0x1"


def answer(req):
    m, i = req.get("method"), req.get("id")
    if m == "eth_chainId":
        r = "0x7a69"
    elif MODE in ("fees", "fees_legacy"):
        r = fees_answer(m)
    elif m == "eth_blockNumber":
        r = "0x10"
    elif m == "eth_gasPrice" and MODE == "wrong_type":
        r = 5
    else:
        r = "0x1"
    return {"jsonrpc": "2.0", "id": i, "result": r}


def replies(text):
    try:
        msg = json.loads(text)
    except ValueError:
        return [{"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}]
    if isinstance(msg, list):
        return [[answer(x) for x in msg]]
    return [answer(msg)]


def serve_ws(s, head):
    key = [l.split(b":", 1)[1].strip() for l in head.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key")][0]
    acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
    s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
    count, pending = 0, []
    s.settimeout(0.2)
    while True:
        try:
            op, data = read_frame(s)
        except socket.timeout:
            if pending:
                for r in reversed(pending):
                    s.sendall(frame(json.dumps(r).encode()))
                pending = []
            continue
        if op == 8:
            return
        if MODE == "deaf" and count >= 2:
            continue
        count += op == 1
        if op == 9:
            s.sendall(frame(data, 10))
            continue
        if op != 1:
            continue
        if MODE == "not_json":
            s.sendall(frame(b"this is not json {"))
            continue
        req = json.loads(data)
        if MODE == "huge" and isinstance(req, dict) and req.get("method") == "big":
            send_huge(s, req["id"])
            continue
        for r in replies(data):
            if MODE == "unknown_id":
                s.sendall(frame(json.dumps({"jsonrpc": "2.0", "id": 999999, "result": "0xdead"}).encode()))
            if MODE == "reorder":
                pending.append(r)
                if len(pending) >= 8:
                    for x in reversed(pending):
                        s.sendall(frame(json.dumps(x).encode()))
                    pending = []
                continue
            s.sendall(frame(json.dumps(r).encode()))


def send_huge(s, rid):
    size = 200 << 20
    head = ('{"jsonrpc":"2.0","id":%d,"result":"' % rid).encode()
    tail = b'"}'
    body = size - len(head) - len(tail)
    # The read loop's 0.2 s timeout would also bound each send: a client slowed down (ASan, a loaded
    # machine) that reads nothing for 0.2 s would make sendall raise and close the connection.
    s.settimeout(None)
    s.sendall(struct.pack("!BBQ", 0x81, 127, size) + head)
    chunk = b"a" * (1 << 20)
    while body > 0:
        n = min(body, len(chunk))
        s.sendall(chunk[:n])
        body -= n
    s.sendall(tail)
    s.settimeout(0.2)


def serve_http(s, head, rest):
    length = 0
    for l in head.split(b"\r\n"):
        if l.lower().startswith(b"content-length"):
            length = int(l.split(b":")[1])
    while len(rest) < length:
        rest += s.recv(65536)
    if MODE == "not_json":
        out = b"this is not json {"
    else:
        out = json.dumps(replies(rest[:length])[0]).encode()
    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(out) + out)


def conn(s):
    try:
        if MODE == "silent":
            time.sleep(120)
            return
        buf = b""
        while b"\r\n\r\n" not in buf:
            c = s.recv(65536)
            if not c:
                return
            buf += c
        head, rest = buf.split(b"\r\n\r\n", 1)
        if b"upgrade: websocket" in head.lower():
            serve_ws(s, head)
        else:
            serve_http(s, head, rest)
    except (EOFError, OSError, ValueError):
        pass
    finally:
        s.close()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    print(ls.getsockname()[1], os.getpid(), flush=True)
    threading.Timer(120, lambda: os._exit(0)).start()
    while True:
        s, _ = ls.accept()
        threading.Thread(target=conn, args=(s,), daemon=True).start()


main()
