"""`letters methods` against answers known by construction: a network wired by hand so that its answer
depends on one stroke, a fake method that ignores the weights, the command's JSON and its one line
without Captum."""

import json
import math
import subprocess
import sys

import pytest
import torch

from letters.alphabet import CLASSES, ROLES, letter_roles
from letters.app.cli import app
from letters.config import QUICK_METHODS as QUICK
from letters.config import AnalysisConfig, GeneratorConfig, MethodsConfig
from letters.network.model import LetterMLP, ModelDims
from letters.study.probes import build_probes, mean_masks

pytest.importorskip("captum")

STROKE = "B.lower_bowl"  # the one stroke the wired network's answer depends on
LETTER = STROKE.split(".")[0]


@pytest.fixture(scope="module")
def wired() -> LetterMLP:
    """One hidden unit whose incoming weights are STROKE's mean mask, voting for its letter; every other
    weight and bias zero: the letter's logit is that unit, and only STROKE's ink moves it much."""
    model = LetterMLP(ModelDims(784, (4,), 3))
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.hidden[0].weight[0] = mean_masks(build_probes(AnalysisConfig(probes=40, seed=99), GeneratorConfig()))[ROLES.index(STROKE)]
        model.output.weight[CLASSES.index(LETTER), 0] = 1.0
    return model.eval()


def fake(model, x, target):
    """A "method" that ignores the network: the input's ink, doubled."""
    return 2 * x


@pytest.fixture(scope="module")
def wired_report(wired):
    from letters.study.method_maps import captum_methods
    from letters.study.methods import run_methods

    config = MethodsConfig(glyphs=16, steps=8, samples=4, background=4, resamples=200, seed=3)
    captum = captum_methods(config.steps, config.samples, config.window, torch.zeros(1, 784), config.seed)
    methods = {"input x gradient": captum["input x gradient"], "integrated gradients": captum["integrated gradients"],
               "fake": fake}
    return run_methods(wired, config, "wired", methods)[0]


def test_the_true_method_ranks_the_known_stroke_first_and_a_random_map_does_not(wired, wired_report):
    from letters.study.method_maps import captum_methods, random_map
    from letters.study.methods import deletion_drops, stroke_sums

    probes = build_probes(AnalysisConfig(probes=30, seed=5), GeneratorConfig())
    li, roles = CLASSES.index(LETTER), letter_roles(LETTER)
    rows = torch.arange(30)
    x, owners = probes.x("full")[li * 30:(li + 1) * 30], probes.owners[li * 30:(li + 1) * 30]
    target = torch.full((30,), li)
    first = lambda maps: (stroke_sums(maps, owners, roles).argmax(1) == roles.index(STROKE)).float().mean()  # noqa: E731
    # the premise: deleting the stroke costs the letter most on (nearly) every glyph
    assert (deletion_drops(wired, probes, x, roles, rows, target).argmax(1) == roles.index(STROKE)).float().mean() >= 0.9
    x_grad = captum_methods(8, 4, 4, torch.zeros(1, 784), 0)["input x gradient"]
    assert first(x_grad(wired, x, target)) >= 0.9
    assert first(random_map(0)(wired, x, target)) <= 0.6
    scores = {s.name: s for s in wired_report.methods}  # and the report agrees: its top stroke is the deletions'
    assert scores["input x gradient"].top_stroke.rate >= 0.8 and scores["integrated gradients"].top_stroke.rate >= 0.8
    assert scores["random map"].top_stroke.rate < scores["input x gradient"].top_stroke.rate - 0.2
    assert scores["input x gradient"].stroke_rho.low > scores["random map"].stroke_rho.high


def test_the_randomisation_check_flags_a_method_that_ignores_the_weights(wired_report):
    from letters.show.methods import verdict_lines
    from letters.study.methods import fails_randomisation

    scores = {s.name: s for s in wired_report.methods}
    assert fails_randomisation(scores["fake"].randomised) and scores["fake"].randomised[-1].signed.mean > 0.99
    assert not fails_randomisation(scores["input x gradient"].randomised)
    assert [s.layers for s in scores["fake"].randomised] == [["output"], ["output", "L1"]]  # the cascade, top first
    assert any(line.startswith("fake fails the randomisation check") for line in verdict_lines(wired_report))


def _inside(interval: dict, lo: float, hi: float) -> bool:
    values = [interval[k] for k in ("mean", "low", "high")]
    return all(lo - 1e-9 <= v <= hi + 1e-9 for v in values) and values[1] <= values[0] <= values[2]


def test_cli_quick_json_is_valid_and_its_intervals_lie_in_their_ranges(runner, tiny_model, tmp_path):
    result = runner.invoke(app, ["methods", "--quick", "--json", "--model", str(tiny_model), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["glyphs"] == QUICK.glyphs and report["total"] == QUICK.glyphs * len(CLASSES)
    assert (tmp_path / "methods.png").exists() and report["files"]["methods.png"].endswith("methods.png")
    names = [m["name"] for m in report["methods"]]
    assert {"saliency", "integrated gradients", "DeepLift", "occlusion", "gradient SHAP", "top units",
            "random map", "input", "Sobel edges"} <= set(names)
    for m in report["methods"]:
        if report["read_right"] >= 2:
            assert _inside(m["mass_on_strokes"], 0, 1) and _inside(m["ink_rho"], -1, 1) and _inside(m["stroke_rho"], -1, 1)
        for step in m["randomised"]:
            assert _inside(step["signed"], -1, 1) and _inside(step["absolute"], -1, 1)
        for rate in ("top_stroke", "misread_culprit", "misread_lookalike"):
            r = m[rate]
            assert 0 <= r["low"] <= r["rate"] <= r["high"] <= 1 and 0 <= r["k"] <= r["n"]
    again = runner.invoke(app, ["methods", "--quick", "--json", "--model", str(tiny_model)])
    assert json.loads(again.stdout)["methods"] == report["methods"]  # the same seed, the same numbers


def test_without_captum_the_command_says_so_in_one_line(runner, monkeypatch):
    monkeypatch.setitem(sys.modules, "captum", None)  # an import of captum now fails, as if it were not installed
    result = runner.invoke(app, ["methods", "--quick"])
    assert result.exit_code == 1
    assert result.stderr == 'letters: error: letters methods needs Captum: pip install -e ".[methods]"\n'


def test_the_terminal_output_is_short_and_fits_80_columns(wired_report):
    from rich.console import Console

    from letters.show.methods import methods_output

    screen = Console(width=80, record=True, file=open("/dev/null", "w"))
    for item in methods_output(wired_report, 80):
        screen.print(item)
    lines = screen.export_text().splitlines()
    assert len(lines) <= 32 and max(len(line) for line in lines) <= 80
    assert not math.isnan(wired_report.methods[0].stroke_rho.mean)


def test_help_imports_neither_torch_nor_captum():
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom letters.app.cli import app\n"
            "assert CliRunner().invoke(app, ['methods', '--help']).exit_code == 0\n"
            "assert not [m for m in ('torch', 'captum') if m in sys.modules]\n")
    subprocess.run([sys.executable, "-c", code], check=True)
