#!/usr/bin/env python3
"""Deterministic corpus of safetensors files, good and broken, for the checker's tests.

usage: st_corpus.py DIR [--mutants N] [--seed S]

Writes DIR/NAME.safetensors and DIR/expected.tsv: NAME<TAB>ok|refuse<TAB>a substring of the reason
obridge must give. The verdicts follow the reference implementation (huggingface/safetensors,
tensor.rs: read_metadata, Metadata::validate). Mutants (random edits of the good files, seeded)
get verdict '?' : only the reference can tell (the package, or its verdicts recorded in
st_ref_verdicts.tsv), so only the differential test reads them.
Standard library only."""
import json
import os
import random
import struct
import sys

BITS = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8,
        "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
        "I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64}


def nbytes(dtype, shape):
    n = 1
    for d in shape:
        n *= d
    return n * BITS[dtype] // 8


def layout(tensors):
    """tensors: list of (name, dtype, shape) -> header dict with contiguous offsets, data length."""
    hdr, at = {}, 0
    for name, dtype, shape in tensors:
        size = nbytes(dtype, shape)
        hdr[name] = {"dtype": dtype, "shape": shape, "data_offsets": [at, at + size]}
        at += size
    return hdr, at


def data_bytes(n, seed):
    r = random.Random(seed)
    return bytes(r.getrandbits(8) for _ in range(n))


def assemble(header_text, data, length=None):
    h = header_text.encode("utf-8") if isinstance(header_text, str) else header_text
    n = len(h) if length is None else length
    return struct.pack("<Q", n) + h + data


def good(hdr, datalen, seed=1, pad=0):
    text = json.dumps(hdr, separators=(",", ":")) + " " * pad
    return assemble(text, data_bytes(datalen, seed))


def cases():
    c = []

    def add(name, verdict, reason, blob):
        c.append((name, verdict, reason, blob))

    # ---- good
    for i, dtype in enumerate(sorted(BITS)):
        shape = [2, 4] if BITS[dtype] >= 8 else [4, 4]
        hdr, n = layout([("w", dtype, shape)])
        add("good_dtype_" + dtype, "ok", "", good(hdr, n, seed=i))
    hdr, n = layout([("a", "F32", [3, 2]), ("b", "I64", [5]), ("c", "BF16", []), ("d", "U8", [0, 7])])
    hdr["__metadata__"] = {"format": "pt", "note": "é ünïcode"}
    add("good_metadata", "ok", "", good(hdr, n))
    hdr, n = layout([("x", "F16", [8])])
    hdr["__metadata__"] = None
    add("good_metadata_null", "ok", "", good(hdr, n))
    add("good_empty", "ok", "", assemble("{}", b""))
    add("good_empty_padded", "ok", "", assemble("{}        ", b""))
    hdr, n = layout([("z1", "F32", [0]), ("z2", "F32", [0]), ("t", "U8", [3])])
    add("good_zero_size", "ok", "", good(hdr, n))
    hdr, n = layout([("l%03d" % i, "F32", [i % 5 + 1, 3]) for i in range(40)])
    items = list(hdr.items())
    random.Random(7).shuffle(items)
    add("good_keys_shuffled", "ok", "", good(dict(items), n, pad=5))
    hdr, n = layout([("w", "F32", [2])])
    hdr["w"]["extra"] = {"ignored": [1, 2]}
    add("good_unknown_field", "ok", "", good(hdr, n))
    hdr, n = layout([("w", "F4", [3, 2]), ("v", "F6_E2M3", [4]), ("u", "F6_E3M2", [2, 2, 2])])
    add("good_subbyte", "ok", "", good(hdr, n))
    hdr, n = layout([("big", "U8", [1 << 20])])
    add("good_1mib", "ok", "", good(hdr, n))

    # ---- bad
    hdr, n = layout([("w", "F32", [4, 4])])
    blob = good(hdr, n)
    add("bad_truncated", "refuse", "truncated", blob[:-3])
    add("bad_trailing", "refuse", "trailing bytes", blob + b"\0\0")
    add("bad_short_file", "refuse", "shorter than the 8-byte", b"\x05\0\0")
    add("bad_header_past_end", "refuse", "runs past the end", assemble(json.dumps(hdr), b"", length=5000))
    add("bad_header_too_large", "refuse", "over the format's limit", struct.pack("<Q", 100_000_001) + b"{}")
    add("bad_header_huge_u64", "refuse", "over the format's limit", b"\xff" * 8 + b"{}")
    add("bad_header_empty", "refuse", "not a JSON object", assemble("", b""))
    add("bad_not_json", "refuse", "not a JSON object", assemble("{\"w\": {dtype", b"\0" * 64))
    add("bad_not_utf8", "refuse", "not a JSON object", assemble(b'{"w\xff": 1}', b""))
    add("bad_top_array", "refuse", "expected a JSON object", assemble("[]", b""))
    # an unterminated string after the header object (found by the differential test: yajl took it)
    add("bad_trailing_open_string", "refuse", "trailing garbage", assemble('{} "      ', b""))
    add("bad_formfeed_space", "refuse", "not JSON whitespace", assemble('{}\f', b""))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["dtype"] = "F128"
    add("bad_unknown_dtype", "refuse", "unknown dtype 'F128'", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["dtype"] = "f32"
    add("bad_dtype_lowercase", "refuse", "unknown dtype", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["dtype"] = 32
    add("bad_dtype_number", "refuse", "dtype", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["shape"] = [4, 3]
    add("bad_shape_range", "refuse", "tensor 'w'", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["shape"] = [4, -4]
    add("bad_shape_negative", "refuse", "tensor 'w'", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["shape"] = [4, 4.0]
    add("bad_shape_float", "refuse", "tensor 'w'", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["shape"] = [1 << 32, 1 << 32]
    add("bad_shape_overflow", "refuse", "overflows", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["shape"] = [1 << 61, 1]
    add("bad_size_overflow", "refuse", "overflows", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["shape"] = [18446744073709551616]
    add("bad_shape_past_u64", "refuse", "tensor 'w'", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); del hdr2["w"]["dtype"]
    add("bad_missing_dtype", "refuse", "missing 'dtype'", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); del hdr2["w"]["data_offsets"]
    add("bad_missing_offsets", "refuse", "missing 'data_offsets'", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"]["data_offsets"] = [0, 64, 64]
    add("bad_offsets_three", "refuse", "data_offsets", good(hdr2, n))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["w"] = "F32"
    add("bad_tensor_not_object", "refuse", "tensor 'w'", good(hdr2, n))
    hdr, n = layout([("a", "F32", [4]), ("b", "F32", [4])])
    hdr2 = json.loads(json.dumps(hdr)); hdr2["b"]["data_offsets"] = [8, 24]
    add("bad_overlap", "refuse", "overlap", good(hdr2, n - 8))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["b"]["data_offsets"] = [20, 36]
    add("bad_gap", "refuse", "leave a gap", good(hdr2, n + 4))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["a"]["data_offsets"] = [4, 20]; hdr2["b"]["data_offsets"] = [20, 36]
    add("bad_not_from_zero", "refuse", "leave a gap", good(hdr2, 36))
    hdr2 = json.loads(json.dumps(hdr)); hdr2["b"]["data_offsets"] = [16, 0]
    add("bad_end_before_begin", "refuse", "tensor 'b'", good(hdr2, n))
    hdr, n = layout([("m", "U8", [2])])
    hdr["__metadata__"] = {"format": "pt", "layers": 12}
    add("bad_metadata_number", "refuse", "__metadata__: 'layers'", good(hdr, n))
    hdr["__metadata__"] = ["pt"]
    add("bad_metadata_array", "refuse", "__metadata__", good(hdr, n))
    hdr["__metadata__"] = {"nested": {"a": "b"}}
    add("bad_metadata_nested", "refuse", "__metadata__", good(hdr, n))
    add("bad_f4_odd", "refuse", "whole bytes", good({"q": {"dtype": "F4", "shape": [3], "data_offsets": [0, 2]}}, 2))
    add("bad_f6_three", "refuse", "whole bytes", good({"q": {"dtype": "F6_E3M2", "shape": [3], "data_offsets": [0, 3]}}, 3))
    return c


def mutate(blob, r):
    b = bytearray(blob)
    kind = r.randrange(6)
    if kind == 0 and len(b) > 8:  # flip a header or data byte
        i = r.randrange(len(b))
        b[i] ^= 1 << r.randrange(8)
    elif kind == 1:  # truncate
        del b[r.randrange(len(b) + 1):]
    elif kind == 2:  # append
        b += bytes(r.getrandbits(8) for _ in range(r.randrange(1, 9)))
    elif kind == 3 and len(b) >= 8:  # change the length field by a little
        n = struct.unpack("<Q", bytes(b[:8]))[0]
        b[:8] = struct.pack("<Q", max(0, n + r.randrange(-4, 5)))
    elif kind == 4:  # replace a digit in the header
        n = struct.unpack("<Q", bytes(b[:8]))[0] if len(b) >= 8 else 0
        digits = [i for i in range(8, min(len(b), 8 + n)) if chr(b[i]).isdigit()]
        if digits:
            b[r.choice(digits)] = ord(str(r.randrange(10)))
    else:  # replace a header character with JSON punctuation
        if len(b) > 9:
            i = r.randrange(8, min(len(b), 200))
            b[i] = ord(r.choice('{}[],:" 0-.eE'))
    return bytes(b)


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out = args[0]
    mutants = int(args[args.index("--mutants") + 1]) if "--mutants" in args else 0
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
    os.makedirs(out, exist_ok=True)
    cs = cases()
    with open(os.path.join(out, "expected.tsv"), "w") as f:
        for name, verdict, reason, blob in cs:
            with open(os.path.join(out, name + ".safetensors"), "wb") as g:
                g.write(blob)
            f.write("%s\t%s\t%s\n" % (name, verdict, reason))
        r = random.Random(seed)
        goods = [blob for name, v, _, blob in cs if v == "ok" and len(blob) < 4096]
        for i in range(mutants):
            blob = mutate(r.choice(goods), r)
            for _ in range(r.randrange(3)):
                blob = mutate(blob, r)
            name = "mut_%05d" % i
            with open(os.path.join(out, name + ".safetensors"), "wb") as g:
                g.write(blob)
            f.write("%s\t?\t\n" % name)


if __name__ == "__main__":
    main()
