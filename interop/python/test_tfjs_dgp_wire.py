"""Tests of the Python reference decoder (tfjs_dgp_wire.py).

Golden vectors of test/fixtures/wire/ against the values docs/FORMAT.md and test/fl/golden.ts
state; then, when DGP_INTEROP_DIR names the output of make_vectors.js, every message the package
encoded (decoded exactly as the TypeScript decoders read it) and every hostile one (accepted or
rejected exactly as each TypeScript decoder did, rejection a WireFormatError / ValueError, with
a bounded allocation).

    /usr/bin/python3 -m unittest discover -s interop/python -v
"""
import json
import os
import subprocess
import sys
import tracemalloc
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tfjs_dgp_wire as w  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "test", "fixtures", "wire")
VECTORS = os.environ.get("DGP_INTEROP_DIR")
DECODERS = [w.decode_update, w.decode_positions, w.decode_aligned, w.decode_partial]


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def f32_bits(values):
    return [int(x) for x in np.asarray(values, dtype=np.float32).view(np.uint32)]


class GoldenVectors(unittest.TestCase):
    def test_every_fixture_is_tested(self):
        self.assertEqual(sorted(os.listdir(FIXTURES)), ["aligned.bin", "integer-aligned.bin", "integer-dense.bin", "modular-partial.bin", "partial-small.bin",
                                                        "positions.bin", "update-empty.bin", "update-small.bin"])

    def test_integer_and_modular_partial(self):
        u = w.decode_integer(fixture("integer-dense.bin"))
        self.assertEqual((u["round"], u["positions_id"]), (9, 0))
        self.assertEqual([(l["name"], l["shape"], l["values"].tolist()) for l in u["layers"]], [("b", [2], [1, 0xFFFFFFFF]), ("s", [], [0x80000000])])
        self.assertEqual(u["layers"][0]["values"].dtype, np.uint32)
        a = w.decode_integer(fixture("integer-aligned.bin"))
        self.assertEqual((a["round"], a["positions_id"]), (3, 0x838DBB86))
        self.assertEqual([(l["name"], l["count"], l["values"].tolist()) for l in a["layers"]], [("dense/kernel", 5, [0, 1, 0xFFFFFFFE, 7, 0x12345678])])
        p = w.decode_modular_partial(fixture("modular-partial.bin"))
        self.assertEqual((p["round"], p["positions_id"], p["clients"]), (9, 0, 2))
        self.assertEqual([(l["name"], l["shape"], l["sums"].tolist()) for l in p["layers"]], [("b", [2], [3, 2]), ("s", [], [1])])
        self.assertEqual(w.decode(fixture("modular-partial.bin"))["kind"], 6)
        with self.assertRaisesRegex(ValueError, "CRC-32 mismatch"):
            w.decode_integer(fixture("integer-dense.bin")[:-1] + b"\x00")

    def test_update_small(self):
        u = w.decode_update(fixture("update-small.bin"))
        self.assertEqual(u["round"], 7)
        self.assertEqual([(l["name"], l["shape"], l["indices"].tolist()) for l in u["layers"]],
                         [("b", [4], [1, 3]), ("w", [2, 300], [5, 130, 599]), ("s", [], [0])])
        self.assertEqual(f32_bits(u["layers"][1]["values"]), f32_bits([1.25, -0.0, 0.1]))
        self.assertEqual(u["layers"][0]["values"].tolist(), [0.5, -2.0])
        self.assertEqual(u["layers"][2]["values"].dtype, np.float32)
        self.assertEqual(u["layers"][0]["indices"].dtype, np.uint32)

    def test_update_empty(self):
        self.assertEqual(w.decode_update(fixture("update-empty.bin")), {"round": 0, "layers": []})

    def test_positions_and_aligned(self):
        p = w.decode_positions(fixture("positions.bin"))
        self.assertEqual((p["round"], p["id"]), (3, 0x838DBB86))
        self.assertEqual([(l["name"], l["shape"], l["indices"].tolist()) for l in p["layers"]], [("dense/kernel", [4, 4], [0, 1, 2, 3, 8])])
        a = w.decode_aligned(fixture("aligned.bin"))
        self.assertEqual((a["round"], a["positions_id"]), (3, p["id"]))
        self.assertEqual(a["layers"][0]["values"].tolist(), [1, 2, 0, -1, 0.25])

    def test_partial_small(self):
        p = w.decode_partial(fixture("partial-small.bin"))
        self.assertEqual({k: p[k] for k in ("round", "of", "positions_id", "clients", "total_weight")},
                         {"round": 7, "of": 1, "positions_id": 0, "clients": 2, "total_weight": 4.0})
        self.assertEqual([(l["name"], l["shape"], l["sums"].tolist()) for l in p["layers"]], [("b", [4], [3, 1.25, 0, -2]), ("s", [], [39])])

    def test_wrong_kind_is_a_value_error(self):
        with self.assertRaisesRegex(ValueError, r"expected kind 1 \(update\), got kind 2"):
            w.decode_update(fixture("positions.bin"))

    def test_cli_prints_json(self):
        out = subprocess.run([sys.executable, os.path.join(ROOT, "interop", "python", "tfjs_dgp_wire.py"), "decode",
                              os.path.join(FIXTURES, "update-small.bin")], check=True, capture_output=True, text=True).stdout
        m = json.loads(out)
        self.assertEqual(m["round"], 7)
        self.assertEqual(m["layers"][1], {"name": "w", "shape": [2, 300], "indices": [5, 130, 599], "values": [1.25, -0.0, float(np.float32(0.1))]})
        bad = subprocess.run([sys.executable, os.path.join(ROOT, "interop", "python", "tfjs_dgp_wire.py"), "decode", os.path.join(FIXTURES, "..", "..", "..", "README.md")],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("error: not a tfjs-dgp message", bad.stderr)


def comparable(kind, m):
    """A decoded message in make_vectors.js's exact form (float bits, hex of float64 sums)."""
    layers = []
    for l in m["layers"]:
        x = {"name": l["name"]}
        if "shape" in l:
            x["shape"] = l["shape"]
        if "indices" in l:
            x["indices"] = l["indices"].tolist()
        if "values" in l:
            x["values"] = f32_bits(l["values"])
        if "sums" in l:
            x["sums"] = np.asarray(l["sums"], dtype="<f8").tobytes().hex()
            x.setdefault("shape", None)
        layers.append(x)
    out = {k: v for k, v in m.items() if k not in ("layers", "id", "kind")}
    if "total_weight" in out:
        out["total_weight"] = np.asarray([out["total_weight"]], dtype="<f8").tobytes().hex()
    out["layers"] = layers
    return out


@unittest.skipUnless(VECTORS, "set DGP_INTEROP_DIR to the output of make_vectors.js")
class PackageMessages(unittest.TestCase):
    def test_valid_messages_decode_as_typescript_reads_them(self):
        with open(os.path.join(VECTORS, "valid.json")) as f:
            cases = json.load(f)
        self.assertGreaterEqual(len(cases), 10)
        self.assertEqual(sorted({c["kind"] for c in cases}), [1, 2, 3, 4])
        for c in cases:
            m = DECODERS[c["kind"] - 1](bytes.fromhex(c["hex"]))
            self.assertEqual(comparable(c["kind"], m), c["decoded"])

    def test_hostile_messages_are_accepted_or_rejected_as_typescript_does(self):
        with open(os.path.join(VECTORS, "hostile.json")) as f:
            cases = json.load(f)
        self.assertGreater(len(cases), 5000)
        rejected = 0
        tracemalloc.start()
        try:
            for i, c in enumerate(cases):
                data = bytes.fromhex(c["hex"])
                for k, (decode, verdict) in enumerate(zip(DECODERS, c["verdicts"])):
                    tracemalloc.reset_peak()
                    try:
                        m = decode(data)
                    except w.WireFormatError:
                        self.assertFalse(verdict["ok"], "case %d: Python rejected what TypeScript's decoder %d accepted" % (i, k + 1))
                        rejected += 1
                    else:
                        self.assertTrue(verdict["ok"], "case %d: Python accepted what TypeScript's decoder %d rejected" % (i, k + 1))
                        self.assertEqual(comparable(k + 1, m), verdict["decoded"], "case %d" % i)
                    peak = tracemalloc.get_traced_memory()[1]
                    self.assertLessEqual(peak, 100 * len(data) + 256 * 1024, "case %d: %d bytes allocated for a %d-byte message" % (i, peak, len(data)))
        finally:
            tracemalloc.stop()
        print("python decoder: %d hostile messages x 4 decoders, %d rejections, agreement with TypeScript on all" % (len(cases), rejected))


if __name__ == "__main__":
    unittest.main()
