"""The README's first two sections run as written: every command of the `bash` blocks of
"Quick start" and "Add a feed in five steps", in order, on a temporary `WMG_HOME` and a copy
of the config folder (so `wmg feeds new` writes there). `scripts/test` is left out: it is the
command that runs this test."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import CONFIG_DIR, ROOT

SECTIONS = ("Quick start", "Add a feed in five steps")
SKIPPED = ("scripts/test",)


def section(readme: str, title: str) -> str:
    start = readme.index(f"## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else len(readme)]


def commands(text: str) -> list[str]:
    """The commands of the section's bash blocks, without comments."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            if command and not command.startswith("#") and not command.startswith(SKIPPED):
                found.append(command)
    return found


def test_the_readme_quick_start_and_add_a_feed_run_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    steps = [c for title in SECTIONS for c in commands(section(readme, title))]
    assert any(c.startswith("scripts/demo") for c in steps)
    assert any("feeds new products" in c for c in steps)
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    env = {
        **os.environ,
        "WMG_HOME": str(tmp_path / "home"),
        "WMG_CONFIG_DIR": str(config),
        "COLUMNS": "200",
    }
    outputs = []
    for command in steps:
        done = subprocess.run(
            ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        outputs.append(done.stdout)
    joined = "\n".join(outputs)
    assert "public.customers" in joined and "│ 24 " in joined  # the demo, then its count
    assert (config / "feeds" / "products.yaml").is_file()
    assert "upsert_keys: [product_code]" in (config / "feeds" / "products.yaml").read_text()
    assert "P-0001" in outputs[-1] and "249.9" in outputs[-1]  # the last query's rows
