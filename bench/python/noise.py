"""numpy's Gaussian noise as the speed peer of tfjs-dgp's discrete-Gaussian sampler (issue 20 ask 3):
np.random.default_rng().normal(size=n) in float64 (PCG64 + ziggurat; neither secure nor exact),
one thread, timed in Python; run by bench/noise_section.ts.

usage: noise.py <n> <repeats>
prints one JSON line: {"seconds": [...per call...], "version": ...}
"""
import json
import sys
import time


def main():
    n, repeats = int(sys.argv[1]), int(sys.argv[2])
    import numpy as np

    rng = np.random.default_rng()
    x = rng.normal(size=n)  # warm up at full size: the timed calls then reuse warm memory, as the native side does
    del x
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        x = rng.normal(size=n)
        seconds.append(time.perf_counter() - t0)
        del x
    print(json.dumps({"seconds": seconds, "version": np.__version__}))


if __name__ == "__main__":
    main()
