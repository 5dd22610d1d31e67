"""Run one benchmark (``run.py NAME``) or all (``run.py all``); each prints one JSON object.

A benchmark is ``bench/<NAME>.py`` with ``run() -> dict``: its figures and the
simple baseline measured in the same run, so a number always has a yardstick.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "__init__"})


def run_one(name: str) -> dict[str, object]:
    path = HERE / f"{name}.py"
    if not path.is_file():
        raise SystemExit(f"no benchmark {name!r}; choose from {', '.join(names())}")
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    started = time.perf_counter()
    result: dict[str, object] = {"benchmark": name, **module.run()}
    result["wall_s"] = round(time.perf_counter() - started, 2)
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(f"usage: run.py NAME|all  (NAME in {', '.join(names())})", file=sys.stderr)
        return 2
    chosen = names() if argv[0] == "all" else [argv[0]]
    for name in chosen:
        print(json.dumps(run_one(name)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
