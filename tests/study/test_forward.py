"""The forward pass from inside: a unit's push on an answer."""

import pytest


def test_pushes_and_the_blank_page_add_up_to_the_logits(tiny_model):
    """A unit's push is its rise over the blank page times its weight: with the blank page's logit, the
    pushes along an answer's row sum to that answer's logit, so a unit its bias alone keeps on adds nothing."""
    import torch

    from letters.network.checkpoint import load_model
    from letters.study.forward import pushes

    model, _ = load_model(tiny_model)
    x = torch.rand(1, 784)
    with torch.no_grad():
        last = model.hidden_activations(x)[-1][0]
        logits, blank = model(x)[0], model(torch.zeros(1, 784))[0]
        for k in range(len(logits)):
            assert float(pushes(model, last, model.output.weight[k]).sum() + blank[k]) == pytest.approx(float(logits[k]), abs=1e-4)
        assert float(pushes(model, model.hidden_activations(torch.zeros(1, 784))[-1][0], model.output.weight[0]).abs().max()) == 0.0
