"""Offline simulators of Entra ID, EcpPro, Business Central and Dataverse on loopback.

Used by the demo, the tests and the benchmarks; never deployed. Each simulator behaves
like the real API as documented (auth, paging, concurrency, error bodies), with seed data
and fault injection. Start them all with `start_sandbox(SandboxConfig())` or
`python -m sandbox`; see `sandbox.run`.
"""

from sandbox.run import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.server import SandboxError

__all__ = ["RunningSandbox", "SandboxConfig", "SandboxError", "start_sandbox"]
