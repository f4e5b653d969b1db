"""End-to-end checks of scripts/opensearch: a real OpenSearch from Maven Central, no stand-ins.

Skipped unless OPENSEARCH_TESTS=1, because the first run downloads ~90 MB of jars into ~/.m2 and
each cluster start costs seconds and ~0.4-0.7 GB of RAM. Every cluster here runs under a pytest
tmp dir on ports picked free at run time, so a developer's own cluster on 9200 is never touched.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

pytestmark = pytest.mark.skipif(
    os.environ.get("OPENSEARCH_TESTS") != "1",
    reason="set OPENSEARCH_TESTS=1 to start real OpenSearch clusters",
)

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "opensearch"
# Generous safety nets against a hung JVM, not speed assertions (speed lives in scripts/bench).
START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 120


@dataclass(frozen=True)
class Cluster:
    base: Path
    port: int
    nodes: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> OpenSearch:
        return OpenSearch(hosts=[self.url], timeout=30)


def run_script(*args: str, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENSEARCH_")}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ephemeral_start() -> int:
    """Where the kernel starts handing out ports to outgoing connections (Linux: 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_block(nodes: int) -> int:
    """A port P with P..P+nodes-1 (HTTP) and P+100.. (transport) all free right now.

    Below the ephemeral range: a block picked inside it was once taken between this check and
    OpenSearch's bind by some other test's outgoing connection (BindException on node 3)."""
    highest = max(_ephemeral_start(), 10300) - 100 - nodes
    for _ in range(200):
        port = random.randrange(10000, highest)
        wanted = [port + i for i in range(nodes)] + [port + 100 + i for i in range(nodes)]
        if all(_port_free(p) for p in wanted):
            return port
    raise RuntimeError("no free port block found on 127.0.0.1")


def start(base: Path, nodes: int, port: int | None = None) -> Cluster:
    port = free_port_block(nodes) if port is None else port
    result = run_script("start", "--base", str(base), "--nodes", str(nodes), "--port", str(port))
    assert result.returncode == 0, result.stderr
    return Cluster(base=base, port=port, nodes=nodes)


def stop(base: Path) -> subprocess.CompletedProcess[str]:
    return run_script("stop", "--base", str(base), timeout=STOP_TIMEOUT_S)


@pytest.fixture(scope="module")
def single_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("opensearch-1n")
    cluster = start(base, nodes=1)
    try:
        yield cluster
    finally:
        stop(base)


def test_status_prints_health_json_of_a_single_node(single_node: Cluster) -> None:
    result = run_script("status", "--base", str(single_node.base))
    assert result.returncode == 0, result.stderr
    health = json.loads(result.stdout)
    assert health["cluster_name"] == "hotline-dev"
    assert health["number_of_nodes"] == 1
    assert health["status"] in {"green", "yellow"}


def test_url_prints_the_exact_requested_port(single_node: Cluster) -> None:
    result = run_script("url", "--base", str(single_node.base))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == single_node.url


def test_start_again_is_idempotent(single_node: Cluster) -> None:
    pid_before = (single_node.base / "opensearch.pid").read_text()
    result = run_script(
        "start", "--base", str(single_node.base), "--port", str(single_node.port), "--nodes", "1"
    )
    assert result.returncode == 0, result.stderr
    assert "already running" in result.stderr
    assert (single_node.base / "opensearch.pid").read_text() == pid_before


def test_start_with_other_settings_while_running_is_refused(single_node: Cluster) -> None:
    result = run_script(
        "start", "--base", str(single_node.base), "--port", str(single_node.port), "--nodes", "2"
    )
    assert result.returncode == 1
    assert "stop" in result.stderr


def test_http_is_bound_to_loopback_only(single_node: Cluster) -> None:
    info = single_node.client().nodes.info(metric="http")
    (node,) = info["nodes"].values()
    bound = node["http"]["bound_address"]
    assert bound, node
    assert all(address.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:")) for address in bound), bound
    assert node["http"]["publish_address"] == f"127.0.0.1:{single_node.port}"


def test_analysis_common_plugin_is_loaded(single_node: Cluster) -> None:
    plugins = single_node.client().nodes.info(metric="plugins")
    (node,) = plugins["nodes"].values()
    classnames = {module["classname"] for module in node["plugins"]}
    assert "org.opensearch.analysis.common.CommonAnalysisPlugin" in classnames


SYNONYM_INDEX = {
    "settings": {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "analysis": {
            "filter": {
                "policy_synonyms": {
                    "type": "synonym_graph",
                    "synonyms": ["公积金, 住房公积金", "社保 => 社会保险"],
                }
            },
            "analyzer": {
                "ws": {"type": "custom", "tokenizer": "whitespace"},
                "ws_synonyms": {
                    "type": "custom",
                    "tokenizer": "whitespace",
                    "filter": ["policy_synonyms"],
                },
            },
        },
    },
    "mappings": {
        "properties": {"body": {"type": "text", "analyzer": "ws", "search_analyzer": "ws_synonyms"}}
    },
}


@pytest.fixture(scope="module")
def synonym_index(single_node: Cluster) -> str:
    client = single_node.client()
    client.indices.create(index="synonyms", body=SYNONYM_INDEX)
    client.index(index="synonyms", id="housing", body={"body": "住房公积金 提取 办理"}, refresh=True)
    client.index(index="synonyms", id="insurance", body={"body": "社会保险 缴费 基数"}, refresh=True)
    return "synonyms"


@pytest.mark.parametrize(
    ("query", "expected_ids"),
    [
        ("住房公积金", {"housing"}),
        ("公积金", {"housing"}),  # only reachable through the synonym_graph search analyzer
        ("社保", {"insurance"}),  # one-way rule rewrites to 社会保险
        ("缴费", {"insurance"}),
        ("医保", set()),
    ],
)
def test_whitespace_index_with_synonym_graph_search_analyzer(
    single_node: Cluster, synonym_index: str, query: str, expected_ids: set[str]
) -> None:
    # A match query built as data: user text never reaches a query-string parser.
    response = single_node.client().search(
        index=synonym_index, body={"query": {"match": {"body": {"query": query}}}}
    )
    assert {hit["_id"] for hit in response["hits"]["hits"]} == expected_ids


def test_taken_port_fails_loudly_and_leaves_no_pid(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        taken = holder.getsockname()[1]
        result = run_script("start", "--base", str(tmp_path), "--port", str(taken))
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert str(taken) in result.stderr
    assert not (tmp_path / "opensearch.pid").exists()


def test_start_past_its_deadline_stops_the_jvm_and_leaves_no_pid(tmp_path: Path) -> None:
    # --timeout 0: the deadline has passed at the first health poll, long before any JVM is ready.
    result = run_script("start", "--base", str(tmp_path), "--port", str(free_port_block(1)), "--timeout", "0")
    assert result.returncode == 1
    assert "not healthy within 0s" in result.stderr
    assert not (tmp_path / "opensearch.pid").exists()
    pid = int(result.stderr.split("(pid ", 1)[1].split(",", 1)[0])
    assert not Path(f"/proc/{pid}").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nodes", "0"], "--nodes"),
        (["--nodes", "12"], "--nodes"),
        (["--port", "http"], "--port"),
        (["--frobnicate", "1"], "unknown option"),
    ],
)
def test_bad_arguments_are_rejected(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_script("start", "--base", str(tmp_path), *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "opensearch.pid").exists()


def test_stop_when_not_running_is_a_no_op(tmp_path: Path) -> None:
    result = stop(tmp_path)
    assert result.returncode == 0
    assert "not running" in result.stderr
    status = run_script("status", "--base", str(tmp_path))
    assert status.returncode == 3


@pytest.mark.slow
def test_three_node_cluster_on_consecutive_ports_survives_a_restart(tmp_path: Path) -> None:
    port = free_port_block(3)
    cluster = start(tmp_path, nodes=3, port=port)
    try:
        status = run_script("status", "--base", str(tmp_path))
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["number_of_nodes"] == 3
        nodes = cluster.client().nodes.info(metric="http")["nodes"].values()
        published = sorted(node["http"]["publish_address"] for node in nodes)
        assert published == [f"127.0.0.1:{port + i}" for i in range(3)]
        cluster.client().index(index="kept", id="1", body={"title": "保留"}, refresh=True)
        assert stop(tmp_path).returncode == 0
        assert run_script("status", "--base", str(tmp_path)).returncode == 3
        # Same data directory again: the 3-node voting configuration must re-form a cluster.
        cluster = start(tmp_path, nodes=3, port=port)
        health = cluster.client().cluster.health(wait_for_status="green")
        assert health["number_of_nodes"] == 3 and not health["timed_out"]
        assert cluster.client().get(index="kept", id="1")["_source"] == {"title": "保留"}
    finally:
        stopped = stop(tmp_path)
    assert stopped.returncode == 0, stopped.stderr
    assert not (tmp_path / "opensearch.pid").exists()
    assert run_script("status", "--base", str(tmp_path)).returncode == 3
