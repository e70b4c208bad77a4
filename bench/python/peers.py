"""numpy and PyTorch doing tfjs-dgp's selection (SPEC §1 codes: 0 bottom, 1 kept, 2 top) on one
float32 layer, timed in Python; run by bench/python_peers.ts with Debian's /usr/bin/python3.

usage: peers.py <numpy|torch> <layer.f32> <kTop> <kBottom> <codes.out> <min seconds>
prints one JSON line: {"seconds": [...per call...], "version": ..., "threads": ...}

Forms (each peer's fastest public way to get both tails, as far as measured here):
  numpy: a = |g|; p = argpartition(a, (kBottom-1, n-kTop)): both cut positions in one call;
         bottom = p[:kBottom], top = p[n-kTop:]. Ties at a cut fall where introselect puts
         them, not by index (SPEC §1), so tie groups at a threshold may differ from ours.
  torch: a = |g|; topk(a, kTop, sorted=False) and topk(a, kBottom, largest=False,
         sorted=False), one intra-op thread (torch.set_num_threads(1)).
"""
import json
import sys
import time


def main():
    peer, path, k_top, k_bottom, out_path, min_seconds = sys.argv[1:7]
    k_top, k_bottom, min_seconds = int(k_top), int(k_bottom), float(min_seconds)
    import numpy as np

    g = np.fromfile(path, dtype=np.float32)
    n = g.size
    if peer == "numpy":
        version = np.__version__
        threads = 1

        def select():
            a = np.abs(g)
            codes = np.ones(n, dtype=np.uint8)
            kth = [k for k in (k_bottom - 1, n - k_top) if 0 <= k < n]
            p = np.argpartition(a, kth) if kth else np.arange(n)
            if k_bottom:
                codes[p[:k_bottom]] = 0
            if k_top:
                codes[p[n - k_top:]] = 2
            return codes

    elif peer == "torch":
        import torch

        torch.set_num_threads(1)
        version = torch.__version__
        threads = torch.get_num_threads()
        t = torch.from_numpy(g)

        def select():
            a = t.abs()
            codes = torch.ones(n, dtype=torch.uint8)
            if k_bottom:
                codes[torch.topk(a, k_bottom, largest=False, sorted=False).indices] = 0
            if k_top:
                codes[torch.topk(a, k_top, sorted=False).indices] = 2
            return codes.numpy()

    else:
        raise SystemExit(f"unknown peer {peer}")

    codes = select()  # warm-up; its output is checked against ours
    codes.astype(np.uint8).tofile(out_path)
    seconds = []
    start = time.perf_counter()
    while len(seconds) < 3 or (time.perf_counter() - start < min_seconds and len(seconds) < 50):
        t0 = time.perf_counter()
        select()
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": seconds, "version": version, "threads": threads}))


if __name__ == "__main__":
    main()
