"""Every Python block of README.md and getting_started.rst runs on its own.

A newcomer copies one block into a fresh interpreter: it must hold its imports
and data, and print what it shows. Each block runs here in a namespace of its
own, as written (full-size data and default epochs).
"""

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def markdown_blocks(path):
    return re.findall(r"^```python\n(.*?)^```", path.read_text(), re.M | re.S)


def rst_blocks(path):
    """The bodies of ``.. code-block:: python`` directives, dedented."""
    blocks, lines = [], path.read_text().splitlines()
    for i, line in enumerate(lines):
        match = re.fullmatch(r"(\s*)\.\. code-block:: python\s*", line)
        if not match:
            continue
        indent, body = len(match.group(1)), []
        for following in lines[i + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        blocks.append(textwrap.dedent("\n".join(body)).strip() + "\n")
    return blocks


SOURCES = {
    "README.md": markdown_blocks(ROOT / "README.md"),
    "getting_started.rst": rst_blocks(ROOT / "docs" / "getting_started.rst"),
}
BLOCKS = [
    (f"{name}, block {i}", code)
    for name, blocks in SOURCES.items()
    for i, code in enumerate(blocks, start=1)
]


def test_the_blocks_are_found():
    assert {name: len(blocks) for name, blocks in SOURCES.items()} == {
        "README.md": 2,
        "getting_started.rst": 2,
    }


@pytest.mark.parametrize("where, code", BLOCKS, ids=[where for where, _ in BLOCKS])
def test_block_runs_on_its_own_and_prints(where, code, capsys):
    namespace = {"__name__": "__main__"}
    exec(compile(code, where, "exec"), namespace)
    assert capsys.readouterr().out.strip(), f"{where} prints nothing"
    if "clusters" in namespace:
        # As many clusters as the data has distinct sequences (y numbers them).
        found = len(np.unique(namespace["clusters"]))
        assert found == len(np.unique(namespace["y"])), where
