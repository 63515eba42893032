"""The analysis, checked on hand-wired networks whose answers are known: planted detectors, a planted
lookalike unit (fires on B's top curve, votes C), a unit that needs two strokes together, a dead and a
bias-only unit; the text's example with matched controls; the terminal's and the report's answer first."""

import json
from dataclasses import fields

import pytest
import torch

from letters.alphabet import CLASSES, LOOKALIKES, ROLES
from letters.app.cli import app
from letters.config import AnalysisConfig, GeneratorConfig
from letters.network.model import LetterMLP, ModelDims
from letters.study.analysis import AnalysisReport, analyze_model
from letters.study.dissection import InkPixels, unit_iou
from letters.study.forward import masked_logits
from letters.study.probes import build_probes, mean_masks, one_left_out
from letters.study.units import CATEGORIES, UnitReport, categorize

CONFIG = AnalysisConfig(probes=60)


@pytest.fixture(scope="module")
def probes():
    return build_probes(CONFIG, GeneratorConfig())


@pytest.fixture(scope="module")
def planted_masks():
    """Mean stroke masks from probes of another seed: a planted detector is not its own yardstick."""
    other = build_probes(AnalysisConfig(probes=60, seed=99), GeneratorConfig())
    return dict(zip(ROLES, mean_masks(other)))


def _vote(letter: str) -> torch.Tensor:
    return torch.tensor([float(c == letter) for c in CLASSES])


@pytest.fixture(scope="module")
def hand_wired(probes, planted_masks):
    """Units with known answers: 0 a C.top_curve detector, 1 an A.crossbar detector, 2 dead, 3 bias-only,
    4-6 lookalike units (fire on B.upper_bowl, vote C), 7-11 fire on A.left_diagonal and B.spine alike,
    12 fires only when C's top and bottom curves are drawn together, 13-20 detectors of other strokes."""
    model = LetterMLP(ModelDims(784, (21,), 3))
    with torch.no_grad():
        w, b, out = model.hidden[0].weight, model.hidden[0].bias, model.output.weight
        w.zero_(), b.zero_(), out.zero_(), model.output.bias.zero_()
        # the C's top curve lies where a B's upper bowl does: a detector must weigh against the bowl
        w[0], out[:, 0] = planted_masks["C.top_curve"] - 0.5 * planted_masks["B.upper_bowl"], _vote("C")
        w[1], out[:, 1] = planted_masks["A.crossbar"] - 0.5 * planted_masks["B.lower_bowl"], _vote("A")
        w[2], b[2] = -0.5, -1.0  # every weight and the bias negative: never active
        b[3] = 0.7  # no weights, only a bias: active on a blank page, and never more
        for u in range(4, 7):
            w[u], out[:, u] = planted_masks["B.upper_bowl"], _vote("C")
        for u in range(7, 12):
            w[u], out[:, u] = planted_masks["A.left_diagonal"] + planted_masks["B.spine"], _vote("A")
        both = planted_masks["C.top_curve"] + planted_masks["C.bottom_curve"] - 0.7 * (
            planted_masks["B.upper_bowl"] + planted_masks["B.lower_bowl"])
        drives = torch.cat([probes.x((r,)) @ both for r in ROLES])
        w[12], b[12], out[:, 12] = both, -float(torch.quantile(drives, 0.99)), _vote("C")  # lone strokes barely reach it
        for k, u in enumerate(range(13, 21)):
            role = ("A.right_diagonal", "B.lower_bowl", "C.bottom_curve", "A.crossbar")[k % 4]
            w[u], out[:, u] = planted_masks[role], _vote(role[0])
    report, _ = analyze_model(model, CONFIG, probes=probes)
    return model, report


def test_units_are_named_by_both_sides(hand_wired):
    _, report = hand_wired
    u = report.units
    assert (u[0].category, u[0].stroke, u[0].vote) == ("detector", "C.top_curve", "C")
    assert (u[1].category, u[1].stroke) == ("detector", "A.crossbar")
    assert u[2].category == "dead" and u[3].category == "bias-only" and u[3].bias_fires
    for k in range(4, 7):  # the text's mistake in one neuron: it fires on B's top curve and votes C
        assert (u[k].category, u[k].stroke, u[k].vote) == ("lookalike", "B.upper_bowl", "C"), u[k]
    assert u[12].category == "letter" and u[12].fires_on == [] and u[12].active_letter == "C"
    assert report.counts["dead"] == 1 and sum(report.counts.values()) == 21 and set(report.counts) == set(CATEGORIES)


def test_categorize_from_both_sides():
    config = AnalysisConfig()
    zero = {r: 0.0 for r in ROLES}
    letters = {"A": 0.1, "B": 0.2, "C": 0.4}
    c_votes = {"A": -1.0, "B": -1.0, "C": 2.0}
    assert categorize({**zero, "C.top_curve": 0.5, "B.upper_bowl": 0.4}, letters, c_votes, True, False, config) == (
        "detector", "C.top_curve", ["C.top_curve", "B.upper_bowl"])
    assert categorize({**zero, "B.upper_bowl": 0.5, "C.top_curve": 0.4}, letters, c_votes, True, False, config)[:2] == (
        "lookalike", "B.upper_bowl")
    assert categorize({**zero, "C.top_curve": 0.5}, {"A": 0.3, "B": 0.0, "C": 0.1}, c_votes, True, False, config)[0] == "mixed"
    # its own whole letter quiets it (below the blank page), even though the others quiet it more: no detector
    quieted = {"A": -0.4, "B": -0.3, "C": -0.1}
    assert categorize({**zero, "C.top_curve": 0.5}, quieted, c_votes, True, False, config)[0] == "mixed"
    below_floor = {**zero, "C.top_curve": 0.6 * config.fire_floor}
    quiet = {c: 0.0 for c in CLASSES}
    assert categorize(below_floor, quiet, c_votes, True, True, config)[0] == "bias-only"
    assert categorize(below_floor, quiet, c_votes, True, False, config)[0] == "weak"
    assert categorize(below_floor, letters, c_votes, True, False, config)[0] == "letter"
    assert categorize(below_floor, quiet, c_votes, False, False, config)[0] == "dead"


def test_response_is_the_rise_over_the_blank_page_per_unit_of_ink(hand_wired, probes):
    model, report = hand_wired
    reference = sum(float(probes.x((r,)).norm(dim=1).mean()) for r in ROLES) / len(ROLES)
    assert report.ink_reference == pytest.approx(reference, abs=1e-3)
    with torch.no_grad():
        for unit in report.units[:4]:
            bias = float(model.hidden[0].bias[unit.index])
            assert unit.baseline == pytest.approx(max(bias, 0.0), abs=1e-5)  # the bias alone
            x = probes.x(("C.top_curve",))
            rise = torch.relu(model.hidden[0](x))[:, unit.index].mean() - max(bias, 0.0)
            scaled = float(rise) * reference / float(x.norm(dim=1).mean())
            assert unit.response["C.top_curve"] == pytest.approx(scaled, rel=1e-3, abs=1e-4)


def test_response_lets_no_stroke_win_by_size_alone(probes):
    """Units with random weights have no preference: each stroke should be some unit's best about equally
    often. Raw activation favours the largest stroke; per unit of ink, none."""
    torch.manual_seed(0)
    report, _ = analyze_model(LetterMLP(ModelDims(784, (600,), 3)), CONFIG, probes=probes, example=False)
    best = [max(u.response, key=u.response.get) for u in report.units if max(u.response.values()) > 0]
    shares = [best.count(r) / len(best) for r in ROLES]
    assert max(shares) < 2.2 / len(ROLES) and min(shares) > 0.4 / len(ROLES), dict(zip(ROLES, shares))


def test_lookalike_pairs_come_from_the_data_and_check_the_text(hand_wired):
    _, report = hand_wired
    found = {tuple(p.roles): p for p in report.lookalikes if p.found}
    pair = found[("A.left_diagonal", "B.spine")]
    assert not pair.in_text and set(pair.units) == {f"L1.{u}" for u in range(7, 12)} and pair.expected < pair.shared
    text = [p for p in report.lookalikes if p.in_text]
    assert sorted(map(sorted, (p.roles for p in text))) == sorted(map(sorted, LOOKALIKES))


def test_votes_are_outgoing_weights(hand_wired):
    _, report = hand_wired
    assert report.units[0].votes == {"A": 0.0, "B": 0.0, "C": 1.0}
    assert report.units[1].votes == {"A": 1.0, "B": 0.0, "C": 0.0}


def test_letter_like_inputs_come_first_with_their_rates(hand_wired, probes):
    _, report = hand_wired
    ex = report.example
    assert ex.target == LOOKALIKES[0][0].split(".")[0] and ex.chance == pytest.approx(1 / len(CLASSES), abs=1e-4)
    assert [tuple(c.strokes) for c in ex.letter_like] == one_left_out(probes)
    assert {c.strokes[0] for c in ex.lone} == set(ROLES)
    for c in [*ex.letter_like, *ex.lone]:
        assert sum(r.k for r in c.called.values()) == c.n == 60
        assert all(0.0 <= r.low <= r.rate <= r.high <= 1.0 for r in c.called.values())
        assert c.flagged is None  # no detector was given
        assert sorted(c.strokes + c.left_out) == sorted(r for r in ROLES if r.startswith(c.letter + "."))


def test_ablation_zeroes_the_lookalike_units_against_matched_controls(probes, planted_masks):
    """Three lookalike units fire on B's upper bowl and vote C: without them a B missing its lower bowl is no
    longer called C, while zeroing as many other live units, matched on activation, changes nothing."""
    model = LetterMLP(ModelDims(784, (15,), 3))
    with torch.no_grad():
        w, b, out = model.hidden[0].weight, model.hidden[0].bias, model.output.weight
        w.zero_(), b.zero_(), out.zero_()
        model.output.bias.copy_(torch.tensor([0.0, 1.0, 0.0]))  # B unless something votes otherwise
        for u in range(3):
            w[u], out[:, u] = planted_masks["B.upper_bowl"], 5 * _vote("C")
        for k, u in enumerate(range(3, 15)):  # other live units, as active on the same strokes, voting B weakly
            w[u], out[:, u] = planted_masks[("B.spine", "B.upper_bowl", "A.crossbar")[k % 3]], 0.001 * _vote("B")
    report, _ = analyze_model(model, CONFIG, probes=probes)
    ablation = report.example.ablation
    assert ablation.units == ["L1.0", "L1.1", "L1.2"] and ablation.control_sets > 0
    effect = next(e for e in ablation.effects if e.strokes == ["B.spine", "B.upper_bowl"])
    assert effect.before.rate > 0.9 and effect.after.rate < 0.1
    assert effect.activation_median > 0.9 and effect.activation_as_far == 0.0
    assert effect.vote_median > 0.9 and effect.vote_as_far == 0.0


def test_gated_dissection_counts_only_glyphs_where_the_unit_is_on(hand_wired, probes, planted_masks):
    model, report = hand_wired
    ink = InkPixels(probes)
    assert report.units[0].dissection > 0.5  # the planted detector sits on its stroke
    switched_off = LetterMLP(ModelDims(784, (2,), 3))
    with torch.no_grad():
        switched_off.hidden[0].weight.copy_(torch.stack([planted_masks["C.top_curve"]] * 2))
        switched_off.hidden[0].bias.copy_(torch.tensor([0.0, -1e3]))  # the same weights, never on
    iou = unit_iou(switched_off, probes, 0, CONFIG.quantile, ink)
    k = ROLES.index("C.top_curve")
    assert iou[0, k] > 0.1 and iou[1].abs().sum() == 0  # a silent unit looks at nothing, whatever its weights
    random_units, _ = analyze_model(LetterMLP(ModelDims(784, (48,), 3)), CONFIG, probes=probes, example=False)
    scores = sorted(u.dissection for u in random_units.units if u.dissection is not None)
    assert len(scores) > 10 and scores[len(scores) // 2] < 0.3  # chance-corrected: random units sit near 0


def test_two_layers_any_width(probes):
    model = LetterMLP(ModelDims(784, (7, 5), 3))
    report, _ = analyze_model(model, CONFIG, probes=probes)
    assert [u.layer for u in report.units] == [1] * 7 + [2] * 5
    product = (model.output.weight @ model.hidden[1].weight).detach()  # (3 classes, 7 units)
    for u in report.units[:7]:
        assert [u.votes[c] for c in CLASSES] == pytest.approx(product[:, u.index].tolist(), abs=1e-4)
    x = probes.x("full")[:4]
    masks = [torch.ones(3, 7), torch.ones(3, 5)]
    masks[0][1, 3] = masks[0][2, 0] = masks[0][2, 6] = masks[1][2, 4] = 0.0
    logits = masked_logits(model, x, masks)
    h1 = torch.relu(model.hidden[0](x))
    for k in range(3):  # by hand: zero the units, run the layers
        h2 = torch.relu(model.hidden[1](h1 * masks[0][k])) * masks[1][k]
        assert torch.allclose(logits[k], model.output(h2), atol=1e-5)


def test_json_has_both_sides_of_every_unit(runner, tiny_model):
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {f.name for f in fields(AnalysisReport)} | {"files"}
    unit = data["units"][0]
    assert set(unit) == {f.name for f in fields(UnitReport)} and len(data["units"]) == 16
    assert set(unit["letter_response"]) == set(CLASSES) and unit["vote"] in CLASSES and unit["category"] in CATEGORIES


def test_the_answer_comes_first_in_60_lines_of_80_columns(runner, tiny_model, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) <= 60 and max(len(line) for line in lines) <= 80 and "\u2026" not in result.stdout
    verdict = next(i for i, line in enumerate(lines) if "without" in line and "called C in" in line)
    assert verdict < 15 and "chance (33%)" in "\n".join(lines[verdict:verdict + 3])
    every = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--units", "all"])
    assert sum(line.startswith("L1.") for line in every.stdout.splitlines()) == 16  # one line per unit
    bad = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--units", "some"])
    assert bad.exit_code == 1 and "--units" in bad.stderr


def test_the_report_opens_with_the_answer_and_teaches_the_texts_terms(runner, tiny_model, tmp_path):
    from PIL import Image

    out = tmp_path / "analysis"
    out.mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out / "morph.png")  # as `letters morph --out` leaves it
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    for name in ("weights.png", "roles.png", "example.png", "report.html"):
        assert (out / name).exists()
    answer = page.index('id="answer"')
    assert answer < page.index("<blockquote>") and page.index("called C in", answer) < page.index("</div>", answer)
    for term in ("weight", "bias", "loss", "forward propagation", "backward propagation", "regularisation"):
        assert f"<dt>{term}" in page
    assert "one per unit" in page and "<details>" in page and "<script" not in page
    assert "The confusion microscope" in page and "dose response" not in page
