"""The stroke analysis, checked on hand-wired networks whose answers are known."""

import json
import math
from dataclasses import asdict, fields

import pytest
import torch

from letters.analysis import AnalysisReport, InkPixels, UnitReport, analyze_model, attribution_maps, build_probes, label_unit, masked_logits, mean_masks, wilson
from letters.cli import app
from letters.config import AnalysisConfig, GeneratorConfig
from letters.model import LetterMLP, ModelDims
from letters.strokes import CLASSES, LOOKALIKES, ROLES

CONFIG = AnalysisConfig(probes=60)


@pytest.fixture(scope="module")
def probes():
    return build_probes(CONFIG, GeneratorConfig())


@pytest.fixture(scope="module")
def planted_masks():
    """Mean stroke masks from probes of another seed: a planted detector is not its own yardstick."""
    other = build_probes(AnalysisConfig(probes=60, seed=99), GeneratorConfig())  # as many as the probes it is scored on
    return {r: m for r, m in zip(ROLES, mean_masks(other))}


def _vote(letter: str) -> torch.Tensor:
    return torch.tensor([float(c == letter) for c in CLASSES])


@pytest.fixture(scope="module")
def hand_wired(probes, planted_masks):
    """Units with known answers: planted stroke detectors, a dead unit, a bias-only unit, and five
    units planted on A.left_diagonal + B.spine (a lookalike pair only the data can find)."""
    model = LetterMLP(ModelDims(784, (14,), 3))
    with torch.no_grad():
        w, b, out = model.hidden[0].weight, model.hidden[0].bias, model.output.weight
        w.zero_(), b.zero_(), out.zero_(), model.output.bias.zero_()
        w[0], out[:, 0] = planted_masks["C.top_curve"], _vote("C")
        # the crossbar's mean mask overlaps where B's lower bowl starts (low and flat bars are
        # common); the planted crossbar detectors are told that bowl is not theirs
        crossbar = planted_masks["A.crossbar"] - 0.5 * planted_masks["B.lower_bowl"]
        w[1], out[:, 1] = crossbar, _vote("A")
        w[2], b[2] = -0.5, -1.0  # every weight and the bias negative: never active
        b[3] = 0.7  # no weights, only a bias: active on a blank page, and never more
        for u in range(4, 9):
            w[u], out[:, u] = planted_masks["A.left_diagonal"] + planted_masks["B.spine"], _vote("A")
        for u in range(9, 14):
            w[u], out[:, u] = crossbar, _vote("A")
    report, _ = analyze_model(model, CONFIG, probes=probes)
    return model, report


def test_planted_detectors_get_their_stroke_labels(hand_wired):
    _, report = hand_wired
    for unit, role in ((report.units[0], "C.top_curve"), (report.units[1], "A.crossbar"), (report.units[9], "A.crossbar")):
        assert unit.label == role and role in unit.fires_on
        assert unit.selectivity > 0.3
    assert report.units[4].label == "mixed" and set(report.units[4].fires_on) >= {"A.left_diagonal", "B.spine"}


def test_dead_and_bias_only_units_get_their_own_labels_and_counts(hand_wired):
    _, report = hand_wired
    assert report.units[2].label == "dead" and not report.units[2].bias_fires
    assert report.units[3].label == "bias-only" and report.units[3].bias_fires and report.units[3].fires_on == []
    assert report.label_counts["dead"] == 1 and report.label_counts["bias-only"] == 1
    assert report.blank_active == 1


def test_first_layer_baseline_is_relu_of_bias(hand_wired):
    model, report = hand_wired
    for unit in report.units:
        assert unit.baseline == pytest.approx(max(float(model.hidden[0].bias.detach()[unit.index]), 0.0), abs=1e-5)


def test_dissection_score_separates_planted_detectors_from_random_and_dead_units(hand_wired, probes):
    _, report = hand_wired
    for u, role in ((0, "C.top_curve"), (1, "A.crossbar"), (4, "A.left_diagonal"), (4, "B.spine")):
        unit = report.units[u]
        assert unit.dissection[role] > 0.5
    assert report.units[0].dissection["C.top_curve"] > 0.8 and report.units[0].clean
    assert report.units[2].dissection_score is None and report.units[3].dissection_score is None  # n/a
    random_units, _ = analyze_model(LetterMLP(ModelDims(784, (48,), 3)), CONFIG, probes=probes, examples=False)
    scores = sorted(u.dissection_score for u in random_units.units if u.dissection_score is not None)
    assert len(scores) > 10 and scores[len(scores) // 2] < 0.3  # chance-corrected: random units sit near 0
    for base in report.dissection_baselines:  # IoU alone would not separate them: chance is far above 0
        assert 0.03 < base.chance < base.ideal


def test_response_lets_no_stroke_win_by_size_alone(probes):
    """Units with random weights have no preference: each stroke should be some unit's best about equally
    often. Raw activation favours the largest stroke, activation per ink pixel the smallest."""
    torch.manual_seed(0)
    report, _ = analyze_model(LetterMLP(ModelDims(784, (600,), 3)), CONFIG, probes=probes, examples=False)
    best = [max(u.response, key=u.response.get) for u in report.units if max(u.response.values()) > 0]
    shares = [best.count(r) / len(best) for r in ROLES]
    assert max(shares) < 2.2 / len(ROLES) and min(shares) > 0.4 / len(ROLES), dict(zip(ROLES, shares))
    size = report.stroke_size
    largest, smallest = max(size, key=size.get), min(size, key=size.get)
    assert abs(shares[ROLES.index(largest)] - shares[ROLES.index(smallest)]) < 0.1


def test_label_unit_floor_and_fraction():
    config = AnalysisConfig()
    zero = {r: 0.0 for r in ROLES}
    label, _, firing = label_unit({**zero, "C.top_curve": 0.5, "B.upper_bowl": 0.4, "A.crossbar": 0.2}, True, False, config)
    assert label == "C.top_curve" and firing == ["C.top_curve", "B.upper_bowl"]  # lookalikes stay one label
    assert label_unit({**zero, "C.top_curve": 0.5, "A.crossbar": 0.4}, True, False, config)[0] == "mixed"
    below_floor = {**zero, "C.top_curve": 0.6 * config.fire_floor}
    assert label_unit(below_floor, True, True, config)[:3:2] == ("bias-only", [])
    assert label_unit(below_floor, True, False, config)[0] == "weak"
    assert label_unit(below_floor, False, False, config)[0] == "dead"


def test_lookalike_pairs_come_from_the_data_and_check_the_text(hand_wired):
    _, report = hand_wired
    found = {tuple(p.roles): p for p in report.lookalikes if p.found}
    pair = found[("A.left_diagonal", "B.spine")]
    assert not pair.in_text and pair.units == [f"L1.{u}" for u in range(4, 9)] and pair.expected < pair.shared
    assert all(set(p.units) <= {f"L1.{u}" for u in range(4, 9)} for p in found.values())  # crossbar units share nothing
    text = [p for p in report.lookalikes if p.in_text]
    assert sorted(map(sorted, (p.roles for p in text))) == sorted(map(sorted, LOOKALIKES))
    top = next(p for p in text if "C.top_curve" in p.roles)
    assert top.units == ["L1.0"] and not top.found  # one planted unit is no evidence


def test_votes_are_outgoing_weights(hand_wired):
    _, report = hand_wired
    assert report.units[0].votes == {"A": 0.0, "B": 0.0, "C": 1.0}
    assert report.units[1].votes == {"A": 1.0, "B": 0.0, "C": 0.0}


def test_wilson_interval_matches_known_values():
    r = wilson(20, 200)  # by hand: centre 0.1075, half-width 0.0419
    assert (r.rate, r.low, r.high) == (0.1, pytest.approx(0.0657, abs=1e-4), pytest.approx(0.1494, abs=1e-4))
    assert (wilson(0, 10).low, wilson(0, 10).high) == (0.0, pytest.approx(0.2775, abs=1e-4))  # z^2 / (n + z^2)
    assert (wilson(5, 10).low, wilson(5, 10).high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))


def test_misclassification_verdicts_name_chance_and_the_likeliest_wrong_answer(hand_wired):
    _, report = hand_wired
    mis = report.misclassification
    assert mis.target == LOOKALIKES[0][0].split(".")[0] and mis.chance == pytest.approx(1 / len(CLASSES), abs=1e-4)
    assert {s.role for s in mis.lone_strokes} == set(ROLES)
    for s in mis.lone_strokes:
        assert "chance" in s.verdict and s.most_likely_wrong != s.role.split(".")[0]
        assert sum(r.k for r in s.called.values()) == s.called["A"].n
        assert all(r.low <= r.rate <= r.high for r in s.called.values())
        assert s.most_likely_wrong in s.verdict


def test_ablation_of_shared_units_is_compared_with_matched_controls(probes, planted_masks):
    """Three units fire on both C.top_curve and B.upper_bowl and vote C; without them B's bowl is no
    longer called C, while zeroing as many other live units changes nothing."""
    model = LetterMLP(ModelDims(784, (12,), 3))
    with torch.no_grad():
        w, b, out = model.hidden[0].weight, model.hidden[0].bias, model.output.weight
        w.zero_(), b.zero_(), out.zero_()
        model.output.bias.copy_(torch.tensor([0.0, 1.0, 0.0]))  # B unless something votes otherwise
        for u in range(3):
            w[u], out[:, u] = planted_masks["C.top_curve"] + planted_masks["B.upper_bowl"], 5 * _vote("C")
        for u in range(3, 12):  # other live units that vote C too but never on B's bowl
            w[u], out[:, u] = planted_masks["A.crossbar"], 0.001 * _vote("C")  # too weak to flip a B alone
    report, _ = analyze_model(model, CONFIG, probes=probes)
    abl = report.misclassification.ablation
    assert abl.units == ["L1.0", "L1.1", "L1.2"] and abl.control_sets > 0
    effect = next(e for e in abl.effects if e.measure == "B.upper_bowl alone called C")
    assert effect.before.rate > 0.9 and effect.after.rate < 0.1
    assert effect.random_median > 0.9 and effect.random_as_extreme == 0.0
    assert effect.same_vote_median > 0.9 and effect.same_vote_as_extreme == 0.0


def test_second_layer_attribution_is_gradient_times_input(probes):
    torch.manual_seed(1)
    model = LetterMLP(ModelDims(784, (6, 4), 3))
    x = probes.x("full")[:5].clone().requires_grad_(True)
    pre = model.hidden[1](torch.relu(model.hidden[0](x)))  # (5, 4) second-layer pre-activations
    for u in range(4):
        (grad,) = torch.autograd.grad(pre[:, u].sum(), x, retain_graph=True)
        assert torch.allclose(attribution_maps(model, x.detach(), 1)[:, u], grad * x.detach(), atol=1e-5)
    ink = InkPixels(probes)
    dense = attribution_maps(model, probes.x("full"), 1).detach()  # (N, 4, 784)
    assert torch.allclose(ink.second_layer(model, probes.x("full"), slice(None)),
                          dense[ink.sample, :, ink.pixel].T, atol=1e-5)


def test_two_layers_any_width(probes):
    model = LetterMLP(ModelDims(784, (7, 5), 3))
    report, _ = analyze_model(model, CONFIG, probes=probes)
    assert [u.layer for u in report.units] == [1] * 7 + [2] * 5
    product = (model.output.weight @ model.hidden[1].weight).detach()  # (3 classes, 7 units)
    for u in report.units[:7]:
        assert [u.votes[c] for c in "ABC"] == pytest.approx(product[:, u.index].tolist(), abs=1e-4)
    x = probes.x("full")[:4]
    masks = [torch.ones(3, 7), torch.ones(3, 5)]
    masks[0][1, 3] = masks[0][2, 0] = masks[0][2, 6] = masks[1][2, 4] = 0.0
    logits = masked_logits(model, x, masks)
    h1 = torch.relu(model.hidden[0](x))
    for k in range(3):  # by hand: zero the units, run the layers
        h2 = torch.relu(model.hidden[1](h1 * masks[0][k])) * masks[1][k]
        assert torch.allclose(logits[k], model.output(h2), atol=1e-5)
    assert torch.allclose(logits[0], model(x), atol=1e-5)


def test_json_is_the_dataclass(runner, tiny_model):
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {f.name for f in fields(AnalysisReport)} | {"files"}
    assert set(data["units"][0]) == {f.name for f in fields(UnitReport)}
    assert len(data["units"]) == 16 and set(data["units"][0]["response"]) == set(ROLES)


def test_output_reads_at_80_columns_when_piped(runner, tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = tmp_path / "analysis"
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if not line.startswith("pictures and report: ")]  # a path
    assert max(len(line) for line in lines) <= 80 and "\u2026" not in result.stdout
    units = [line for line in lines if line.startswith("L1.")]
    assert len(units) == 16  # one line per unit
    assert "The text's example, measured" in result.stdout and "chance 33%" in result.stdout
    page = (out / "report.html").read_text()
    for name in ("weights.png", "roles.png", "misclassification.png", "report.html"):
        assert (out / name).exists()
    assert "top curve of B or the left line of A" in page and "Glossary" in page and "<script" not in page
    assert page.count("data:image/png;base64,") == 5  # sample sheet, training curves, heatmap, weights, panel


def test_units_shows_the_most_important_first(runner, tiny_model):
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--json"])
    units = sorted(json.loads(result.stdout)["units"], key=lambda u: -u["ablation_cost"])
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--units", "3"])
    assert result.exit_code == 0, result.output
    shown = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("L1.")]
    assert shown == [u["name"] for u in units[:3]]


def test_wide_keeps_the_full_table(runner, tiny_model, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--wide"])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if line.startswith("unit"))
    assert all(f" {col}" in header for col in ("A.ld", "C.bc", "label", "votes A/B/C")) and "\u2026" not in result.stdout


def test_asdict_round_trips_through_json(hand_wired):
    _, report = hand_wired
    assert math.isfinite(json.loads(json.dumps(asdict(report)))["units"][0]["response"]["C.top_curve"])


def test_the_report_shows_the_experiments_pictures_written_beside_it(runner, tiny_model, tmp_path):
    from PIL import Image

    out = tmp_path / "analysis"
    out.mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out / "morph.png")  # as `letters morph --out` leaves it
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    assert "The confusion microscope" in page and "dose response" not in page
    assert page.count("data:image/png;base64,") == 6  # the five of the analysis and the morph picture
