"""`helpline run` starts the whole stack and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import requests

from helpline.embedded_redis import free_port


def test_run_serves_healthz_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in {"REDIS_URL", "DATABASE_URL", "TWILIO_API_BASE"}}
    env["HELPLINE_INSTANCE_DIR"] = str(tmp_path / "instance")
    process = subprocess.Popen([sys.executable, "-m", "helpline", "run", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("Press Ctrl-C" in x for x in lines):
            time.sleep(0.2)
        assert any("Demo logins" in line for line in lines), "".join(lines)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        family = [process.pid] + [c.pid for c in psutil.Process(process.pid).children(True)]
        names = " ".join(" ".join(psutil.Process(pid).cmdline()) for pid in family)
        assert "redis-server" in names and "gunicorn" in names and "worker" in names
        assert "scheduler" in names

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        process.wait(timeout=30)
        reader.join(timeout=5)
        output = "".join(lines)
        assert process.returncode == 0, output
        time.sleep(0.5)
        left = [pid for pid in family if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        assert left == []
        assert "helpline run: stopped" in output
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
