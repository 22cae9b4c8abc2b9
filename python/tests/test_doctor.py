"""doctor: reports Python, torch, GPU, packages against the pins and the HF token's presence,
with a fix for each problem, and never prints the token."""
import json

from conftest import run_trainer


def test_doctor_reports_everything_without_leaking_the_token(tmp_path):
    secret = "hf_doctorTestSecret0123456789"
    rc, events, err = run_trainer(["doctor"], {"HF_TOKEN": secret})
    text = json.dumps(events) + err
    assert secret not in text
    done = events[-1]
    assert done["event"] == "done"
    s = done["summary"]
    assert s["python_version"].count(".") == 2 and s["hf_token_set"] is True
    assert s["packages"]["torch"]["pinned"] == "2.15.0" and s["packages"]["torch"]["installed"]
    assert s["gpu"]["torch"].startswith("2.15.0")
    checks = {c["name"]: c for c in s["checks"]}
    assert checks["hf_token"]["ok"] is True
    # every failing check says how to fix it
    assert all(c["fix"] for c in s["checks"] if not c["ok"])
    assert rc == (0 if s["ok"] else 1)
    assert [e["event"] for e in events].count("metric") == len(s["checks"])


def test_doctor_flags_a_package_off_its_pin_and_a_missing_one(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("torch==0.0.1\nnot-a-real-package-xyz==1.0\n")
    rc, events, err = run_trainer(["doctor", "--requirements", str(req)])
    checks = {c["name"]: c for c in events[-1]["summary"]["checks"]}
    assert checks["package torch"]["ok"] is False and "pinned 0.0.1" in checks["package torch"]["detail"]
    assert "pip install torch==0.0.1" in checks["package torch"]["fix"]
    missing = checks["package not-a-real-package-xyz"]
    assert missing["ok"] is False and "intersections setup" in missing["fix"]
    assert checks["hf_token"]["ok"] is False and "HF_TOKEN" in checks["hf_token"]["fix"]
    assert rc == 1
