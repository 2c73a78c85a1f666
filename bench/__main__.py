"""`python -m bench`: run every benchmark; each prints its ratio (or count) line last."""

from bench import chaos, invoices, staging

if __name__ == "__main__":
    print(staging.run())
    print(invoices.run())
    print(chaos.run().line())
