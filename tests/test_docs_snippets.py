"""Every ```python block of the documentation's Markdown pages runs, so the docs stay true.

Blocks of one page run in order in one namespace (a page may build on its earlier blocks).
A fragment that is not meant to run (it uses names it does not define) is written as
```{code-block} python instead, which Sphinx renders the same way and this test skips.
"""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
# Skip the build output and the gallery, which the docs build itself executes.
PAGES = sorted(
    page for page in DOCS.rglob("*.md")
    if not {"_build", "auto_examples", "generated"} & set(page.relative_to(DOCS).parts)
    and page.name != "README.md"
)
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", flags=re.S | re.M)


def test_pages_found():
    # Guards against a moved docs folder making every case below vanish silently.
    assert any(page.name == "from_sklearn.md" for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_python_blocks_run(page, monkeypatch, tmp_path):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # a snippet that writes a file must not litter the checkout
    namespace = {"__name__": f"docs_snippet_{page.stem}"}
    for k, block in enumerate(BLOCK.findall(page.read_text(encoding="utf-8"))):
        code = compile(block, f"{page.relative_to(DOCS)} [python block {k + 1}]", "exec")
        exec(code, namespace)  # noqa: S102 - the docs' own code, that is the point
