"""The built wheel, installed without -e in a fresh virtual environment, classifies with the
shipped model: the model and the samples are package data, not files of the source tree."""

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ROOT, draw_letter


def _run(args, cwd, timeout=240):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_wheel_installed_without_editable_classifies_with_the_shipped_model(tmp_path):
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(ROOT / "letters", source / "letters", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path / "dist", source], tmp_path)
    wheel = next((tmp_path / "dist").glob("letters-*.whl"))
    shutil.rmtree(source)  # from here on nothing but the wheel can provide letters
    venv = tmp_path / "venv"
    # no pip inside (slow to bootstrap): this pip installs into the venv. The dependencies (torch, typer, ...) are
    # the ones this interpreter sees, in a venv or not: a .pth file puts its site-packages after the new venv's
    # own (a path in a .pth file is not itself a site dir, so this checkout's editable letters stays out of it)
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path)
    python = venv / "bin" / "python"
    own = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).strip()
    theirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}
    (Path(own) / "letters-test-dependencies.pth").write_text("\n".join(sorted(theirs)) + "\n")
    # --ignore-installed: the editable letters in the system site-packages must not satisfy it
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-build-isolation",
          "--ignore-installed", "-q", wheel], tmp_path)
    where = _run([python, "-c", "import letters, letters.network.shipped as s; print(letters.__file__); print(s.DEFAULT_MODEL)"], tmp_path)
    module, model = where.split()
    assert Path(module).is_relative_to(venv) and Path(model).is_relative_to(venv), where
    assert (Path(module).parent / "app" / "static" / "draw.html").is_file()  # letters draw's page ships too
    assert (Path(module).parent / "show" / "templates" / "report.html").is_file()  # and the report's template
    draw_letter("C").save(tmp_path / "c.png")
    shipped_sample = Path(model).parent / "samples" / "B-pen.png"
    out = _run([venv / "bin" / "letters", "classify", tmp_path / "c.png", shipped_sample, "--json"], tmp_path)
    predictions = [json.loads(line)["prediction"] for line in out.splitlines()]
    assert predictions == ["C", "B"]
