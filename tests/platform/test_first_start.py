"""Processes that start together on a fresh node agree on one signing key and one secret key
(kit.onefile): before, one of them could fail on the file another had just created, or read it empty."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.platform.node import wait_for

PROCESSES = 8

# One process of a node starting: imported and ready, it waits for the others, then needs both keys at once.
FIRST_USE = """
import sys, time
from pathlib import Path
from ketnoi.kit import nodekey
from ketnoi.settings import get_settings
here = Path(sys.argv[1])
(here / f"ready-{sys.argv[2]}").touch()
while not (here / "go").exists():
    time.sleep(0.001)
print(nodekey.node_key().key_id, get_settings().resolved_secret_key())
"""


def test_processes_starting_together_make_one_node_key_and_one_secret_key(tmp_path: Path) -> None:
    var, barrier = tmp_path / "var", tmp_path / "barrier"
    var.mkdir()
    barrier.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KETNOI_NODE_KEY_FILE", "KETNOI_SECRET_KEY")} | {"KETNOI_VAR_DIR": str(var)}
    command = [sys.executable, "-c", FIRST_USE, str(barrier)]
    running = [
        subprocess.Popen([*command, str(n)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        for n in range(PROCESSES)
    ]
    try:
        wait_for(
            lambda: len(list(barrier.glob("ready-*"))) == PROCESSES or any(p.poll() is not None for p in running), "every process ready"
        )
        (barrier / "go").touch()
        outcomes = [p.communicate(timeout=60) for p in running]
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert [p.returncode for p in running] == [0] * PROCESSES, [err[-2000:] for _, err in outcomes if err]
    assert len({out for out, _ in outcomes}) == 1  # the same key id and the same secret key, everywhere
    assert sorted(p.name for p in var.iterdir()) == ["node_ed25519.pem", "secret_key"]  # no temporary file left behind
    assert {(var / name).stat().st_mode & 0o777 for name in ("node_ed25519.pem", "secret_key")} == {0o600}
