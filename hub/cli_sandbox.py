"""`hub sandbox`: the BC, Dataverse, EcpPro and Entra simulators in the foreground."""

from __future__ import annotations

from sandbox.__main__ import main as sandbox

__all__ = ["sandbox"]
