"""The MLP, its explicit weight decay, training and checkpoints."""


import json
import math
from dataclasses import replace

import pytest
import torch

from letters.config import TrainConfig
from letters.drawing.dataset import load_dataset
from letters.errors import LettersError
from letters.network.checkpoint import load_model, make_checkpoint, read_checkpoint, save_checkpoint
from letters.network.model import LetterMLP, ModelDims
from letters.network.train import l2_penalty, train_model


def test_penalty_is_the_sum_of_squared_weights_and_excludes_biases():
    model = LetterMLP(ModelDims(4, (3,), 2))
    with torch.no_grad():
        model.hidden[0].weight.copy_(torch.tensor([[1., 2, 0, 0], [0, 0, 1, 0], [0, 0, 0, -1]]))
        model.hidden[0].bias.fill_(100.0)
        model.output.weight.copy_(torch.tensor([[1., 1, 0], [0, 0, 2]]))
        model.output.bias.fill_(-50.0)
    # by hand: (1 + 4 + 1 + 1) + (1 + 1 + 4) = 13; the biases of 100 and -50 add nothing
    assert float(l2_penalty(model).detach()) == 13.0


def test_hidden_activations_have_one_entry_per_layer():
    model = LetterMLP(ModelDims(784, (8, 5), 3))
    x = torch.rand(4, 28, 28)
    acts = model.hidden_activations(x)
    assert [a.shape for a in acts] == [(4, 8), (4, 5)]
    # by hand: two ReLU layers, then the output layer on the last one
    h1 = torch.relu(x.flatten(1) @ model.hidden[0].weight.T + model.hidden[0].bias)
    h2 = torch.relu(h1 @ model.hidden[1].weight.T + model.hidden[1].bias)
    assert torch.allclose(acts[0], h1) and torch.allclose(acts[1], h2)
    assert torch.allclose(model(x), h2 @ model.output.weight.T + model.output.bias)


def test_weight_decay_shrinks_the_weights(tiny_dataset):
    data = load_dataset(tiny_dataset)
    _, off = train_model(data, TrainConfig(hidden=(16,), epochs=4, weight_decay=0.0, device="cpu"))
    _, on = train_model(data, TrainConfig(hidden=(16,), epochs=4, weight_decay=5e-3, device="cpu"))
    assert on.history[-1].weight_norms[0] < off.history[-1].weight_norms[0]
    assert on.history[-1].penalty > 0 and off.history[-1].penalty == 0


def test_history_records_every_figure(tiny_dataset):
    data = load_dataset(tiny_dataset)
    model, result = train_model(data, TrainConfig(hidden=(8, 4), epochs=2, weight_decay=1e-3, device="cpu"))
    assert [r.epoch for r in result.history] == [1, 2]
    best = result.history[result.best_epoch - 1]  # the returned model is the best epoch's
    assert best.weight_norms == pytest.approx([float(layer.weight.detach().norm()) for layer in model.layers()], rel=1e-5)
    for record in result.history:
        assert len(record.weight_norms) == 3
        assert record.total_loss == pytest.approx(record.data_loss + record.penalty, rel=1e-5)
        assert record.penalty > 0


def test_same_seed_same_weights_on_cpu(tiny_dataset):
    data = load_dataset(tiny_dataset)
    a = train_model(data, TrainConfig(hidden=(8,), epochs=2, seed=4, device="cpu"))[0].state_dict()
    b = train_model(data, TrainConfig(hidden=(8,), epochs=2, seed=4, device="cpu"))[0].state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_checkpoint_round_trip_gives_identical_logits(tiny_model, tmp_path):
    model, checkpoint = load_model(tiny_model)
    assert list(checkpoint) == ["format", "version", "dims", "model_state_dict", "classes", "preprocessing",
                                "train_config", "metrics", "novelty"]
    assert {"val_accuracy", "train_accuracy", "history"} <= set(checkpoint["metrics"])
    copy = tmp_path / "copy.pt"
    save_checkpoint(make_checkpoint(model, checkpoint["classes"], checkpoint["preprocessing"],
                                    checkpoint["train_config"], checkpoint["metrics"]), copy)
    again, _ = load_model(copy)
    x = torch.rand(5, 784)
    assert torch.equal(model(x), again(x))


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_pickled_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "letters-mlp", "payload": _Evil()}, path)
    with pytest.raises(LettersError, match="pickled code"):
        read_checkpoint(path)


@pytest.mark.parametrize("content, message", [
    ({"format": "other"}, "not a letters checkpoint"),
    ({"format": "letters-mlp", "version": 99}, "version"),
])
def test_other_files_are_refused(tmp_path, content, message):
    path = tmp_path / "x.pt"
    torch.save(content, path)
    with pytest.raises(LettersError, match=message):
        load_model(path)


def test_missing_checkpoint_is_refused(tmp_path):
    with pytest.raises(LettersError, match="does not exist"):
        load_model(tmp_path / "none.pt")


def test_training_on_an_imagefolder_of_pngs(small_dataset, tmp_path, runner):
    from letters.app.cli import app

    out = tmp_path / "m.pt"
    result = runner.invoke(app, ["train", "--data", str(small_dataset / "png"), "--out", str(out), "--hidden", "8",
                                 "--epochs", "1", "--device", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    _, checkpoint = load_model(out)
    assert checkpoint["metrics"]["data"]["format"] == "imagefolder"
    assert (tmp_path / "m.curves.png").exists()


def test_cuda_on_a_cpu_machine_is_one_line(tiny_dataset, tmp_path, runner):
    from letters.app.cli import app

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = runner.invoke(app, ["train", "--data", str(tiny_dataset), "--out", str(tmp_path / "m.pt"), "--device", "cuda"])
    assert result.exit_code != 0
    assert "no CUDA GPU" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m.pt").exists()


def test_nan_loss_stops_and_leaves_the_old_checkpoint(tiny_dataset, tiny_model, tmp_path, runner):
    from letters.app.cli import app

    target = tmp_path / "keep.pt"
    target.write_bytes(tiny_model.read_bytes())
    before = target.read_bytes()
    result = runner.invoke(app, ["train", "--data", str(tiny_dataset), "--out", str(target), "--lr", "1e30",
                                 "--epochs", "2", "--device", "cpu"])
    assert result.exit_code != 0
    assert "learning rate" in result.output
    assert target.read_bytes() == before


def test_ctrl_c_keeps_the_best_model_so_far(tiny_dataset):
    data = load_dataset(tiny_dataset)

    def interrupt(record):
        if record.epoch == 2:
            raise KeyboardInterrupt

    _, result = train_model(data, TrainConfig(hidden=(8,), epochs=10, device="cpu"), on_epoch=interrupt)
    assert result.interrupted and len(result.history) == 2 and result.best_epoch in (1, 2)
    assert result.metrics()["interrupted"] is True


def test_the_best_epoch_is_restored_not_the_last(tiny_dataset):
    from letters.network.train import accuracy, as_input

    data = load_dataset(tiny_dataset)
    config = TrainConfig(hidden=(16,), epochs=4, batch_size=32, lr=1e-2, device="cpu")
    steps_per_epoch = -(-int((~data.is_val).sum()) // config.batch_size)

    def sabotage(done, total, model):  # from epoch 3 on, wipe the weights: those epochs score chance
        if done > 2 * steps_per_epoch:
            with torch.no_grad():
                for p in model.parameters():
                    p.zero_()

    model, result = train_model(data, config, on_step=sabotage)
    val = [r.val_accuracy for r in result.history]
    assert max(val[2:]) < min(val[:2])  # the wiped epochs are worse
    assert result.best_epoch == max(range(1, 5), key=lambda e: (val[e - 1], e))  # the last of the best
    assert result.val_accuracy == val[result.best_epoch - 1]
    x, y = as_input(data.images[data.is_val]), data.labels[data.is_val]
    assert accuracy(model, x, y) == val[result.best_epoch - 1]  # the returned weights are that epoch's
    assert float(model.hidden[0].weight.detach().abs().sum()) > 0


@pytest.mark.parametrize("schedule", ["cosine", "constant"])
def test_learning_rate_schedule(tiny_dataset, schedule):
    import math

    data = load_dataset(tiny_dataset)
    config = TrainConfig(hidden=(4,), epochs=3, batch_size=128, lr=2e-3, schedule=schedule, device="cpu")
    _, result = train_model(data, config)
    steps_per_epoch = -(-int((~data.is_val).sum()) // config.batch_size)
    total = config.epochs * steps_per_epoch
    for r in result.history:
        t = r.epoch * steps_per_epoch
        # cosine: lr * (1 + cos(pi * t / T)) / 2 after t of T steps, 0 at the end; constant: lr throughout
        expected = config.lr * (1 + math.cos(math.pi * t / total)) / 2 if schedule == "cosine" else config.lr
        assert r.lr == pytest.approx(expected, abs=1e-9)
    if schedule == "cosine":
        assert result.history[0].lr < config.lr and result.history[-1].lr == pytest.approx(0.0, abs=1e-12)


def test_device_auto_takes_the_accelerator_when_there_is_one(monkeypatch):
    from letters.network.devices import resolve_device

    monkeypatch.setattr(torch.accelerator, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("  AUTO ") == torch.device("cpu")
    monkeypatch.setattr(torch.accelerator, "is_available", lambda: True)
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda: torch.device("mps"))
    assert resolve_device("auto") == torch.device("mps")
    assert resolve_device("cpu") == torch.device("cpu")  # an explicit device is not overridden


def test_train_with_device_auto_on_a_cpu_machine(small_dataset, tmp_path, runner):
    from letters.app.cli import app

    if torch.accelerator.is_available():
        pytest.skip("this machine has an accelerator")
    out = tmp_path / "auto.pt"
    result = runner.invoke(app, ["train", "--data", str(small_dataset), "--out", str(out), "--hidden", "4",
                                 "--epochs", "1", "--device", "auto", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["checkpoint"] == str(out) and load_model(out)[1]["train_config"]["device"] == "auto"


def test_dropout_zeroes_units_and_scales_the_rest_and_is_off_by_default():
    model = LetterMLP(ModelDims(784, (400, 300), 3))
    x = torch.rand(8, 784)
    plain = model.hidden_activations(x)
    dropped = model.hidden_activations(x, 0.25, torch.Generator().manual_seed(0))
    assert torch.equal(model(x), model(x, 0.0))  # no dropout unless asked: evaluation is untouched
    # by hand for the first layer: every unit either zeroed or kept and scaled by 1 / (1 - 0.25)
    first, kept = dropped[0], dropped[0] != 0
    assert torch.allclose(first[kept], plain[0][kept] / 0.75)
    zeroed = ((plain[0] > 0) & ~kept).float().sum() / (plain[0] > 0).float().sum()
    assert 0.2 < float(zeroed) < 0.3
    again = model.hidden_activations(x, 0.25, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(dropped, again))  # drawn from the seeded generator


def test_dropout_training_is_seeded_and_differs_from_none(tiny_dataset):
    data = load_dataset(tiny_dataset)
    config = TrainConfig(hidden=(8,), epochs=2, seed=4, device="cpu", dropout=0.3)
    a = train_model(data, config)[0].state_dict()
    b = train_model(data, config)[0].state_dict()
    c = train_model(data, replace(config, dropout=0.0))[0].state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_label_smoothing_keeps_the_loss_above_its_targets_entropy(tiny_dataset):
    # a smoothed target (1 - e + e/3 on the letter, e/3 on each other) has an entropy no network can
    # go below; without smoothing the same run goes far below it, so the option must reach the loss
    e = 0.3
    floor = -(1 - e + e / 3) * math.log(1 - e + e / 3) - 2 * (e / 3) * math.log(e / 3)
    data = load_dataset(tiny_dataset)
    config = TrainConfig(hidden=(32,), epochs=6, lr=1e-2, weight_decay=0.0, augment=0.0, warmup=0.0, device="cpu")
    _, plain = train_model(data, config)
    _, smooth = train_model(data, replace(config, label_smoothing=e))
    assert plain.history[-1].data_loss < floor / 2
    assert all(record.data_loss >= floor - 1e-4 for record in smooth.history)


@pytest.mark.parametrize("field, value", [("label_smoothing", 1.0), ("label_smoothing", -0.1), ("dropout", 1.0),
                                          ("dropout", -0.5), ("warmup", 1.0), ("bias_init", float("nan")),
                                          ("optimizer", "rmsprop"), ("adam_eps", 0.0), ("adam_eps", float("nan"))])
def test_settings_out_of_range_name_their_field(field, value):
    from letters.errors import OptionError

    with pytest.raises(OptionError, match=field):
        replace(TrainConfig(), **{field: value}).validate()


def test_warmup_raises_the_learning_rate_from_zero_then_follows_the_cosine(tiny_dataset):
    data = load_dataset(tiny_dataset)
    config = TrainConfig(hidden=(4,), epochs=4, batch_size=32, lr=2e-3, warmup=0.5, device="cpu")
    _, result = train_model(data, config)
    rates = [r.lr for r in result.history]
    steps = -(-int((~data.is_val).sum()) // config.batch_size)
    warm = round(config.warmup * 4 * steps)
    assert rates[0] == pytest.approx(config.lr * (steps + 1) / warm)  # still rising at the end of the first epoch
    assert rates[-1] == pytest.approx(0.0, abs=1e-12)


def test_bias_init_sets_every_hidden_units_starting_bias():
    model = LetterMLP(ModelDims(784, (6, 5), 3), hidden_bias=0.1)
    assert all(torch.all(layer.bias == 0.1) for layer in model.hidden)
    assert not torch.all(model.output.bias == 0.1)  # the outputs keep their Glorot start


def test_the_recipe_is_the_default_of_train_and_its_checkpoint_records_it(runner, tmp_path):
    from letters.app.cli import app
    from letters.config import SHIPPED

    assert TrainConfig() == SHIPPED.train  # one home: the shipped recipe is letters train's default
    out = tmp_path / "m.pt"
    result = runner.invoke(app, ["train", "--out", str(out), "--count", "600", "--epochs", "1", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    checkpoint = torch.load(out, weights_only=True)
    assert checkpoint["train_config"] == replace(SHIPPED.train, epochs=1, device="cpu").as_dict()
    assert checkpoint["metrics"]["data"]["format"] == "generated" and checkpoint["metrics"]["data"]["count"] == 600
    assert checkpoint["metrics"]["data"]["seed"] == SHIPPED.seed
    assert "generate" in result.stdout and "train" in result.stdout  # the stages and their times
