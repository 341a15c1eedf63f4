#!/usr/bin/python3
"""Independent reference for the YOLO decoder and NMS (runtime/yolo.c).

Reads the problems test_yolo wrote (int8 heads, their quantization, the
parameters) with the runtime's results, decodes every problem again from the
rules in docs/detection.md in float64 numpy, and compares:

  - the counts (candidates, held, kept, written) exactly;
  - the boxes in order: same class, score within 1e-6 relative, coordinates
    within 1e-5 x (largest magnitude in the box + 1 pixel); float32 tables
    and arithmetic are about 2e-7 relative from float64.

Float32 and float64 can disagree where a decision sits on a knife edge. The
reference finds those decisions itself and then skips the problem (counted):
a score within 1e-6 relative of the threshold; two unequal scores within
1e-6 relative of each other where their order matters (across the scratch or
box-array cut, or a kept box and a later box of its class that it may
suppress); an IoU within its float32 error bound of the threshold. Exactly
equal scores are ties broken by generation order, as documented, and are
compared. No more than 10% of the random problems may be skipped.

Prints one line per failure and "N passed, N failed"; exit status 1 on any
failure.
"""
import sys

import numpy as np

FLT_MIN = 2.0**-126
SCORE_REL = 5e-7  # float32 scores are within 1.8e-7 relative (three roundings)
COORD_REL = 1e-5


def f32(s):
    """The float32 value the C side printed with %.9g, as a float64."""
    return float(np.float32(s))


def parse(path):
    cases, cur = [], None
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "case":
                cur = {"name": w[1], "heads": [], "boxes": []}
            elif w[0] == "params":
                cur["n_heads"], cur["classes"] = int(w[1]), int(w[2])
                cur["score_thr"], cur["iou_thr"] = f32(w[3]), f32(w[4])
                cur["max_cand"], cur["max_boxes"] = int(w[5]), int(w[6])
            elif w[0] == "head":
                a = int(w[4])
                cur["heads"].append({
                    "h": int(w[1]), "w": int(w[2]), "stride": f32(w[3]), "anchors": a,
                    "scale": f32(w[5]), "zp": int(w[6]),
                    "anchor_wh": np.array([f32(v) for v in w[7:7 + 2 * a]]).reshape(a, 2)})
            elif w[0] == "data":
                cur["heads"][-1]["data"] = np.array([int(v) for v in w[1:]], dtype=np.int64)
            elif w[0] == "result":
                cur["result"] = [int(v) for v in w[1:6]]
            elif w[0] == "box":
                cur["boxes"].append([f32(v) for v in w[1:6]] + [int(w[6])])
            elif w[0] == "end":
                cases.append(cur)
    return cases


def decode(case):
    """All (cell, anchor, class) triples of all heads in generation order:
    boxes [n, 4], score [n], cls [n]."""
    C = case["classes"]
    boxes, scores, classes = [], [], []
    for hd in case["heads"]:
        q = np.arange(-128, 128)
        r = hd["scale"] * (q - hd["zp"]).astype(np.float64)
        sig = 1.0 / (1.0 + np.exp(-r))
        ex = np.exp(r)
        # The documented table rule: values below FLT_MIN are 0.
        sig[sig < FLT_MIN] = 0.0
        ex[ex < FLT_MIN] = 0.0
        A = hd["anchors"]
        t = hd["data"].reshape(hd["h"], hd["w"], A, 5 + C) + 128
        gy, gx = np.meshgrid(np.arange(hd["h"]), np.arange(hd["w"]), indexing="ij")
        cx = (sig[t[..., 0]] + gx[..., None]) * hd["stride"]
        cy = (sig[t[..., 1]] + gy[..., None]) * hd["stride"]
        bw = ex[t[..., 2]] * hd["anchor_wh"][:, 0]
        bh = ex[t[..., 3]] * hd["anchor_wh"][:, 1]
        b = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=-1)  # [h, w, A, 4]
        s = sig[t[..., 4]][..., None] * sig[t[..., 5:]]  # [h, w, A, C]
        boxes.append(np.repeat(b[..., None, :], C, axis=-2).reshape(-1, 4))
        scores.append(s.reshape(-1))
        classes.append(np.broadcast_to(np.arange(C), s.shape).reshape(-1))
    return np.concatenate(boxes), np.concatenate(scores), np.concatenate(classes)


def near_tie(a, b):
    return a != b and abs(a - b) <= SCORE_REL * max(a, b)


def iou_with_margin(k, b):
    """IoU of box b with each row of k (float64), and per row whether a
    float32 evaluation could land on the other side of thr: returned as
    (iou, eps, touching) where touching marks an intersection side within
    rounding of zero."""
    iw = np.minimum(k[:, 2], b[2]) - np.maximum(k[:, 0], b[0])
    ih = np.minimum(k[:, 3], b[3]) - np.maximum(k[:, 1], b[1])
    M = np.maximum(np.abs(k).max(axis=1), np.abs(b).max()) + 1.0
    tolc = 4e-7 * M  # a few float32 ulps of the coordinates
    inter = np.where((iw > 0) & (ih > 0), iw * ih, 0.0)
    area_k = (k[:, 2] - k[:, 0]) * (k[:, 3] - k[:, 1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    union = area_k + area_b - inter
    iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    clear0 = (iw <= -tolc) | (ih <= -tolc)
    touching = ~clear0 & ((iw < tolc) | (ih < tolc))
    # Both sides clearly positive: the sides' relative errors bound the IoU's.
    # Clearly disjoint boxes have IoU 0 in either precision; touching ones
    # are the caller's to judge (eps -1: never within it).
    eps = 1e-6 + 2 * tolc * (1 / np.maximum(iw, tolc) + 1 / np.maximum(ih, tolc))
    eps = np.where(clear0 | touching, -1.0, eps)
    return iou, eps, touching


def reference(case):
    """(stats, boxes, ambiguity or None)."""
    boxes, scores, classes = decode(case)
    thr, iou_thr = case["score_thr"], case["iou_thr"]
    seq = np.arange(len(scores))
    edge = (scores != thr) & (np.abs(scores - thr) <= SCORE_REL * thr)
    if edge.any():
        return None, None, "a score within 1e-6 of the threshold"
    cand = seq[scores >= thr]
    order = cand[np.lexsort((seq[cand], -scores[cand]))]
    held = order[:case["max_cand"]]
    if len(order) > len(held) > 0 and near_tie(scores[order[len(held) - 1]], scores[order[len(held)]]):
        return None, None, "a near tie across the scratch cut"
    kept = []
    for i in held:
        same = [j for j in kept if classes[j] == classes[i]]
        if same:
            k = boxes[same]
            iou, eps, touching = iou_with_margin(k, boxes[i])
            sides = eps >= 0  # both intersection sides clearly positive
            if iou_thr == 0.0:
                # Suppression is then any overlap: only touching boxes are in doubt.
                clear, maybe = sides, touching
            elif iou_thr >= 1.0:
                # IoU never exceeds 1 in float32 either (inter <= each area <=
                # union survive rounding): nothing is suppressed.
                clear = maybe = np.zeros(len(same), dtype=bool)
            else:
                clear = sides & (iou > iou_thr + eps)
                maybe = sides & (np.abs(iou - iou_thr) <= eps)
            if maybe.any() and not clear.any():
                return None, None, "an IoU within float32 error of the threshold"
            # A kept box near-tied with this one may come after it in float32
            # and be the one suppressed, unless a box clearly ahead of both
            # suppresses this one anyway.
            ties = np.array([near_tie(scores[j], scores[i]) for j in same])
            if (ties & sides & (iou > iou_thr - eps)).any() and not (clear & ~ties).any():
                return None, None, "near-tied boxes that may suppress each other"
            if clear.any():
                continue
        kept.append(i)
    mb = case["max_boxes"]
    if len(kept) > mb > 0 and near_tie(scores[kept[mb - 1]], scores[kept[mb]]):
        return None, None, "a near tie across the box-array cut"
    out = kept[:mb]
    stats = [len(out), len(cand), len(held), len(kept), len(out)]
    ref = [list(boxes[i]) + [scores[i], int(classes[i])] for i in out]
    return stats, ref, None


def box_matches(c, r):
    M = max(abs(v) for v in r[:4]) + 1.0
    return (c[5] == r[5] and abs(c[4] - r[4]) <= SCORE_REL * r[4] + 1e-30
            and all(abs(c[k] - r[k]) <= COORD_REL * M for k in range(4)))


def compare(case, stats, ref):
    got = case["boxes"]
    if case["result"] != stats:
        return "counts (written, candidates, held, kept, written) %s, reference %s" % (case["result"], stats)
    i = 0
    while i < len(ref):
        # A run of near-tied scores may come out in either order.
        j = i + 1
        while j < len(ref) and (ref[j][4] == ref[j - 1][4] or near_tie(ref[j][4], ref[j - 1][4])):
            j += 1
        if any(near_tie(ref[k][4], ref[k - 1][4]) for k in range(i + 1, j)):
            pool = list(got[i:j])
            for r in ref[i:j]:
                m = next((c for c in pool if box_matches(c, r)), None)
                if m is None:
                    return "box %d..%d: no match for reference %s" % (i, j - 1, r)
                pool.remove(m)
        else:
            for k in range(i, j):
                if not box_matches(got[k], ref[k]):
                    return "box %d: runtime %s, reference %s" % (k, got[k], ref[k])
        i = j
    return None


def main():
    cases = parse(sys.argv[1])
    passed = failed = skipped = boxes = 0
    for case in cases:
        stats, ref, why = reference(case)
        if why:
            skipped += 1
            print("skip %s: %s" % (case["name"], why))
            continue
        err = compare(case, stats, ref)
        if err:
            failed += 1
            print("FAIL %s: %s" % (case["name"], err))
        else:
            passed += 1
            boxes += len(ref)
        if case["name"] == "astronaut":
            print("reference on astronaut.png: %d boxes" % len(ref))
            for r in ref:
                print("  person %.3f  x %.1f..%.1f  y %.1f..%.1f" % (r[4], r[0], r[2], r[1], r[3]))
    random = [c for c in cases if c["name"].startswith("random")]
    print("%d problems: %d equal to the reference (%d boxes), %d skipped as knife-edge" %
          (len(cases), passed, boxes, skipped))
    if random and skipped > len(random) // 10:
        print("FAIL: more than 10% of the random problems skipped")
        failed += 1
    if not cases:
        print("FAIL: no problems read")
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
