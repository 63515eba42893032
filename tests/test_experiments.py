"""The experiments on hand-wired networks whose answer is known, the cache, and the CLI."""

import json
from dataclasses import replace

import pytest
import torch

from letters.cli import app
from letters.config import DecayConfig, MorphConfig
from letters.experiments import compare_weight_decay, morph_experiment, morph_form, morph_images, run_decay_sweep
from letters.model import LetterMLP, ModelDims
from letters.strokes import MORPHS, TEMPLATES

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
    x = images.flatten(2).float() / 255.0  # (steps, samples, 784)
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
    units = [{"layer": 1, "index": i, "label": "C.top_curve" if i == 0 else "dead",
              "fires_on": ["C.top_curve", "B.upper_bowl"] if i == 0 else []} for i in range(4)]
    return model, morph_experiment(model, BOWL, SMALL, units, images), h


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
    assert "carry the confusion" in result.verdict


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
    assert report.verdicts["narrows"].startswith("Holds")
    points = [p for p in report.points if p.measure == "weight_norm_1" and p.penalty == "l2"]
    assert len(points) == 4 and all(p.value.n == 2 and p.value.low <= p.value.mean <= p.value.high for p in points)

    again = run_decay_sweep(config, cache)  # everything from the cache: nothing trained
    assert again.trained == 0 and again.cached == 10
    assert again.cells == report.cells
    victim = sorted(cache.glob("*.json"))[0]
    victim.write_text("{ damaged")
    assert run_decay_sweep(config, cache).trained == 1  # a damaged cell is trained again
    assert not list(cache.glob(".*tmp*"))  # atomic writes leave no temporary files


def test_compare_weight_decay_reports_both_models():
    rows = compare_weight_decay(count=90, decays=(0.0, 3e-3), epochs=30, hidden=(16,), probes=5, val_count=150)
    assert [r["weight_decay"] for r in rows] == [0.0, 3e-3]
    assert rows[1]["weight_norms"][0] < rows[0]["weight_norms"][0]
    for r in rows:
        assert r["gap"] == pytest.approx(r["train_accuracy"] - r["val_accuracy"], abs=1e-3)
        assert r["val_accuracy"] * 150 == pytest.approx(round(r["val_accuracy"] * 150), abs=0.01)  # k of the 150 fresh glyphs


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
    assert set(report["verdicts"]) == {"narrows", "overfitting"}
    assert (tmp_path / "out" / "decay.png").exists()


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
