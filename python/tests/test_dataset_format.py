"""The dataset format contract (docs/CONTRACT.md, v1): a dataset written by the real CLI
(`intersections generate`) is read back by Hugging Face `datasets.load_dataset(folder)` with the
right features, splits and counts, and agrees with `intersections inspect --json`.
Needs `npm run build` first (scripts/test.sh runs it before the Python tests)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "bin" / "intersections.js"
IMAGE_SIZE = 64
# Images per label (as `--splits` counts them).
SPLITS = {"train": 3, "validation": 1, "test": 2}


def run_cli(*args: str) -> list[dict]:
    """Runs the built CLI with --json and returns its job events (fails with its output)."""
    proc = subprocess.run(["node", str(CLI), *args, "--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"intersections {args[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def split_counts(meta: dict) -> dict[str, dict[str, int]]:
    """Per-split per-label counts as intersections.json records them (splits.<split>.label_counts)."""
    return {split: {str(k): int(n) for k, n in info["label_counts"].items()} for split, info in meta["splits"].items()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "dataset"
    splits = ",".join(f"{k}={v}" for k, v in SPLITS.items())
    events = run_cli("generate", "--style", "classic", "--image-size", str(IMAGE_SIZE), "--dataset-folder", str(folder),
                     "--splits", splits, "--seed", "7", "--workers", "1")
    assert events[0]["event"] == "start" and events[-1]["event"] == "done", events[-3:]
    return folder


@pytest.fixture(scope="module")
def loaded(generated, tmp_path_factory):
    import datasets
    cache = tmp_path_factory.mktemp("hf-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")  # a local folder: never ask the network
        return datasets.load_dataset(str(generated), cache_dir=str(cache))


def test_layout_on_disk(generated):
    assert (generated / "README.md").is_file()
    assert (generated / "intersections.json").is_file()
    for split in SPLITS:
        shards = sorted((generated / "data").glob(f"{split}-*-of-*.parquet"))
        assert shards, f"no data/{split}-*.parquet"
        n = len(shards)
        assert [s.name for s in shards] == [f"{split}-{i:05d}-of-{n:05d}.parquet" for i in range(n)]


def test_features_decode_as_image_classlabel_and_nested_lists(loaded):
    import datasets
    features = loaded["train"].features
    assert isinstance(features["image"], datasets.Image)
    assert isinstance(features["label"], datasets.ClassLabel)
    assert features["label"].names == ["0", "1", "2"]
    assert features["line_a"] == datasets.List(datasets.List(datasets.Value("float64")))
    assert features["line_b"] == datasets.List(datasets.List(datasets.Value("float64")))
    assert features["color_a"] == datasets.Value("string")
    assert features["line_width"] == datasets.Value("float64")
    assert features["image_size"] == datasets.Value("int32")
    assert features["style"] == datasets.Value("string")


def test_splits_and_counts_match_intersections_json(generated, loaded):
    meta = json.loads((generated / "intersections.json").read_text())
    assert meta["generator"]["name"] and meta["format_version"] == 1
    counts = split_counts(meta)
    assert set(loaded.keys()) == set(SPLITS) == set(counts)
    for split, ds in loaded.items():
        seen: dict[str, int] = {}
        for label in ds["label"]:
            seen[str(label)] = seen.get(str(label), 0) + 1
        assert seen == {k: v for k, v in counts[split].items() if v}, split
        assert len(ds) == sum(counts[split].values()) == 3 * SPLITS[split]
        # Classes are balanced exactly.
        assert seen == {"0": SPLITS[split], "1": SPLITS[split], "2": SPLITS[split]}, seen


def test_images_decode_to_the_right_size_and_lines_fit(loaded):
    row = loaded["test"][0]
    image = row["image"]
    assert image.size == (IMAGE_SIZE, IMAGE_SIZE)
    assert row["image_size"] == IMAGE_SIZE
    for line in (row["line_a"], row["line_b"]):
        assert len(line) == 3 and all(len(p) == 2 for p in line)
        assert all(-1 <= v <= IMAGE_SIZE + 1 for p in line for v in p)
    assert row["color_a"].startswith("#") and len(row["color_a"]) == 7


def test_typescript_reader_agrees_with_datasets(generated, loaded):
    events = run_cli("inspect", str(generated))
    summary = events[-1]["summary"]
    assert summary["format"] == "intersections"
    by_name = {s["name"]: s for s in summary["splits"]}
    for split, ds in loaded.items():
        assert by_name[split]["rows"] == len(ds)
        expected: dict[str, int] = {}
        for label in ds["label"]:
            expected[str(label)] = expected.get(str(label), 0) + 1
        assert by_name[split]["labelCounts"] == expected
        assert by_name[split]["imageSizes"] == [IMAGE_SIZE]


def test_style_column_of_a_mixed_dataset(tmp_path):
    """The default style (mixed): pyarrow and `datasets` read the style column; each row's image
    has its image_size, blindtest rows the BlindTest sizes and colours."""
    import datasets
    import pyarrow.parquet as pq
    from PIL import Image
    import io

    folder = tmp_path / "mixed"
    run_cli("generate", "--dataset-folder", str(folder), "--num-images", "10", "--seed", "3", "--workers", "1")
    table = pq.read_table(sorted((folder / "data").glob("train-*.parquet"))[0]).to_pydict()
    assert set(table["style"]) == {"classic", "blindtest"}
    for img, style, size, color_a in zip(table["image"], table["style"], table["image_size"], table["color_a"]):
        assert Image.open(io.BytesIO(img["bytes"])).size == (size, size)
        if style == "blindtest":
            assert size in (384, 768, 1152) and color_a == "#0000ff"
        else:
            assert size == 224
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        ds = datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "hf-cache"))
    assert ds["train"].features["style"] == datasets.Value("string")
    assert ds["train"]["style"] == table["style"]
