"""The stroke analysis, checked on a hand-wired network and on the shipped model."""

import json

import pytest
import torch

from letters.analysis import analyze, build_probes
from letters.cli import app
from letters.config import AnalysisConfig, GeneratorConfig
from letters.model import LetterMLP, ModelDims
from letters.strokes import LOOKALIKES, ROLES

CONFIG = AnalysisConfig(probes=60)


@pytest.fixture(scope="module")
def probes():
    return build_probes(CONFIG, GeneratorConfig())


def _mean_mask(probes, role):
    k = ROLES.index(role) + 1
    letter = ROLES.index(role) // 3
    owners = probes.owners[probes.full_labels == letter]
    return (owners == k).float().mean(0).flatten()  # (784,)


@pytest.fixture(scope="module")
def hand_wired(probes):
    model = LetterMLP(ModelDims(784, (4,), 3))
    with torch.no_grad():
        model.hidden[0].weight.zero_()
        model.hidden[0].bias.zero_()
        model.hidden[0].weight[0] = _mean_mask(probes, "C.top_curve")
        model.hidden[0].weight[1] = _mean_mask(probes, "A.crossbar")
        model.hidden[0].weight[2] = -0.5  # every weight and the bias negative: can never fire
        model.hidden[0].bias[2] = -1.0
        model.hidden[0].bias[3] = 0.7  # no weights, only a bias: fires on the blank image too
        model.output.weight.copy_(torch.tensor([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]))
        model.output.bias.zero_()
    return model, analyze(model, CONFIG, GeneratorConfig(), probes)


def test_hand_wired_detectors_get_their_stroke_labels(hand_wired):
    _, report = hand_wired
    top, bar = report["units"][0], report["units"][1]
    for unit, role in ((top, "C.top_curve"), (bar, "A.crossbar")):
        assert unit["label"] == role and unit["iou_role"] == role
        lookalike = {a for pair in LOOKALIKES if role in pair for a in pair}  # the text's point: B's top is C's
        others = [v for r, v in unit["iou_by_role"].items() if r != role and r not in lookalike]
        assert unit["iou"] > 0.15 and unit["iou"] > 1.2 * max(others)  # far above Network Dissection's 0.04
    assert top["selectivity"] > 0.3 and bar["selectivity"] > 0.3


def test_dead_unit_is_labelled_dead(hand_wired):
    _, report = hand_wired
    assert report["units"][2]["label"] == "dead"


def test_first_layer_baseline_is_relu_of_bias(hand_wired):
    model, report = hand_wired
    for unit in report["units"]:
        assert unit["baseline"] == pytest.approx(max(float(model.hidden[0].bias.detach()[unit["index"]]), 0.0), abs=1e-5)
    assert report["units"][3]["baseline"] == pytest.approx(0.7)


def test_votes_are_outgoing_weights(hand_wired):
    _, report = hand_wired
    assert report["units"][0]["votes"] == {"A": 0.0, "B": 0.0, "C": 1.0}
    assert report["units"][1]["votes"] == {"A": 1.0, "B": 0.0, "C": 0.0}


def test_two_layer_votes_go_through_the_product_of_weights(probes):
    model = LetterMLP(ModelDims(784, (3, 2), 3))
    report = analyze(model, CONFIG, GeneratorConfig(), probes)
    first = [u for u in report["units"] if u["layer"] == 1]
    product = (model.output.weight @ model.hidden[1].weight).detach()  # (3 classes, 3 units)
    for u in first:
        assert [u["votes"][c] for c in "ABC"] == pytest.approx(product[:, u["index"]].tolist(), abs=1e-4)
    assert len(report["units"]) == 5


def test_json_schema_is_complete_on_the_shipped_model(runner):
    result = runner.invoke(app, ["analyze", "--probes", "40", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for unit in report["units"]:
        assert {"layer", "index", "bias", "baseline", "label", "selectivity", "iou", "stroke_activation",
                "votes"} <= set(unit)
        assert set(unit["stroke_activation"]) == set(ROLES)
        assert set(unit["votes"]) == {"A", "B", "C"}
    mis = report["misclassification"]
    assert {"lone_strokes", "shared_units", "deletion", "ablation", "summary"} <= set(mis)
    assert set(mis["lone_strokes"]) >= {"B.upper_bowl", "A.left_diagonal", "C.top_curve", "C.left_line", "C.bottom_curve"}
    b_alone = [d for d in mis["deletion"] if d["letter"] == "B" and d["kept"] == ["B.upper_bowl"]]
    assert b_alone and 0.0 <= b_alone[0]["called_C"] <= 1.0
    assert all(isinstance(s, str) and s for s in mis["summary"])


def test_table_report_and_pictures(runner, tmp_path):
    out = tmp_path / "analysis"
    result = runner.invoke(app, ["analyze", "--probes", "30", "--units", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "The text's example, measured" in result.stdout
    for name in ("weights.png", "roles.png", "misclassification.png", "report.html"):
        assert (out / name).exists()
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and "<script" not in page


def test_compare_weight_decay_reports_both_models():
    from letters.analysis import compare_weight_decay

    rows = compare_weight_decay(count=150, decays=(0.0, 3e-3), epochs=30, config=AnalysisConfig(probes=20))
    assert [r["weight_decay"] for r in rows] == [0.0, 3e-3]
    assert rows[1]["weight_norms"][0] < rows[0]["weight_norms"][0]
    for r in rows:
        assert 0 <= r["val_accuracy"] <= 1 and r["gap"] == pytest.approx(r["train_accuracy"] - r["val_accuracy"], abs=1e-3)
