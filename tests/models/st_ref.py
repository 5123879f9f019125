#!/usr/bin/env python3
"""The reference verdicts: each file of DIR opened with the `safetensors` Python package
(huggingface/safetensors; its Rust core's read_metadata). Prints NAME<TAB>ok|refuse<TAB>reason.
Exits 77 when the package is not importable."""
import os
import sys

try:
    import safetensors
    from safetensors import safe_open
except ImportError as e:
    print("safetensors package not importable: %s" % e, file=sys.stderr)
    sys.exit(77)

try:  # the binding's deserialize needs no array framework
    from safetensors._safetensors_rust import deserialize
except ImportError:
    deserialize = None


def verdict(path):
    try:
        if deserialize is not None:
            with open(path, "rb") as f:
                deserialize(f.read())
        else:
            with safe_open(path, framework="numpy") as f:
                f.keys()
        return "ok", ""
    except Exception as e:  # the package raises SafetensorError (and others on odd input)
        return "refuse", str(e).replace("\t", " ").replace("\n", " ")[:200]


def main():
    d = sys.argv[1]
    print("safetensors %s" % getattr(safetensors, "__version__", "?"), file=sys.stderr)
    for name in sorted(os.listdir(d)):
        if name.endswith(".safetensors"):
            v, why = verdict(os.path.join(d, name))
            print("%s\t%s\t%s" % (name[:-len(".safetensors")], v, why))


if __name__ == "__main__":
    main()
