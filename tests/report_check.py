#!/usr/bin/env python3
"""Checks for tests/report.sh (standard library only).

  report_check.py json REPORT.json PLAN.json   report numbers == plan --json numbers
  report_check.py svgs PAGE.html OUTDIR        write the page's inline SVGs to OUTDIR/N.svg
  report_check.py png SHOT.png W H             the screenshot decodes and is not blank
  report_check.py dom DOM.html PLAN.json       the rendered DOM shows plan's peak and MACs
  report_check.py bench REPORT.json OUT.json   a bench --json --layers file for the report's steps
"""
import json
import re
import struct
import sys
import zlib


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check_json(report_path, plan_path):
    r = json.load(open(report_path))
    p = json.load(open(plan_path))
    for k in ("peak_bytes", "lower_bound_bytes", "macs", "weights_bytes"):
        if r[k] != p[k]:
            fail(f"{k}: report {r[k]} != plan {p[k]}")
    for k, v in p["schedule"].items():
        if r["schedule"][k] != v:
            fail(f"schedule.{k}: report {r['schedule'][k]} != plan {v}")
    if len(r["candidates"]) != len(p["candidates"]):
        fail(f"{len(r['candidates'])} candidates in the report, {len(p['candidates'])} in plan")
    for i, (a, b) in enumerate(zip(r["candidates"], p["candidates"])):
        for k, v in b.items():
            if a[k] != v:
                fail(f"candidate {i} {k}: report {a[k]} != plan {v}")
    if len(r["steps"]) != len(p["steps"]):
        fail("step counts differ")
    lbl = r["layouts"]["layer_by_layer"]
    for a, b in zip(r["steps"], p["steps"]):
        for k, v in b.items():
            if a[k] != v:
                fail(f"step {b['step']} {k}: report {a[k]} != plan {v}")
        s = b["step"]
        roles = lbl["step_live_by_role"][s]
        if sum(roles.values()) != b["live_bytes"] or lbl["step_live_bytes"][s] != b["live_bytes"]:
            fail(f"step {s}: live bytes by role {roles} do not add up to plan's {b['live_bytes']}")
        if lbl["step_top_bytes"][s] != b["top_bytes"]:
            fail(f"step {s}: top bytes differ")
    # The layer-by-layer buffers are plan's, placed at the same offsets.
    got = sorted((x["offset"], x["bytes"], x["first_step"], x["last_step"]) for x in lbl["buffers"])
    want = sorted((x["offset"], x["bytes"], x["first_step"], x["last_step"]) for x in p["buffers"])
    if got != want:
        fail("layer-by-layer buffers differ from plan's")
    if lbl["peak_bytes"] != p["peak_bytes"]:
        fail("layer-by-layer layout peak differs")
    # A chosen patched schedule: its layout is the arena plan reports for it.
    pat = r["layouts"]["patched"]
    if r["schedule"]["split_step"] >= 0:
        if not r["layouts"]["patched_is_chosen"] or pat is None:
            fail("chosen patched schedule without its layout")
        want = p["schedule"]["peak_bytes_streamed_input" if r["schedule"]["streamed_input"] else "peak_bytes"]
        if pat["peak_bytes"] != want or r["arena_bytes"] != want:
            fail(f"patched layout peak {pat['peak_bytes']} != plan's schedule peak {want}")
        if max(pat["step_live_bytes"]) != pat["lower_bound_bytes"]:
            fail("patched lower bound is not its largest step")
        for s, roles in enumerate(pat["step_live_by_role"]):
            if sum(roles.values()) != pat["step_live_bytes"][s]:
                fail(f"patched step {s}: roles do not add up")
        g = r["patch_grid"]
        if g is None or len(g["tiles"]) != g["grid"][0] * g["grid"][1] or g["grid"] != p["schedule"]["grid"]:
            fail("patch grid does not match the schedule")
        # The tiles cover the stage output exactly once.
        h, w = g["stage_output_hw"]
        if sum((t["tile"][1] - t["tile"][0]) * (t["tile"][3] - t["tile"][2]) for t in g["tiles"]) != h * w:
            fail("tiles do not cover the stage output")
    else:
        if r["arena_bytes"] != p["peak_bytes"]:
            fail("layer-by-layer arena differs")
    # The arena never holds two live buffers in the same bytes, except an
    # output written over its input (an in-place pool): the same offset, live
    # together only at the step where one ends and the other begins.
    for name, lay in r["layouts"].items():
        if not isinstance(lay, dict):
            continue
        bufs = lay["buffers"]
        bs = [(k, b) for k, b in enumerate(bufs) if b["bytes"]]
        for i, (ka, a) in enumerate(bs):
            if a["offset"] + a["bytes"] > lay["peak_bytes"]:
                fail(f"{name}: {a['name']} ends past the arena")
            for kb, b in bs[i + 1:]:
                if a.get("written_over") == kb or b.get("written_over") == ka:
                    if a["offset"] != b["offset"] or (a["last_step"] != b["first_step"]
                                                      and b["last_step"] != a["first_step"]):
                        fail(f"{name}: {a['name']} is written over {b['name']} but not in place")
                    continue
                if (a["first_step"] <= b["last_step"] and b["first_step"] <= a["last_step"]
                        and a["offset"] < b["offset"] + b["bytes"] and b["offset"] < a["offset"] + a["bytes"]):
                    fail(f"{name}: {a['name']} and {b['name']} overlap")
    print(f"json ok: peak {r['peak_bytes']}, {len(r['candidates'])} candidates, {len(r['steps'])} steps, "
          f"schedule {r['schedule']['name']}")


def extract_svgs(html_path, outdir):
    text = open(html_path, encoding="utf-8").read()
    svgs = re.findall(r"<svg\b.*?</svg>", text, re.S)
    if len(svgs) < 4:
        fail(f"{html_path}: {len(svgs)} inline SVGs, expected at least 4")
    for i, s in enumerate(svgs):
        open(f"{outdir}/{i}.svg", "w", encoding="utf-8").write(s)
    for bad in ("<script", "http://", "https://", "@import", "url("):
        # the SVG namespace is the one URL allowed: it names, it is never fetched
        if bad in text.replace('xmlns="http://www.w3.org/2000/svg"', ""):
            fail(f"{html_path} contains {bad!r}: the page must be self-contained")
    print(len(svgs))


def decode_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                fail(f"{path}: unexpected PNG format (depth {depth}, colour type {ctype})")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytes(stride), 0
    for _ in range(h):
        f, line = raw[i], raw[i + 1:i + 1 + stride]
        i += 1 + stride
        if f == 2:  # Up: the common case in screenshots, done without a per-byte branch
            line = bytes((x + y) & 255 for x, y in zip(line, prev))
        elif f != 0:
            line = bytearray(line)
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1:
                    line[x] = (line[x] + a) & 255
                elif f == 3:
                    line[x] = (line[x] + (a + b) // 2) & 255
                elif f == 4:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            line = bytes(line)
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def check_png(path, want_w, want_h):
    w, h, bpp, rows = decode_png(path)
    if (w, h) != (int(want_w), int(want_h)):
        fail(f"{path}: {w}x{h}, expected {want_w}x{want_h}")
    colours, ink = set(), 0
    for row in rows[::2]:
        for x in range(0, w * bpp, bpp * 2):
            px = row[x:x + 3]
            colours.add(px)
            if min(px) < 200:
                ink += 1
    sampled = (h // 2) * (w // 2)
    if len(colours) < 16 or ink < sampled // 50:
        fail(f"{path} looks blank: {len(colours)} colours, {ink} of {sampled} sampled pixels with ink")
    print(f"{w}x{h}, {len(colours)} colours, {100.0 * ink / sampled:.1f}% of pixels with ink")


def check_dom(dom_path, plan_path):
    dom = open(dom_path, encoding="utf-8").read()
    p = json.load(open(plan_path))
    s = p["schedule"]
    want = {
        "peak": f'data-bytes="{p["peak_bytes"]}"',
        "macs": f'data-macs="{p["macs"]}"',
        "schedule peak": f'data-bytes="{s["peak_bytes"]}"',
        "schedule macs": f'data-macs="{s["macs"]}"',
        "peak, formatted": f'{p["peak_bytes"]:,} B',
        "MACs, formatted": f'{p["macs"]:,}',
    }
    for what, needle in want.items():
        if needle not in dom:
            fail(f"{dom_path}: the rendered page lacks the {what} ({needle})")
    if dom.count("<svg") < 4 or 'id="fig-timeline"' not in dom:
        fail(f"{dom_path}: figures missing from the rendered page")
    print(f"dom ok: peak {p['peak_bytes']}, MACs {p['macs']}")


def make_bench(report_path, out_path):
    p = json.load(open(report_path))
    layers = [{"index": s["step"], "op": s["type"], "macs": s["macs"], "instructions": 1000 + 7 * s["step"]}
              for s in p["steps"]]
    json.dump({"model": p["model"], "target": "cortex-m4", "instructions": sum(x["instructions"] for x in layers),
               "layers": layers}, open(out_path, "w"))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"json": check_json, "svgs": extract_svgs, "png": check_png, "dom": check_dom, "bench": make_bench}[cmd](*args)
