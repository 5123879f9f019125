"""Websocket framing (RFC 6455) shared by the test servers fake_rpc.py and tls_ws_rpc.py."""
import struct

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(payload, opcode=1):
    n = len(payload)
    if n < 126:
        hdr = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        hdr = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        hdr = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return hdr + payload


def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def read_frame(s):
    b0, b1 = read_exact(s, 2)
    op, n = b0 & 15, b1 & 127
    if n == 126:
        n = struct.unpack("!H", read_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", read_exact(s, 8))[0]
    mask = read_exact(s, 4) if b1 & 128 else b"\0\0\0\0"
    data = bytearray(read_exact(s, n))
    for i in range(n):
        data[i] ^= mask[i % 4]
    return op, bytes(data)
