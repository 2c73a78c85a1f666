"""`python -m bench`: run every benchmark; each prints its ratio line last."""

from bench import invoices, staging

if __name__ == "__main__":
    print(staging.run())
    print(invoices.run())
