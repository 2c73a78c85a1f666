"""`python -m bench [name ...]`: run every benchmark, or the ones named; each prints its
ratio (or count) line last."""

import argparse
from collections.abc import Callable

from bench import chaos, invoices, masters, nightly, staging

BENCHMARKS: dict[str, Callable[[], str]] = {
    "staging": staging.run,
    "invoices": invoices.run,
    "masters": masters.run,
    "nightly": nightly.run,
    "chaos": lambda: chaos.run().line(),
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="name", help=f"{', '.join(BENCHMARKS)} (default: all)"
    )
    names = parser.parse_args().names
    if unknown := [name for name in names if name not in BENCHMARKS]:
        parser.error(f"no benchmark {', '.join(unknown)}; there are {', '.join(BENCHMARKS)}")
    for name in names or BENCHMARKS:
        print(BENCHMARKS[name]())
