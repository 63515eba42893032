"""The README a newcomer reads: at most 200 lines, the two setup lines that .ci/run copies, and every
picture and link it points at present in the tree."""

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_the_readme_fits_and_holds_the_two_setup_lines():
    assert len(README.splitlines()) <= 200
    block = re.search(r"```\n(.*?)```", README, re.S).group(1).splitlines()
    assert block == ['pip install -e . && letters demo', 'pip install -e ".[dev]" && python -m pytest']


def test_every_picture_and_link_in_the_docs_exists():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)\)", page.read_text()):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.name} points at {target}"
