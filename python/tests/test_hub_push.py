"""`train --push-to-hub --model-id user/name` against a local fake Hub (HF_ENDPOINT) that checks
what huggingface_hub sends: the bearer token, the repo creation, and a commit holding the model
folder with its model card. Also: a rejected token and a missing token are clear errors, and the
token never appears in the output or in events.jsonl."""
from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import run_trainer

TOKEN = "hf_pushTestToken123"


class FakeHub:
    """Answers the calls huggingface_hub makes for create_repo + upload_folder of small files
    (create, validate-yaml for the model card, preupload, commit); anything else is a 404 the
    test will see."""

    def __init__(self, token: str):
        self.token = token
        self.requests: list[tuple[str, str]] = []
        self.created: list[dict] = []
        self.commits: list[dict] = []
        self.validated: list = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, code: int, obj: dict) -> None:
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hub.requests.append((self.command, self.path))
                if self.headers.get("Authorization") != f"Bearer {hub.token}":
                    return self.reply(401, {"error": "Invalid credentials in Authorization header"})
                base = f"http://127.0.0.1:{self.server.server_port}"
                if self.path == "/api/validate-yaml":
                    # The Hub parses the model card's YAML header; so does the fake.
                    import yaml
                    content = json.loads(body)["content"]
                    head = re.match(r"---\n(.*?)\n---\n", content, re.S)
                    try:
                        meta = yaml.safe_load(head.group(1)) if head else None
                    except yaml.YAMLError as e:
                        meta = str(e)
                    hub.validated.append(meta)
                    if not isinstance(meta, dict):
                        return self.reply(400, {"errors": [{"message": f"bad YAML header: {meta!r}"}]})
                    return self.reply(200, {"errors": [], "warnings": []})
                if self.path == "/api/repos/create":
                    hub.created.append(json.loads(body))
                    return self.reply(200, {"url": f"{base}/u/tiny-test"})
                m = re.fullmatch(r"/api/models/([^/]+/[^/]+)/preupload/main", self.path)
                if m:
                    files = json.loads(body)["files"]
                    return self.reply(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]})
                m = re.fullmatch(r"/api/models/([^/]+/[^/]+)/commit/main", self.path)
                if m:
                    lines = [json.loads(l) for l in body.decode().splitlines() if l.strip()]
                    files = {l["value"]["path"]: base64.b64decode(l["value"]["content"]) for l in lines if l["key"] == "file"}
                    header = next(l["value"] for l in lines if l["key"] == "header")
                    hub.commits.append({"repo": m.group(1), "summary": header["summary"], "files": files})
                    return self.reply(200, {"commitUrl": f"{base}/{m.group(1)}/commit/c0ffee", "commitOid": "c0ffee"})
                return self.reply(404, {"error": f"not in the fake hub: {self.path}"})

            do_GET = do_PUT = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def hub():
    h = FakeHub(TOKEN)
    yield h
    h.close()


def train_and_push(dataset: Path, run: Path, hub: FakeHub, token: str | None):
    env = {"HF_ENDPOINT": hub.url}
    if token is not None:
        env["HF_TOKEN"] = token
    return run_trainer(["train", "--ckpt-id", "tiny", "--dataset-folder", str(dataset), "--output-dir", str(run),
                        "--max-steps", "2", "--batch-size", "4", "--eval-every", "2", "--eval-limit", "6",
                        "--push-to-hub", "--model-id", "u/tiny-test"], extra_env=env)


def assert_no_token(text: str) -> None:
    assert TOKEN not in text and TOKEN[3:] not in text


def test_push_uploads_the_model_folder_with_a_model_card(small_dataset, tmp_path, hub):
    run = tmp_path / "run"
    rc, events, stderr = train_and_push(small_dataset, run, hub, TOKEN)
    assert rc == 0, stderr
    assert hub.created == [{"name": "tiny-test", "organization": "u", "visibility": "public", "type": "model"}]
    assert len(hub.commits) == 1 and hub.commits[0]["repo"] == "u/tiny-test"
    uploaded = hub.commits[0]["files"]
    local = {p.relative_to(run / "model").as_posix(): p.read_bytes() for p in (run / "model").rglob("*") if p.is_file()}
    assert set(uploaded) == set(local), "exactly the model folder"
    assert all(uploaded[k] == local[k] for k in local), "byte for byte"
    card = uploaded["README.md"].decode()
    assert card.startswith("---\nlibrary_name: transformers\n")
    assert "# u/tiny-test" in card and "best validation accuracy" in card
    assert hub.validated and hub.validated[-1]["library_name"] == "transformers"
    assert "image-text-to-text" == hub.validated[-1]["pipeline_tag"]
    assert any("model.safetensors" in k for k in uploaded)
    assert any(e["event"] == "log" and f"{hub.url}/u/tiny-test" in e["message"] for e in events)
    assert_no_token(json.dumps(events) + stderr + (run / "events.jsonl").read_text() + (run / "config.json").read_text())


def test_a_rejected_token_is_a_clear_error_without_the_token(small_dataset, tmp_path, hub):
    run = tmp_path / "run"
    rc, events, stderr = train_and_push(small_dataset, run, hub, "hf_wrong" + TOKEN)
    assert rc != 0
    err = [e for e in events if e["event"] == "error"][-1]
    assert err["message"].startswith("upload to u/tiny-test failed")
    assert "write access" in err["hint"]
    assert hub.requests and not hub.commits
    assert (run / "model" / "intersections_model.json").exists(), "the trained model stays on disk"
    assert "hf_wrong" not in json.dumps(events) + stderr


def test_a_missing_token_or_a_bad_model_id_fails_before_training(small_dataset, tmp_path, hub):
    run = tmp_path / "run"
    rc, events, _ = train_and_push(small_dataset, run, hub, None)
    assert rc == 2
    err = [e for e in events if e["event"] == "error"][-1]
    assert "needs a Hugging Face token" in err["message"]
    assert "HF_TOKEN" in err["hint"]
    assert not (run / "model").exists() and not any(e["event"] == "progress" for e in events)
    rc, events, _ = run_trainer(["train", "--ckpt-id", "tiny", "--dataset-folder", str(small_dataset), "--output-dir",
                                 str(run), "--push-to-hub", "--model-id", "no-slash"], extra_env={"HF_TOKEN": TOKEN})
    assert rc == 2 and "--model-id must be user/name" in events[-1]["message"]
    assert hub.requests == [], "nothing was sent"
