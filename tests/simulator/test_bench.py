"""`helpline bench webhooks`: its load generator against the TwiML test app, and the
whole benchmark against servers it starts itself."""

import json
import subprocess
import sys

from simulator.bench import bench_webhooks, percentile
from simulator.load_drivers import wav_seconds
from tests.builders import make_environ


def test_percentiles():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (
        50, 95, 99)
    assert percentile([], 0.5) == 0.0


def test_wav_length_from_its_header():
    header = (b"RIFF" + (36 + 16000).to_bytes(4, "little") + b"WAVEfmt "
              + (16).to_bytes(4, "little") + (1).to_bytes(2, "little")
              + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
              + (16000).to_bytes(4, "little") + (2).to_bytes(2, "little")
              + (16).to_bytes(2, "little") + b"data" + (16000).to_bytes(4, "little"))
    assert wav_seconds(header + bytes(16000)) == 1.0
    assert wav_seconds(b"not audio") is None


def test_paced_callers_follow_twiml_and_report_per_endpoint(twiml_app, tmp_path,
                                                            monkeypatch):
    for key, value in make_environ(tmp_path).items():
        monkeypatch.setenv(key, value)
    twiml_app.documents["/twilio/voice/incoming"] = (
        '<Response><Gather numDigits="1" action="/twilio/voice/main"><Say>menu</Say></Gather>'
        "</Response>")
    twiml_app.documents["/twilio/voice/main"] = lambda p: (
        ("oops", 500, "text/plain") if p["Digits"] == "*" else
        '<Response><Pause length="30"/><Redirect>/twilio/voice/incoming</Redirect></Response>')
    twiml_app.documents["/twilio/voice/status"] = ""
    result = bench_webhooks(["--callers", "3", "--duration", "1", "--app-url",
                             twiml_app.base_url, "--json"])
    assert result["mode"] == "paced" and result["calls"] >= 3
    incoming = result["endpoints"]["/twilio/voice/incoming"]
    assert incoming["requests"] > 0 and 0 < incoming["p50_ms"] <= incoming["p99_ms"] \
        <= incoming["max_ms"]
    assert "/twilio/voice/main" in result["endpoints"]
    # Every call ends with its status callback.
    assert result["endpoints"]["/twilio/voice/status"]["requests"] == result["calls"]
    assert result["requests"] == sum(e["requests"] for e in result["endpoints"].values())
    assert 0 <= result["loadgen_cpu_cores"] < 1.5


def test_bench_refuses_remote_hosts(tmp_path, monkeypatch):
    for key, value in make_environ(tmp_path).items():
        monkeypatch.setenv(key, value)
    assert "error" in bench_webhooks(["--app-url", "http://example.org"])
    assert "error" in bench_webhooks(["--concurrency", "1,x"])


def test_baseline_benchmark_starts_both_servers_and_compares_them(tmp_path):
    """The real thing, briefly: gunicorn serving the app (its own Redis and SQLite) and
    the baseline, driven side by side; every request answered and signed correctly."""
    environ = {**make_environ(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-m", "helpline.cli", "bench", "webhooks", "--baseline",
         "--concurrency", "1,4", "--rounds", "1", "--seconds", "1", "--json"],
        capture_output=True, text=True, timeout=240, env={**_plain_environ(), **environ})
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    for concurrency in ("1", "4"):
        entry = result["concurrency"][concurrency]
        for name in ("app", "baseline"):
            assert entry[name]["errors"] == 0, entry
            assert entry[name]["requests_per_second"] > 5, entry
        assert entry["ratio"] == round(entry["app"]["requests_per_second"]
                                       / entry["baseline"]["requests_per_second"], 3)
    assert result["database"] == "sqlite"


def _plain_environ():
    import os

    return {key: value for key, value in os.environ.items()
            if not key.startswith(("TWILIO_", "HELPLINE_", "REDIS_URL", "DATABASE_URL"))}
