"""Write docs/commands.md: every command and option, from the CLI itself (typer's own docs generator).

    python scripts/make_commands_doc.py [--out docs/commands.md]

A short preface says what every command shares; the rest is `typer letters.app.cli utils docs`, so the
page cannot drift from `--help` (tests/tools checks that every option is on it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from letters.errors import run_script
from letters.files import atomic_file, check_output_file

ROOT = Path(__file__).resolve().parent.parent
PREFACE = """\
# Commands

Every command takes `--help`, reads its defaults from the dataclasses in `letters/config.py`, and on a
bad input prints one line on stderr and exits non-zero, having written nothing half-way and replaced
nothing letters did not make (`--force` replaces only what letters made). `LETTERS_DEBUG=1` adds the
traceback of an internal error and, for photos, the preprocessing's decisions. Every `--json` is the
`asdict` of a result dataclass (named in each command's module under `letters/study/` or
`letters/network/`), so its definition is the schema. Exit codes: 0 done, 1 a bad input or an error
said in one line, 2 a usage error (an unknown option), 130 stopped by Ctrl-C.

This page is generated: `python scripts/make_commands_doc.py`.

"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "commands.md"))
    args = parser.parse_args(argv)
    check_output_file(args.out, "--out ")
    with tempfile.TemporaryDirectory() as tmp:
        generated = Path(tmp) / "commands.md"
        subprocess.run([sys.executable, "-m", "typer", "letters.app.cli", "utils", "docs", "--name", "letters",
                        "--output", str(generated)], check=True, capture_output=True)
        body = generated.read_text().replace("# `letters`\n", "## `letters`\n", 1)
    with atomic_file(args.out, "w", encoding="utf-8") as f:
        f.write(PREFACE + body)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    sys.exit(run_script(main))
