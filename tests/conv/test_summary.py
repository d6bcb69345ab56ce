"""summary and from_spec (the course's notation) and the ``tamrin summary`` command:
claim 27's network gives 32×120×120 → … → 3 and 184,003 parameters; bad specs name the
offending token and the shape at that point."""

import numpy as np
import pytest

import tamrin
from tamrin import nn
from tamrin.cli import main
from tamrin.models import LeNet5, ResNet

COURSE = "CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, FC-3"


def test_course_network_shapes_and_parameter_counts():
    s = nn.summary(nn.from_spec(COURSE, input_shape=(1, 128, 128)), (1, 128, 128))
    convs = [r for r in s.layers if r.type in ("Conv2d", "Linear")]
    assert [r.output_shape for r in convs] == [(32, 120, 120), (64, 56, 56), (64, 24, 24), (3,)]
    assert [(r.weights, r.biases) for r in convs] == [
        (9 * 9 * 1 * 32, 32), (5 * 5 * 32 * 64, 64), (5 * 5 * 64 * 64, 64), (64 * 12 * 12 * 3, 3)]
    pools = [r.output_shape for r in s.layers if r.type == "MaxPool2d"]
    assert pools == [(32, 60, 60), (64, 28, 28), (64, 12, 12)]
    assert s.total_params == s.trainable_params == 184_003
    assert s.total_weights + s.total_biases == 184_003 and s.output_shape == (3,)
    table = str(s)
    assert "32×120×120" in table and "184,003" in table and "51,200" in table


def test_summary_runs_in_eval_mode_without_touching_batch_norm_statistics():
    model = ResNet((1, 1), (4, 8), num_classes=3)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    s = nn.summary(model, (3, 8, 8))
    assert model.training
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)
    assert s.total_params == sum(p.numel() for p in model.parameters())
    bn = next(r for r in s.layers if r.type == "BatchNorm2d")
    assert (bn.weights, bn.biases) == (4, 4)


def test_frozen_parameters_are_not_trainable():
    model = LeNet5()
    model[0].requires_grad_(False)
    s = nn.summary(model, (1, 28, 28))
    assert s.non_trainable_params == 156 and s.layers[0].params == 0
    assert s.total_params == 61_706


@pytest.mark.parametrize("spec, layers, out_shape", [
    ("conv-3-8-same-bn-tanh, maxpool-3-s2-p1, avgpool-2, gap, fc-10-relu, dropout-0.5, fc-2",
     ["Conv2d", "BatchNorm2d", "Tanh", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
      "Flatten", "Linear", "ReLU", "Dropout", "Linear"], (2,)),
    ("CONV-3-4-s2-p1-none, FC-5, FC-2", ["Conv2d", "Flatten", "Linear", "ReLU", "Linear"],
     (2,)),
])
def test_grammar_options(spec, layers, out_shape):
    model = nn.from_spec(spec, (3, 9, 9))
    assert [type(m).__name__ for m in model] == layers
    assert model(tamrin.zeros(2, 3, 9, 9)).shape == (2, *out_shape)
    assert nn.summary(model, (3, 9, 9)).output_shape == out_shape


@pytest.mark.parametrize("spec, token, shape", [
    ("CONV-3-8, POLL-2", "'POLL-2'", "8×30×30"),
    ("CONV-3-8, POOL-2, CONV-20-4", "'CONV-20-4'", "8×15×15"),
    ("POOL-2, " * 5 + "POOL-2", "layer 6 'POOL-2'", "1×1×1"),
    ("FC-10, CONV-3-4", "'CONV-3-4'", "10"),
    ("CONV-3-0", "'CONV-3-0'", "1×32×32"),
    ("CONV-3-8-s2-same", "'CONV-3-8-s2-same'", "1×32×32"),
    ("CONV-3-8-shiny", "'shiny'", "1×32×32"),
    ("CONV-3-8,, FC-2", "empty layer", ""),
])
def test_bad_specs_name_the_token_and_the_shape(spec, token, shape):
    with pytest.raises(nn.SpecError, match=token) as info:
        nn.from_spec(spec, (1, 32, 32))
    assert f"shape at that point: {shape})" in str(info.value) or not shape


def test_cli_prints_the_table_and_reports_bad_specs(capsys):
    assert main(["summary", COURSE, "--input", "1x128x128"]) == 0
    out = capsys.readouterr().out
    assert "Total params: 184,003" in out and "64×12×12" in out
    assert main(["summary", "CONV-9-32, POOL-200", "--input", "1x128x128"]) == 2
    err = capsys.readouterr().err
    assert "'POOL-200'" in err and "32×120×120" in err
    assert main(["summary", "FC-3", "--input", "1by128"]) == 2
