#!/usr/bin/env python3
"""Compare generated code's int8 outputs with a model's golden outputs.

usage: golden_outputs.py MODEL_H GOT.bin GOLDEN.bin

Generated code takes and gives int8 (`tinyforge compile` drops the float
QUANTIZE/DEQUANTIZE at the model edges), while a golden file holds the
model's own output types, concatenated in subgraph order. For each output the
header gives the size and the quantization; when the golden file has four
bytes per element for the outputs together, every output is turned into
float32 as TFLite's DEQUANTIZE does (float(double(scale) * (q - zero_point)))
before the byte comparison. Exit 0 when equal, 1 with the first difference.
"""
import re
import struct
import sys


def main():
    header, got_path, want_path = sys.argv[1:4]
    text = open(header).read()
    outs = {}
    # Macro names are upper-case or the model's prefix as given; match either.
    for m in re.finditer(r"#define \w+?_OUTPUT(\d+)_(SIZE|SCALE|ZERO_POINT) (\S+)", text, re.IGNORECASE):
        outs.setdefault(int(m.group(1)), {})[m.group(2).upper()] = m.group(3).rstrip("uf")
    got = open(got_path, "rb").read()
    want = open(want_path, "rb").read()
    n = sum(int(o["SIZE"]) for o in outs.values())
    if len(got) != n:
        print(f"{got_path}: {len(got)} bytes, the header's outputs add up to {n}")
        return 1
    if len(want) == 4 * n:
        parts, pos = [], 0
        for k in sorted(outs):
            o = outs[k]
            size = int(o["SIZE"])
            # The header prints the float32 scale with 9 digits: parsing it
            # and rounding to float32 gives the model's scale exactly.
            scale = struct.unpack("<f", struct.pack("<f", float(o["SCALE"])))[0]
            zp = int(o["ZERO_POINT"])
            for q in struct.unpack(f"<{size}b", got[pos:pos + size]):
                parts.append(struct.pack("<f", scale * (q - zp)))
            pos += size
        got = b"".join(parts)
    elif len(want) != n:
        print(f"{want_path}: {len(want)} bytes fit neither int8 nor float32 outputs of {n} elements")
        return 1
    if got == want:
        return 0
    i = next(i for i in range(len(got)) if got[i] != want[i])
    print(f"first difference at byte {i} of {len(got)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
