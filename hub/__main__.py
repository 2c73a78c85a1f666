"""`python -m hub …`: the operator CLI."""

from hub.cli import main

if __name__ == "__main__":
    main()
