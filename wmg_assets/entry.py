"""The `wmg` executable: a command goes to the warm worker of this `WMG_HOME` when one is
running (`wmg worker start`), and otherwise runs in this process."""

import sys


def main() -> None:
    from wmg_assets.worker.client import forward

    code = forward(sys.argv)
    if code is not None:
        sys.exit(code)
    from wmg_assets.cli import main as run_here

    run_here()


if __name__ == "__main__":
    main()
