"""tfg_image_resize against PyTorch's F.interpolate(mode="bilinear",
align_corners=False), the resize of the training peer
(../shared/peers/torch_fmnist.py).

usage: resize_torch.py path/to/test_images

For a spread of sizes (up, down, odd ratios, 1-pixel sides, 28 -> 32) and 1 or
3 channels: the float resize must agree with PyTorch within 1e-5 on the
[0, 1] scale (both compute sampling coordinates in float; the order of the
operations and FMA use differ, so not to the bit), and the uint8 resize must
be PyTorch's result on the same pixels rounded half up, except within 1e-3 of
a half, where one level either way is allowed. Skips (exit 0) without torch.
"""
import subprocess
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print(f"SKIP: {e} (Debian's python3-torch provides PyTorch)")
    sys.exit(0)

binary = sys.argv[1]
rng = np.random.default_rng(12)
cases = [(28, 28, 32, 32), (28, 28, 14, 14), (28, 28, 96, 96), (2, 2, 4, 4), (4, 4, 2, 2), (5, 7, 3, 11),
         (1, 1, 5, 5), (1, 9, 4, 1), (17, 13, 40, 9), (100, 80, 28, 28), (28, 28, 29, 31), (64, 48, 80, 80)]
worst = 0.0
near_half = 0
failed = 0
for sh, sw, dh, dw in cases:
    for c in (1, 3):
        x = (rng.integers(0, 256, (sh, sw, c)).astype(np.float32) / np.float32(255))
        r = subprocess.run([binary, "--resize", str(sh), str(sw), str(c), str(dh), str(dw)], input=x.tobytes(),
                           capture_output=True, check=True).stdout
        n = dh * dw * c
        ours = np.frombuffer(r[:4 * n], np.float32).reshape(dh, dw, c)
        ours_u8 = np.frombuffer(r[4 * n:], np.uint8).reshape(dh, dw, c).astype(np.int32)

        def torch_resize(a):
            t = torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).unsqueeze(0)
            return F.interpolate(t, size=(dh, dw), mode="bilinear", align_corners=False)[0].permute(1, 2, 0).numpy()

        ref = torch_resize(x)
        err = float(np.abs(ours - ref).max())
        worst = max(worst, err)
        pix = np.floor(x.astype(np.float64) * 255 + 0.5).astype(np.float32)
        ref255 = torch_resize(pix).astype(np.float64)
        want = np.floor(ref255 + 0.5).astype(np.int32)
        tie = np.abs(ref255 - np.floor(ref255) - 0.5) < 1e-3
        near_half += int(tie.sum())
        bad = (np.abs(ours_u8 - want) > tie.astype(np.int32)).sum()
        if err > 1e-5 or bad:
            failed += 1
            print(f"FAIL {sh}x{sw}x{c} -> {dh}x{dw}: float error {err:.2e}, {bad} uint8 values off")
print(f"resize vs PyTorch {torch.__version__}: {2 * len(cases)} cases, worst float error {worst:.1e}, "
      f"{near_half} near-half uint8 values; {failed} failed")
sys.exit(1 if failed else 0)
