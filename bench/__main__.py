"""`python -m bench`: run every benchmark and print one line each."""

from bench import staging

if __name__ == "__main__":
    print(staging.run())
