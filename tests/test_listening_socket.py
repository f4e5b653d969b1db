"""The serving listener sets TCP_NODELAY, and connections accepted from it carry it too.

Why it matters: without it every keep-alive response of a multi-worker server waits for the
client's delayed ACK (Kludex/uvicorn#3149).
"""

from __future__ import annotations

import socket

import pytest

from search_api.startup import StartupError, listening_socket


def _nodelay(sock: socket.socket) -> bool:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_listener_and_accepted_connections_have_tcp_nodelay() -> None:
    listener = listening_socket("127.0.0.1", 0)
    try:
        assert _nodelay(listener)
        with socket.create_connection(listener.getsockname()[:2], timeout=5):
            accepted, _ = listener.accept()
            with accepted:
                assert _nodelay(accepted)
    finally:
        listener.close()


def test_listener_is_inheritable_for_spawned_workers() -> None:
    listener = listening_socket("127.0.0.1", 0)
    try:
        assert listener.get_inheritable()
        assert listener.type == socket.SOCK_STREAM
    finally:
        listener.close()


def test_a_taken_port_is_a_startup_error_in_chinese() -> None:
    first = listening_socket("127.0.0.1", 0)
    try:
        with pytest.raises(StartupError, match="无法监听"):
            listening_socket("127.0.0.1", first.getsockname()[1])
    finally:
        first.close()
