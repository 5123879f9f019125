#!/usr/bin/env python3
"""A TCP proxy for fault tests: sits between obridge and a peer and breaks connections.

  cutproxy.py TARGET_PORT [--port P] [--cut-every MS] [--seed N]

Prints "PORT PID" on stdout. Every connection is forwarded to 127.0.0.1:TARGET_PORT.
  --cut-every MS   cut every open connection at random intervals averaging MS (uniform 0.5-1.5 x),
                   half of the time with a TCP reset, half with a FIN
  SIGUSR1          cut every open connection now
  SIGUSR2          toggle "down": stop listening and cut everything / listen again on the same port
  SIGHUP           toggle "blackhole": connections stay open but nothing is forwarded either way
Counts (accepted, cut) are printed to stderr on exit (SIGTERM).
"""
import os, random, selectors, signal, socket, struct, sys, time

args = sys.argv[1:]
target = int(args[0])
opt = {args[i]: args[i + 1] for i in range(1, len(args) - 1, 2)}
port = int(opt.get("--port", 0))
cut_every = int(opt.get("--cut-every", 0)) / 1000.0
seed = int(opt.get("--seed", int(time.time())))
rng = random.Random(seed)
sel = selectors.DefaultSelector()
pairs = {}  # socket -> peer socket
flags = {"cut": False, "down_toggle": False, "blackhole": False, "stop": False}
stats = {"accepted": 0, "cut": 0}


def listen():
    global port
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(128)
    port = ls.getsockname()[1]
    ls.setblocking(False)
    sel.register(ls, selectors.EVENT_READ, "listen")
    return ls


def close_pair(s, rst):
    p = pairs.pop(s, None)
    for x in (s, p):
        if x is None:
            continue
        pairs.pop(x, None)
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        if rst:
            try:
                x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        x.close()


def cut_all():
    socks = list(pairs.keys())
    seen = set()
    for s in socks:
        if s in seen or s not in pairs:
            continue
        seen.add(pairs[s])
        stats["cut"] += 1
        close_pair(s, rng.random() < 0.5)


def on_signal(signum, frame):
    if signum == signal.SIGUSR1:
        flags["cut"] = True
    elif signum == signal.SIGUSR2:
        flags["down_toggle"] = True
    elif signum == signal.SIGHUP:
        flags["blackhole"] = not flags["blackhole"]
    else:
        flags["stop"] = True


for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, on_signal)

ls = listen()
print(port, os.getpid(), flush=True)
down = False
next_cut = time.monotonic() + cut_every * rng.uniform(0.5, 1.5) if cut_every else None
while not flags["stop"]:
    if flags["cut"]:
        flags["cut"] = False
        cut_all()
    if flags["down_toggle"]:
        flags["down_toggle"] = False
        if down:
            ls = listen()
            down = False
        else:
            sel.unregister(ls)
            ls.close()
            cut_all()
            down = True
    if next_cut and time.monotonic() >= next_cut:
        cut_all()
        next_cut = time.monotonic() + cut_every * rng.uniform(0.5, 1.5)
    try:
        events = sel.select(0.05)
    except InterruptedError:
        continue
    for key, _ in events:
        s = key.fileobj
        if key.data == "listen":
            try:
                c, _ = s.accept()
            except OSError:
                continue
            u = socket.socket()
            try:
                u.connect(("127.0.0.1", target))
            except OSError:
                c.close()
                continue
            c.setblocking(False)
            u.setblocking(False)
            pairs[c], pairs[u] = u, c
            sel.register(c, selectors.EVENT_READ, "fwd")
            sel.register(u, selectors.EVENT_READ, "fwd")
            stats["accepted"] += 1
            continue
        if s not in pairs:
            continue
        if flags["blackhole"]:
            time.sleep(0.005)
            continue
        try:
            data = s.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:
            close_pair(s, False)
            continue
        peer = pairs[s]
        try:
            peer.setblocking(True)
            peer.sendall(data)
            peer.setblocking(False)
        except OSError:
            close_pair(s, False)
print("cutproxy: accepted %d, cut %d, seed %d" % (stats["accepted"], stats["cut"], seed), file=sys.stderr)
