#!/usr/bin/env python3
"""Write a deterministic safetensors file of about SIZE bytes, streamed (1 MiB at a time, never the
whole file in memory): one U8 tensor per GiB at most, data from a seeded 1 MiB block, each MiB
changed by its index so no two MiB are equal. Prints the sha256.

usage: gen_model.py PATH SIZE [--seed S]"""
import hashlib
import json
import random
import struct
import sys

MIB = 1 << 20


def main():
    path, size = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    data_len = max(0, size - 256) // MIB * MIB or MIB
    tensors, at, i = {}, 0, 0
    while at < data_len:
        n = min(1 << 30, data_len - at)
        tensors["layer.%d.weight" % i] = {"dtype": "U8", "shape": [n // 1024, 1024], "data_offsets": [at, at + n]}
        at += n
        i += 1
    tensors["__metadata__"] = {"format": "pt", "generator": "obridge tests"}
    header = json.dumps(tensors, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    block = bytearray(random.Random(seed).randbytes(MIB))
    h = hashlib.sha256()
    with open(path, "wb") as f:
        head = struct.pack("<Q", len(header)) + header
        f.write(head)
        h.update(head)
        for k in range(data_len // MIB):
            block[0:8] = struct.pack("<Q", k)
            f.write(block)
            h.update(block)
    print(h.hexdigest())


if __name__ == "__main__":
    main()
