"""The experiments on hand-wired networks whose answer is known, the cache, and the CLI."""

import json
from dataclasses import replace

import pytest
import torch

from letters.alphabet import MORPHS, TEMPLATES
from letters.app.cli import app
from letters.config import DecayConfig, MorphConfig
from letters.network.model import LetterMLP, ModelDims
from letters.show.words import decay_verdicts, morph_title, morph_verdict
from letters.study.decay import run_decay_sweep
from letters.study.morph import Crossing, morph_experiment, morph_form, morph_images
from letters.study.stats import Interval
from letters.study.units import UnitReport

BOWL = next(m for m in MORPHS if m.name == "B.upper_bowl->C.top_curve")
SMALL = MorphConfig(steps=6, samples=16, controls=20, bootstrap=100)


def test_morph_form_starts_at_the_letter_and_ends_at_the_lookalike():
    start = next(f for f in TEMPLATES["B"] if f.name == "round")
    end = next(f for f in TEMPLATES["C"] if f.name == "round")
    plain = [p for p in start.pieces if p.feature is None]
    assert [p.controls for p in morph_form(BOWL, 0.0).pieces] == [p.controls for p in plain]
    at_end = {p.role: p.controls for p in morph_form(BOWL, 1.0).pieces}
    top = next(p for p in end.pieces if p.role == "C.top_curve" and p.feature is None)
    got = [v for point in at_end["B.upper_bowl"] for v in point]
    assert got == pytest.approx([v for point in top.controls[::-1] for v in point])  # reversed: the bowl opens
    assert at_end["B.spine"] == next(p for p in plain if p.role == "B.spine").controls  # the rest stays


@pytest.fixture(scope="module")
def planted():
    """One unit detects 'more like C's top curve than B's bowl' and alone votes for C; three
    faint noise units vote for nothing."""
    images = morph_images(BOWL, SMALL)
    x = images.flatten(2).float() / 255.0  # (steps, samples, 784), as as_input converts it
    direction = x[-1].mean(0) - x[0].mean(0)
    direction = direction / direction.norm()
    p0, p1 = float((x[0] @ direction).mean()), float((x[-1] @ direction).mean())
    model = LetterMLP(ModelDims(784, (4,), 3))
    with torch.no_grad():
        model.hidden[0].weight.copy_(torch.randn(4, 784, generator=torch.Generator().manual_seed(0)) * 0.002)
        model.hidden[0].bias.zero_()
        model.hidden[0].weight[0] = direction * 3.0 / (p1 - p0)  # mean input 0 at the start, 3 at the end
        model.hidden[0].bias[0] = -3.0 * p0 / (p1 - p0)
        model.output.weight.zero_()
        model.output.weight[2, 0] = 3.0  # unit 0 votes for C, nothing else votes at all
        model.output.bias.copy_(torch.tensor([-5.0, 4.5, 0.0]))  # B until unit 0 is well above its start
    h = torch.relu(model.hidden[0](x.flatten(0, 1))).view(SMALL.steps, SMALL.samples, 4)[..., 0].mean(1)
    units = [_unit(i, ["C.top_curve", "B.upper_bowl"] if i == 0 else []) for i in range(4)]
    return model, morph_experiment(model, BOWL, SMALL, units, images), h


def _unit(index: int, fires_on: list) -> UnitReport:
    zero = {c: 0.0 for c in "ABC"}
    return UnitReport(1, index, f"L1.{index}", "detector" if fires_on else "dead", fires_on[0] if fires_on else None,
                      "C", "C", 0.0, 0.0, False, {}, zero, fires_on, zero, 0.0, 0.0, None)


def test_planted_unit_moves_p_c_across_one_half(planted):
    _, result, h = planted
    pc = [iv.mean for iv in result.probabilities["C"]]
    assert pc[0] < 0.5 < pc[-1]
    assert h[-1] > h[0]  # the planted unit's mean activation grows along the morph
    assert 0.0 < result.crossing.t < 1.0
    assert result.crossing.low <= result.crossing.t <= result.crossing.high
    assert all(iv.low <= iv.mean <= iv.high for iv in result.probabilities["C"])


def test_planted_unit_changes_most_and_carries_the_whole_logit_change(planted):
    _, result, _ = planted
    assert result.top_units[0].unit == "L1.0" and result.top_units[0].vote == pytest.approx(3.0)
    p = result.patching
    assert p.units == ["L1.0"] and p.logit == "C-B"
    assert p.full_change > 0
    assert p.restored == pytest.approx(1.0, abs=1e-4)  # it is the only unit that votes
    assert abs(p.random_units.high) < 1e-4 and abs(p.same_vote.high) < 1e-4  # noise units restore nothing
    assert p.random_rank == 0.0
    assert "above the" in morph_verdict(result)  # two-sided: above its random sets' range


def _curve(means: list[float]):
    """A MorphResult stand-in whose P(C) curve is `means`, for the title."""
    from types import SimpleNamespace

    points = [Interval(m, max(0.0, m - 0.05), min(1.0, m + 0.05), 10) for m in means]
    rising = next((i for i in range(1, len(means)) if means[i - 1] < 0.5 <= means[i]), None)
    cross = Crossing(None if rising is None else rising / (len(means) - 1), None, None, 0.0)
    return SimpleNamespace(target="C", probabilities={"C": points}, crossing=cross)


def test_the_morph_title_says_what_its_curve_does():
    assert morph_title(_curve([0.76, 0.8, 0.9])) == "P(C) 0.76 -> 0.90, at or above 0.5 throughout"  # was "0.5 at t = 0"
    assert morph_title(_curve([0.1, 0.2, 0.3])) == "P(C) 0.10 -> 0.30, below 0.5 throughout"
    assert "rises through 0.5 at t = 0.50" in morph_title(_curve([0.1, 0.6, 0.9]))


def test_a_curve_that_starts_above_one_half_has_no_crossing(planted):
    from letters.study.morph import _crossing

    pc = torch.tensor([[0.8, 0.9], [0.85, 0.9], [0.95, 0.99]])  # (steps, hands), above 0.5 from the start
    assert _crossing(pc, [0.0, 0.5, 1.0], 50, 0).t is None
    _, result, _ = planted
    for series in result.probabilities.values():  # no interval leaves [0, 1]
        assert all(0.0 <= iv.low <= iv.mean <= iv.high <= 1.0 for iv in series)
    assert all(0.0 <= r.low <= r.rate <= r.high <= 1.0 and r.n == SMALL.samples for r in result.called)


def _handwriting(tmp_path):
    from conftest import draw_letter

    for letter in "ABC":
        (tmp_path / "hw" / letter).mkdir(parents=True)
        for k in range(2):
            draw_letter(letter, width=10 + 4 * k).save(tmp_path / "hw" / letter / f"{k}.png")
    return str(tmp_path / "hw")


TINY = DecayConfig(sizes=(45,), seeds=2, decays=(0.0, 1e-3, 1e-2, 1e-1), l1=1e-3, steps=40, hidden=(8,),
                   test_count=30, probes=3, device="cpu")


def test_decay_sweep_narrows_the_weights_monotonically_and_caches(tmp_path):
    config = replace(TINY, handwriting=_handwriting(tmp_path))
    cache = tmp_path / "cache"
    report = run_decay_sweep(config, cache)
    assert report.trained == len(report.cells) == 2 * 5 and report.cached == 0
    for seed in range(2):
        norms = [c.weight_norms[0] for c in report.cells if c.seed == seed and c.penalty == "l2"]
        assert norms == sorted(norms, reverse=True) and len(set(norms)) == 4, norms  # falls with every dose
    for cell in report.cells:
        assert cell.gap == pytest.approx(cell.train_accuracy - cell.test_accuracy, abs=2e-4)
        assert cell.handwriting_accuracy * 6 == pytest.approx(round(cell.handwriting_accuracy * 6), abs=0.01)  # k of the 6 drawings
    assert decay_verdicts(report)["narrows"].startswith("Holds")
    points = [p for p in report.points if p.measure == "weight_norm_1" and p.penalty == "l2"]
    assert len(points) == 4 and all(p.value.n == 2 and p.value.low <= p.value.mean <= p.value.high for p in points)
    for p in report.points:  # no interval outside what the measure can be
        kind_low, kind_high = (0.0, 1.0) if "accuracy" in p.measure or "called" in p.measure else \
            (-1.0, 1.0) if "gap" in p.measure else (0.0, float("inf"))
        assert kind_low <= p.value.low <= p.value.mean <= p.value.high <= kind_high, p
        if "called" in p.measure or "accuracy" in p.measure:
            assert p.value.high > p.value.low  # a rate over a finite number of glyphs is never known exactly

    again = run_decay_sweep(config, cache)  # everything from the cache: nothing trained
    assert again.trained == 0 and again.cached == 10
    assert again.cells == report.cells
    victim = sorted(cache.glob("*.json"))[0]
    victim.write_text("{ damaged")
    assert run_decay_sweep(config, cache).trained == 1  # a damaged cell is trained again
    assert not list(cache.glob(".*tmp*"))  # atomic writes leave no temporary files


def test_morph_cli_json_and_pictures(runner, tmp_path):
    out = tmp_path / "morph"
    result = runner.invoke(app, ["morph", "--morph", "B->C", "--steps", "4", "--samples", "4", "--probes", "5",
                                 "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (morph,) = report["morphs"]
    assert morph["name"] == "B->C" and len(morph["t"]) == 4 and len(morph["probabilities"]["C"]) == 4
    assert {"mean", "low", "high", "n"} == set(morph["probabilities"]["C"][0])
    assert {"t", "low", "high", "crossed_fraction"} == set(morph["crossing"])
    assert {"units", "restored", "random_units", "same_vote", "full_change"} <= set(morph["patching"])
    assert (out / "morph.png").exists() and "data:image/png;base64," in (out / "morph.html").read_text()


def test_decay_cli_small_grid(runner, tmp_path):
    result = runner.invoke(app, ["decay", "--sizes", "30", "--seeds", "2", "--decays", "0,1e-2", "--l1", "0",
                                 "--steps", "5", "--hidden", "8", "--test-count", "30", "--probes", "3", "--handwriting", "", "--cache", str(tmp_path / "c"), "--json",
                                 "--out", str(tmp_path / "out"), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["cells"]) == 4 and report["trained"] == 4
    assert (tmp_path / "out" / "decay.png").exists() and (tmp_path / "out" / "decay.json").exists()
    assert json.loads((tmp_path / "out" / "decay.json").read_text())["cells"] == report["cells"]


@pytest.mark.parametrize("args, words", [
    (["morph", "--morph", "A->Z"], "--morph"),
    (["morph", "--steps", "1"], "--steps"),
    (["decay", "--sizes", "many"], "--sizes"),
    (["decay", "--decays", "0,-1"], "--decays"),
    (["decay", "--handwriting", "/no/such/folder", "--sizes", "30", "--seeds", "1", "--steps", "1"], "--handwriting"),
])
def test_bad_options_one_line(runner, tmp_path, args, words):
    result = runner.invoke(app, [*args, "--cache", str(tmp_path / "c")] if args[0] == "decay" else args)
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())


def test_a_morph_draws_no_ligature_whatever_the_hand_would():
    # a ligature has no counterpart at the other end: a B's would still be there when the B is a C
    from letters.config import GeneratorConfig

    whole = next(m for m in MORPHS if m.whole)
    config = replace(SMALL, steps=3, samples=8)
    joined = GeneratorConfig(features={**GeneratorConfig().features, "exit": 1.0})
    plain = GeneratorConfig(features={**GeneratorConfig().features, "exit": 0.0})
    assert torch.equal(morph_images(whole, config, joined), morph_images(whole, config, plain))
