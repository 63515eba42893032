"""scripts/generate_variant.py: a screen arm's glyphs, with GeneratorConfig fields changed and recorded."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT

from letters.config import GeneratorConfig
from letters.dataset import generator_config, load_dataset
from letters.errors import LettersError

sys.path.insert(0, str(ROOT / "scripts"))
import generate_variant  # noqa: E402  (a script, imported for its parser)


def test_changes_are_typed_as_the_defaults_and_leave_the_rest_alone():
    config = generate_variant.changed(["exit_reach=1.0,2.5", "features.exit=0.3", "rotation=10", "elastic_waves=4"])
    default = GeneratorConfig()
    assert config.exit_reach == (1.0, 2.5) and config.rotation == 10.0 and config.elastic_waves == 4
    assert isinstance(config.elastic_waves, int) and isinstance(config.rotation, float)
    assert config.features == {**default.features, "exit": 0.3}
    assert config.slant == default.slant and config.pen == default.pen
    assert generate_variant.changed([]) == default


@pytest.mark.parametrize("item", ["exit_reach", "nonsense=1", "features=0.3", "features.glow=0.5", "rotation=a",
                                  "exit_reach=2.0", "exit_reach=2.0,1.0", "features.exit=1.5", "elastic_waves=2.5"])
def test_a_bad_change_is_refused_by_name(item):
    with pytest.raises(LettersError) as refused:
        generate_variant.changed([item])
    assert item in str(refused.value)


def test_the_dataset_records_its_changed_generator(tmp_path):
    out = tmp_path / "arm"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_variant.py"), "--out", str(out),
                           "--count", "30", "--workers", "1", "exit_reach=2.0,2.0", "features.exit=1.0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    meta = json.loads((out / "meta.json").read_text())
    assert generator_config(meta) == generate_variant.changed(["exit_reach=2.0,2.0", "features.exit=1.0"])
    assert len(load_dataset(out).labels) == 30
    again = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_variant.py"), "--out", str(out),
                            "--count", "30", "rotation=oops"], capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and len(again.stderr.strip().splitlines()) == 1 and "Traceback" not in again.stderr
    kept = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_variant.py"), "--out", str(out),
                           "--count", "30"], capture_output=True, text=True, timeout=120)
    assert kept.returncode != 0 and len(kept.stderr.strip().splitlines()) == 1  # no --force: the arm is kept
    assert generator_config(json.loads((out / "meta.json").read_text())).exit_reach == (2.0, 2.0)
