"""End to end on the tiny model: train a few steps -> export-onnx -> the TypeScript ONNX path
(transformers.js in node) gives the same input ids, answers and scores as PyTorch on the same
images. Also: the export layout transformers.js expects, and that the parity check fails loudly."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from intersections_trainer.onnx_graphs import ExportError
from intersections_trainer.onnx_parity import OnnxPaliGemma, check_parity
from tests.inference_helpers import line_png, train_tiny, write_dataset

ROOT = Path(__file__).resolve().parents[2]
PY_DIR = ROOT / "python"
# Only float rounding differs: larger images are resized by Pillow in PyTorch and by
# resizeLikePil (the same bytes as Pillow) before transformers.js.
SCORE_ATOL = 1e-4


def env():
    return {**os.environ, "OMP_NUM_THREADS": "2", "PYTHONPATH": str(PY_DIR), "INTERSECTIONS_PYTHON": sys.executable}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("onnx-e2e")
    ds = write_dataset(base / "ds", {"train": 12, "test": 3})
    # 20 steps at 3e-3: enough for digit answers with the tiny processor's std-0.1 inputs (10 steps
    # at 1e-2 still answered with an empty text)
    run = train_tiny(base / "run", ds, steps=20, lr=3e-3)
    r = subprocess.run([sys.executable, "-m", "intersections_trainer.export_onnx", "--model", str(run), "--json"],
                       cwd=PY_DIR, env=env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    size = json.loads((run / "onnx" / "config.json").read_text())["vision_config"]["image_size"]
    images = []
    for i in range(4):
        p = base / f"img{i}.png"
        p.write_bytes(line_png(i + 20, size=size if i % 2 else 150))  # 150 px: resized by both sides
        images.append(p)
    return run, events, images


def test_export_events_and_layout(exported):
    run, events, _ = exported
    out = run / "onnx"
    assert events[0]["event"] == "start" and events[0]["job"] == "export-onnx"
    assert {"event": "artifact", "kind": "onnx", "path": str(out)}.items() <= {**events[-2]}.items() or \
        any(e["event"] == "artifact" and e["kind"] == "onnx" and e["path"] == str(out) for e in events)
    assert events[-1]["event"] == "done"
    for f in ["config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json",
              "tokenizer_config.json", "intersections_onnx.json", "onnx/vision_encoder.onnx", "onnx/embed_tokens.onnx",
              "onnx/decoder_model_merged.onnx", "onnx/vision_encoder_q4.onnx", "onnx/decoder_model_merged_q4.onnx",
              "onnx/embed_tokens_fp16.onnx"]:
        assert (out / f).is_file(), f
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model_type"] == "paligemma" and cfg["text_config"]["model_type"] == "gemma2"
    pre = json.loads((out / "preprocessor_config.json").read_text())
    v = cfg["vision_config"]
    assert pre["image_seq_length"] == (v["image_size"] // v["patch_size"]) ** 2
    assert pre["image_processor_type"] == "SiglipImageProcessor"
    manifest = json.loads((out / "intersections_onnx.json").read_text())
    assert manifest["parity"]["same_tokens"] and manifest["parity"]["max_abs_logit_diff"] <= 1e-3


def test_graph_interfaces_match_transformers_js(exported):
    import onnx

    run, _, _ = exported
    o = run / "onnx" / "onnx"
    dec = onnx.load(str(o / "decoder_model_merged.onnx"), load_external_data=False)
    ins = [i.name for i in dec.graph.input]
    outs = [i.name for i in dec.graph.output]
    assert ins[:3] == ["inputs_embeds", "attention_mask", "position_ids"]
    assert ins[3:] == [f"past_key_values.{i}.{k}" for i in range(2) for k in ("key", "value")] + ["num_logits_to_keep"]
    assert outs == ["logits"] + [f"present.{i}.{k}" for i in range(2) for k in ("key", "value")]
    cfg = json.loads((run / "onnx" / "config.json").read_text())["text_config"]
    past = dec.graph.input[3].type.tensor_type.shape.dim
    # transformers.js builds the empty cache from these: batch_size is resolved, other names -> 0.
    assert past[0].dim_param == "batch_size" and past[2].dim_param == "past_sequence_length"
    assert (past[1].dim_value, past[3].dim_value) == (cfg["num_key_value_heads"], cfg["head_dim"])
    vis = onnx.load(str(o / "vision_encoder.onnx"))
    assert [i.name for i in vis.graph.input] == ["pixel_values"] and [i.name for i in vis.graph.output] == ["image_features"]
    q4 = onnx.load(str(o / "decoder_model_merged_q4.onnx"))
    assert any(n.op_type == "MatMulNBits" for n in q4.graph.node)
    emb16 = onnx.load(str(o / "embed_tokens_fp16.onnx"))
    assert emb16.graph.initializer[0].data_type == onnx.TensorProto.FLOAT16
    assert emb16.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT


def test_typescript_onnx_path_matches_pytorch(exported, tmp_path):
    from intersections_trainer.predict import load_model, open_image, run_inference

    run, _, images = exported
    model, processor, info = load_model(str(run), "cpu")
    ref = run_inference(model, processor, [open_image(p) for p in images], info["prompt"], batch_size=1)
    (tmp_path / "pytorch-reference.json").write_text(json.dumps(
        [{"image": str(p), **{k: r[k] for k in ("prediction", "text", "scores", "input_ids")}} for p, r in zip(images, ref)]))
    if not (ROOT / "dist" / "cli.js").exists():
        subprocess.run(["node", "esbuild.mjs"], cwd=ROOT, check=True)
    r = subprocess.run(["node", "bin/intersections.js", "predict", "--json", "--backend", "onnx", "--variant", "fp32",
                        "--model", str(run), *map(str, images)], cwd=ROOT, env=env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    done = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")][-1]
    assert done["event"] == "done" and done["summary"]["backend"] == "onnx"
    got = done["summary"]["results"]
    assert len(got) == len(ref)
    for i, (want, have) in enumerate(zip(ref, got)):
        assert have["input_ids"] == want["input_ids"]
        assert have["prediction"] == want["prediction"] and have["text"] == want["text"]
        for a in ("0", "1", "2"):
            assert abs(have["scores"][a] - want["scores"][a]) <= SCORE_ATOL, (i, a, have["scores"], want["scores"])
    assert all(isinstance(r["prediction"], int) for r in ref)  # the trained model answers with digits


def test_parity_check_fails_loudly_when_graphs_and_weights_disagree(exported):
    import torch

    from intersections_trainer.export_onnx import _synthetic_images
    from intersections_trainer.predict import load_model

    run, _, _ = exported
    model, processor, info = load_model(str(run), "cpu")
    with torch.no_grad():
        model.lm_head.weight.mul_(1.5)  # the exported graphs keep the old weights
    with pytest.raises(ExportError, match="does not match PyTorch"):
        check_parity(model, processor, run / "onnx", _synthetic_images(model.config.vision_config.image_size), info["prompt"])


def test_onnx_runner_greedy_agrees_with_q4_variant_shape(exported):
    import numpy as np

    run, _, _ = exported
    r = OnnxPaliGemma(run / "onnx", "q4")
    v = r.config["vision_config"]
    n_img = (v["image_size"] // v["patch_size"]) ** 2
    ids = np.array([[r.config["image_token_index"]] * n_img + [2, 5, 6, 4]], dtype=np.int64)
    tokens, logits = r.generate(ids, np.zeros((1, 3, v["image_size"], v["image_size"]), np.float32), 2, eos=1)
    assert tokens.shape[0] == 1 and logits[0].shape == (1, r.config["text_config"]["vocab_size"])


def test_export_refuses_a_missing_model(tmp_path):
    r = subprocess.run([sys.executable, "-m", "intersections_trainer.export_onnx", "--model", str(tmp_path / "none"), "--json"],
                       cwd=PY_DIR, env=env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    err = json.loads(r.stdout.splitlines()[-1])
    assert err["event"] == "error" and "not found" in err["message"] and err["hint"]


def test_large_graphs_use_external_data_that_onnx_runtime_and_config_agree_on(tmp_path, monkeypatch):
    from intersections_trainer import export_onnx, onnx_graphs
    from intersections_trainer.predict import load_model

    monkeypatch.setattr(onnx_graphs, "EXTERNAL_DATA_BYTES", 100_000)  # as if every graph were over 2 GB
    model, processor, info = load_model("base:tiny", "cpu")
    manifest = export_onnx.export(model, processor, info, tmp_path / "onnx", quantize=False)
    o = tmp_path / "onnx" / "onnx"
    assert manifest["external_data"] == ["decoder_model_merged.onnx_data", "embed_tokens.onnx_data",
                                         "embed_tokens_fp16.onnx_data", "vision_encoder.onnx_data"]
    assert all((o / n).stat().st_size > 100_000 for n in manifest["external_data"])
    assert not list(o.glob(".export-*")) and len(list(o.iterdir())) == 8  # no scattered per-tensor files
    cfg = json.loads((tmp_path / "onnx" / "config.json").read_text())
    assert cfg["transformers.js_config"]["use_external_data_format"]["decoder_model_merged.onnx"] == 1
    assert manifest["parity"]["same_tokens"]  # ONNX Runtime read the external weights


def test_lora_run_from_the_trainer_is_merged_and_exported(tmp_path):
    import onnx

    ds = write_dataset(tmp_path / "ds", {"train": 4, "test": 3})
    run = tmp_path / "lora-run"
    r = subprocess.run([sys.executable, "-m", "intersections_trainer", "train", "--ckpt-id", "tiny", "--mode", "lora",
                        "--dataset-folder", str(ds), "--output-dir", str(run), "--max-steps", "2", "--batch-size", "2",
                        "--eval-split", "test"], cwd=PY_DIR, env=env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-1500:] + r.stderr[-1500:]
    assert (run / "model" / "adapter_config.json").exists()
    r = subprocess.run([sys.executable, "-m", "intersections_trainer", "export-onnx", "--model", str(run), "--no-quantize"],
                       cwd=PY_DIR, env=env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-1500:] + r.stderr[-1500:]
    manifest = json.loads((run / "onnx" / "intersections_onnx.json").read_text())
    assert manifest["source"]["format"] == "lora" and manifest["parity"]["same_tokens"]
    dec = onnx.load(str(run / "onnx" / "onnx" / "decoder_model_merged.onnx"))
    assert not [t.name for t in dec.graph.initializer if "lora" in t.name.lower()]  # merged into the weights


def test_num_logits_to_keep_selects_the_last_positions(exported):
    import numpy as np
    import onnxruntime as ort

    run, _, _ = exported
    sess = ort.InferenceSession(str(run / "onnx" / "onnx" / "decoder_model_merged.onnx"), providers=["CPUExecutionProvider"])
    cfg = json.loads((run / "onnx" / "config.json").read_text())["text_config"]
    feeds = {"inputs_embeds": np.random.default_rng(0).standard_normal((1, 5, cfg["hidden_size"])).astype(np.float32),
             "attention_mask": np.ones((1, 5), np.int64), "position_ids": np.arange(1, 6, dtype=np.int64)[None]}
    for i in sess.get_inputs():
        if i.name.startswith("past_key_values."):
            feeds[i.name] = np.zeros((1, i.shape[1], 0, i.shape[3]), np.float32)
    full = sess.run(["logits"], {**feeds, "num_logits_to_keep": np.array(0, np.int64)})[0]
    last = sess.run(["logits"], {**feeds, "num_logits_to_keep": np.array(1, np.int64)})[0]
    two = sess.run(["logits"], {**feeds, "num_logits_to_keep": np.array(2, np.int64)})[0]
    assert full.shape[1] == 5 and last.shape[1] == 1 and two.shape[1] == 2
    np.testing.assert_allclose(last[:, 0], full[:, -1], atol=1e-5)
    np.testing.assert_allclose(two, full[:, -2:], atol=1e-5)
