"""A real OpenSearch cluster for a fault test: started, stopped and restarted by scripts/opensearch.

Why here and not a fixture file: the fault tests own their cluster (ports 9262-9269, base dirs
/tmp/os-h12-*) so they can kill it, and a conftest in tests/faults is shared with other suites.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from opensearchpy import OpenSearch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "opensearch"
START_TIMEOUT_S = 420
ENABLED = os.environ.get("OPENSEARCH_TESTS") == "1"
SKIP_REASON = "set OPENSEARCH_TESTS=1 to start real OpenSearch clusters"


@dataclass
class DevCluster:
    nodes: int
    port: int
    base: Path = field(default_factory=lambda: Path(f"/tmp/os-h12-{uuid.uuid4().hex[:8]}"))

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.port + i}" for i in range(self.nodes)]

    @property
    def search_url(self) -> str:
        """SEARCH_URL with every node, so the service's client fails over."""
        return ",".join(self.urls)

    def client(self, node: int = 1) -> OpenSearch:
        return OpenSearch(self.urls[node - 1], timeout=30)

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(SCRIPT), *args, "--base", str(self.base)],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S + 60,
            check=False,
        )
        assert result.returncode == 0, (
            f"scripts/opensearch {args[0]} failed:\n{result.stdout}\n{result.stderr}"
        )

    def start(self) -> None:
        self._run(
            "start", "--nodes", str(self.nodes), "--port", str(self.port),
            "--transport-port", str(self.port + 100), "--timeout", str(START_TIMEOUT_S),
        )  # fmt: skip

    def stop(self) -> None:
        self._run("stop")

    def stop_node(self, node: int, timeout: float = 120.0) -> None:
        """Close one node inside the cluster's JVM (DevCluster's control file), wait until gone."""
        control = self.base / f"cluster-{self.nodes}n" / "control"
        control.mkdir(parents=True, exist_ok=True)
        (control / f"stop-node-{node}").touch()
        survivor = self.client(1 if node != 1 else 2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if survivor.cluster.health()["number_of_nodes"] == self.nodes - 1:
                    return
            except Exception:  # noqa: BLE001, S112 - the survivor may be electing a new manager
                pass
            time.sleep(0.5)
        raise AssertionError(f"node {node} did not leave the cluster within {timeout} s")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
