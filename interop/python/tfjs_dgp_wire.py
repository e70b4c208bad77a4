#!/usr/bin/env python3
"""Reference decoder of the tfjs-dgp wire format (docs/FORMAT.md), for Python servers.

Standard library and numpy only. Decodes the six message kinds: 1 update, 2 positions,
3 aligned values, 4 partial aggregate, 5 integer update, 6 modular partial aggregate. Bytes are treated as hostile: every check of FORMAT.md
"Decoder checks" is made, each field is read only after checking that its bytes remain, and
nothing is allocated before its size has been checked against the bytes that remain, so memory
stays within a small multiple of the message size. Any malformed input raises WireFormatError
(a ValueError) saying what is wrong, in which layer and at which byte offset.

    python3 tfjs_dgp_wire.py decode FILE     # prints the message as JSON

    from tfjs_dgp_wire import decode_update
    update = decode_update(data)   # {'round', 'layers': [{'name', 'shape', 'indices', 'values'}]}
"""
import json
import sys
import zlib

import numpy as np

MAGIC = b"DGPW"
VERSION = 1
KIND_UPDATE, KIND_POSITIONS, KIND_ALIGNED, KIND_PARTIAL, KIND_INTEGER, KIND_MODULAR_PARTIAL = 1, 2, 3, 4, 5, 6
KIND_NAMES = {1: "update", 2: "positions", 3: "aligned values", 4: "partial aggregate", 5: "integer update",
              6: "modular partial aggregate"}
HEADER = 20
MAX_NAME = 1024
MAX_RANK = 16
MAX_U32 = 0xFFFFFFFF


class WireFormatError(ValueError):
    """A malformed tfjs-dgp message."""


class _Reader:
    """Bounds-checked cursor over the layer section [pos, end)."""

    def __init__(self, data, pos, end):
        self.data = data
        self.pos = pos
        self.end = end
        self.context = ""

    def fail(self, what, at=None):
        raise WireFormatError("%s%s (at byte %d)" % (self.context, what, self.pos if at is None else at))

    def remaining(self):
        return self.end - self.pos

    def need(self, n, what):
        if n > self.remaining():
            self.fail("truncated %s: needs %d bytes, %d remain before the CRC" % (what, n, self.remaining()))

    def u8(self, what):
        self.need(1, what)
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self, what):
        start = self.pos
        value = 0
        for length in range(5):
            if self.pos >= self.end:
                self.fail("truncated %s varint" % what, start)
            byte = self.data[self.pos]
            self.pos += 1
            if length == 4 and byte > 0x0F:
                self.fail("%s varint overflows 32 bits" % what, start)
            value |= (byte & 0x7F) << (7 * length)
            if not byte & 0x80:
                if length > 0 and byte == 0:
                    self.fail("%s varint is overlong (redundant zero byte)" % what, start)
                return value
        raise AssertionError("unreachable: a 5th byte <= 0x0f ends the varint")

    def name(self):
        length = self.varint("name length")
        if length > MAX_NAME:
            self.fail("name length %d exceeds %d bytes" % (length, MAX_NAME))
        self.need(length, "name")
        start = self.pos
        self.pos += length
        try:
            return bytes(self.data[start:self.pos]).decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            self.fail("name is not valid UTF-8", start)

    def shape(self):
        start = self.pos
        rank = self.u8("rank")
        if rank > MAX_RANK:
            self.fail("rank %d exceeds %d" % (rank, MAX_RANK), start)
        dims = [self.varint("shape[%d]" % i) for i in range(rank)]
        n = 1
        for d in dims:
            n *= d
        if n > MAX_U32:
            self.fail("shape %s has %d elements; at most 2^32-1 are allowed" % (dims, n), start)
        return dims, n

    def array(self, dtype, count, what):
        width = np.dtype(dtype).itemsize
        self.need(width * count, "%s (%d %s)" % (what, count, np.dtype(dtype).name))
        a = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos).astype(np.dtype(dtype).newbyteorder("="))
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            j = int(bad[0])
            self.fail("%s[%d] is %r; values must be finite" % (what, j, float(a[j])), self.pos + width * j)
        self.pos += width * count
        return a


def _open(data, kind):
    """Header, length and CRC checks (FORMAT.md checks 1-5); returns a reader and header fields."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("data must be bytes, got %s" % type(data).__name__)
    data = bytes(data)
    n = len(data)
    extra = {KIND_ALIGNED: 4, KIND_PARTIAL: 20, KIND_INTEGER: 4, KIND_MODULAR_PARTIAL: 8}.get(kind, 0)
    minimum = HEADER + extra + 4
    if n < 4:
        raise WireFormatError("truncated: %d bytes, a message needs at least %d" % (n, minimum))
    if data[:4] != MAGIC:
        raise WireFormatError("not a tfjs-dgp message: magic is %r, expected b'DGPW'" % data[:4])
    if n < minimum:
        raise WireFormatError("truncated: %d bytes, a %s message needs at least %d" % (n, KIND_NAMES[kind], minimum))
    if data[4] != VERSION:
        raise WireFormatError("unsupported format version %d (this decoder reads version %d)" % (data[4], VERSION))
    if data[5] != kind:
        raise WireFormatError("expected kind %d (%s), got kind %d" % (kind, KIND_NAMES[kind], data[5]))
    if data[6] or data[7]:
        raise WireFormatError("reserved header bytes 6-7 must be 0")
    declared = int.from_bytes(data[8:12], "little")
    if declared != n:
        raise WireFormatError("length mismatch: the header says %d bytes, got %d" % (declared, n))
    stored = int.from_bytes(data[n - 4:], "little")
    computed = zlib.crc32(data[:n - 4]) & MAX_U32
    if stored != computed:
        raise WireFormatError("CRC-32 mismatch: stored 0x%08x, computed 0x%08x (corrupted message)" % (stored, computed))
    round_ = int.from_bytes(data[12:16], "little")
    layer_count = int.from_bytes(data[16:20], "little")
    r = _Reader(data, HEADER + extra, n - 4)
    min_layer = {KIND_ALIGNED: 2, KIND_PARTIAL: 2, KIND_INTEGER: 2, KIND_MODULAR_PARTIAL: 2}.get(kind, 4)
    if layer_count > r.remaining() // min_layer:
        r.fail("layer count %d cannot fit in %d bytes" % (layer_count, r.remaining()), 16)
    return r, round_, layer_count, stored


def _layer_name(r, i, seen):
    r.context = "layer %d: " % i
    start = r.pos
    name = r.name()
    r.context = "layer %d (%r): " % (i, name)
    if name in seen:
        r.fail("duplicate layer name", start)
    seen.add(name)
    return name


def _bitmap(r, count, n):
    size = (n + 7) // 8
    r.need(size, "bitmap of %d bits" % n)
    block = np.frombuffer(r.data, dtype=np.uint8, count=size, offset=r.pos)
    if n % 8 and block[-1] >> (n % 8):
        r.fail("bitmap sets a bit past the layer size %d (padding bits must be 0)" % n, r.pos + size - 1)
    bits = np.unpackbits(block, bitorder="little")
    set_bits = int(np.count_nonzero(bits))
    if set_bits != count:
        r.fail("bitmap has %d set bits, the count says %d" % (set_bits, count))
    indices = np.flatnonzero(bits).astype(np.uint32)
    r.pos += size
    return indices


def _delta(r, count, n):
    r.need(count, "%d delta indices" % count)
    if count == 0:
        return np.zeros(0, np.uint32)
    rest = np.frombuffer(r.data, dtype=np.uint8, count=r.remaining(), offset=r.pos)
    ends = np.flatnonzero(rest < 0x80)[:count]
    if ends.size < count:
        r.fail("truncated delta indices: %d varints do not fit" % count)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    if (lengths > 5).any():
        j = int(np.flatnonzero(lengths > 5)[0])
        r.fail("delta index %d overflows 32 bits" % j, r.pos + int(starts[j]))
    block = rest[:int(ends[-1]) + 1].astype(np.uint64)
    five = np.flatnonzero((lengths == 5) & (block[starts + 4 * (lengths == 5)] > 0x0F))
    if five.size:
        r.fail("delta index %d overflows 32 bits" % int(five[0]), r.pos + int(starts[five[0]]))
    overlong = np.flatnonzero((lengths > 1) & (block[ends] == 0))
    if overlong.size:
        r.fail("delta index %d is an overlong varint (redundant zero byte)" % int(overlong[0]), r.pos + int(starts[overlong[0]]))
    shift = np.arange(block.size, dtype=np.uint64) - np.repeat(starts, lengths).astype(np.uint64)
    deltas = np.add.reduceat((block & np.uint64(0x7F)) << (np.uint64(7) * shift), starts)
    zero = np.flatnonzero(deltas[1:] == 0)
    if zero.size:
        r.fail("index %d has delta 0: indices must be strictly ascending" % (int(zero[0]) + 1))
    indices = np.cumsum(deltas, dtype=np.uint64)
    far = np.flatnonzero(indices >= n)
    if far.size:
        r.fail("index %d is >= the layer size %d" % (int(far[0]), n))
    r.pos += int(ends[-1]) + 1
    return indices.astype(np.uint32)


def _sparse_layers(r, layer_count, with_values):
    seen = set()
    layers = []
    for i in range(layer_count):
        name = _layer_name(r, i, seen)
        shape, n = r.shape()
        coding_at = r.pos
        coding = r.u8("index coding")
        if coding not in (0, 1):
            r.fail("index coding %d is not 0 (bitmap) or 1 (delta)" % coding, coding_at)
        count = r.varint("count")
        if count > n:
            r.fail("count %d exceeds the layer size %d" % (count, n))
        if with_values:
            r.need(4 * count + (count if coding == 1 else (n + 7) // 8), "index block and %d values" % count)
        indices = _bitmap(r, count, n) if coding == 0 else _delta(r, count, n)
        layer = {"name": name, "shape": shape, "indices": indices}
        if with_values:
            layer["values"] = r.array("<f4", count, "values")
        layers.append(layer)
    r.context = ""
    if r.remaining():
        r.fail("%d unexpected bytes after the last layer" % r.remaining())
    return layers


def decode_update(data):
    """Kind 1: {'round', 'layers': [{'name', 'shape', 'indices' (uint32), 'values' (float32)}]}."""
    r, round_, layer_count, _ = _open(data, KIND_UPDATE)
    return {"round": round_, "layers": _sparse_layers(r, layer_count, True)}


def decode_positions(data):
    """Kind 2 (ADGP broadcast): {'round', 'id' (its CRC), 'layers': [{'name', 'shape', 'indices'}]}."""
    r, round_, layer_count, crc = _open(data, KIND_POSITIONS)
    return {"round": round_, "id": crc, "layers": _sparse_layers(r, layer_count, False)}


def decode_aligned(data):
    """Kind 3 (ADGP values): {'round', 'positions_id', 'layers': [{'name', 'values'}]}."""
    r, round_, layer_count, _ = _open(data, KIND_ALIGNED)
    positions_id = int.from_bytes(r.data[HEADER:HEADER + 4], "little")
    seen = set()
    layers = []
    for i in range(layer_count):
        name = _layer_name(r, i, seen)
        count = r.varint("count")
        layers.append({"name": name, "values": r.array("<f4", count, "values")})
    r.context = ""
    if r.remaining():
        r.fail("%d unexpected bytes after the last layer" % r.remaining())
    return {"round": round_, "positions_id": positions_id, "layers": layers}


def decode_partial(data):
    """Kind 4: {'round', 'of', 'positions_id', 'clients', 'total_weight',
    'layers': [{'name', 'shape' (of 1) or 'count' (of 3), 'sums' (float64)}]}."""
    r, round_, layer_count, _ = _open(data, KIND_PARTIAL)
    d = r.data
    of = d[20]
    if of not in (KIND_UPDATE, KIND_ALIGNED):
        raise WireFormatError("partial of kind %d: only 1 (updates) or 3 (aligned values) can be summed" % of)
    if d[21] or d[22] or d[23]:
        raise WireFormatError("reserved partial header bytes 21-23 must be 0")
    positions_id = int.from_bytes(d[24:28], "little")
    if of == KIND_UPDATE and positions_id:
        raise WireFormatError("a partial of updates must have positionsId 0, got 0x%08x" % positions_id)
    clients = int.from_bytes(d[28:32], "little")
    total_weight = float(np.frombuffer(d, dtype="<f8", count=1, offset=32)[0])
    if not np.isfinite(total_weight) or total_weight < 0:
        raise WireFormatError("total weight %r must be a finite number >= 0 (at byte 32)" % total_weight)
    seen = set()
    layers = []
    for i in range(layer_count):
        name = _layer_name(r, i, seen)
        layer = {"name": name}
        if of == KIND_UPDATE:
            layer["shape"], n = r.shape()
        else:
            n = layer["count"] = r.varint("count")
        layer["sums"] = r.array("<f8", n, "sums")
        layers.append(layer)
    r.context = ""
    if r.remaining():
        r.fail("%d unexpected bytes after the last layer" % r.remaining())
    return {"round": round_, "of": of, "positions_id": positions_id, "clients": clients,
            "total_weight": total_weight, "layers": layers}


def _integer(data, kind):
    r, round_, layer_count, _ = _open(data, kind)
    positions_id = int.from_bytes(r.data[HEADER:HEADER + 4], "little")
    out = {"round": round_, "positions_id": positions_id}
    if kind == KIND_MODULAR_PARTIAL:
        out["clients"] = int.from_bytes(r.data[HEADER + 4:HEADER + 8], "little")
    seen = set()
    layers = []
    for i in range(layer_count):
        name = _layer_name(r, i, seen)
        layer = {"name": name}
        if positions_id == 0:
            layer["shape"], n = r.shape()
        else:
            n = layer["count"] = r.varint("count")
        layer["values" if kind == KIND_INTEGER else "sums"] = r.array("<u4", n, "values" if kind == KIND_INTEGER else "sums")
        layers.append(layer)
    r.context = ""
    if r.remaining():
        r.fail("%d unexpected bytes after the last layer" % r.remaining())
    out["layers"] = layers
    return out


def decode_integer(data):
    """Kind 5: {'round', 'positions_id', 'layers': [{'name', 'shape' (positions_id 0) or 'count',
    'values' (uint32, residues mod 2^32)}]}."""
    return _integer(data, KIND_INTEGER)


def decode_modular_partial(data):
    """Kind 6: {'round', 'positions_id', 'clients', 'layers': [{'name', 'shape' or 'count', 'sums' (uint32)}]}."""
    return _integer(data, KIND_MODULAR_PARTIAL)


DECODERS = {KIND_UPDATE: decode_update, KIND_POSITIONS: decode_positions, KIND_ALIGNED: decode_aligned,
            KIND_PARTIAL: decode_partial, KIND_INTEGER: decode_integer, KIND_MODULAR_PARTIAL: decode_modular_partial}


def decode(data):
    """Decodes a message of any kind (read from its header) and adds 'kind' to the result."""
    if len(data) >= 4 and bytes(data[:4]) != MAGIC:
        raise WireFormatError("not a tfjs-dgp message: magic is %r, expected b'DGPW'" % bytes(data[:4]))
    if len(data) < 6:
        raise WireFormatError("truncated: %d bytes" % len(data))
    kind = data[5]
    if kind not in DECODERS:
        raise WireFormatError("unknown message kind %d" % kind)
    out = DECODERS[kind](data)
    out["kind"] = kind
    return out


def to_json(message):
    """Numpy arrays as lists (float32 values printed as their exact decimal float64)."""
    def plain(x):
        if isinstance(x, np.ndarray):
            return x.tolist()
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, list):
            return [plain(v) for v in x]
        return x
    return json.dumps(plain(message))


def main(argv):
    if len(argv) != 3 or argv[1] != "decode":
        sys.stderr.write("usage: tfjs_dgp_wire.py decode FILE\n")
        return 2
    with open(argv[2], "rb") as f:
        data = f.read()
    try:
        print(to_json(decode(data)))
    except WireFormatError as e:
        sys.stderr.write("error: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
