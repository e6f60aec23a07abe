"""The bridge to PyTorch: outputs, gradients and parameters against torch.nn, both directions.

The parity tests need PyTorch (the optional ``torch`` extra) and skip without it; the tests of
what happens without PyTorch block its import in a subprocess, so they run everywhere.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from chainrule.nn import MLP, SGD, batched, from_torch, losses, to_torch

ACTIVATIONS = ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "linear"]
OUTPUTS = [None, "tanh", "sigmoid", "softmax"]


def needs_torch():
    return pytest.importorskip(
        "torch", reason="PyTorch (the optional torch extra) is not installed"
    )


def run_without_torch(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter where ``import torch`` fails, as if not installed."""
    blocked = "import sys; sys.modules['torch'] = None\n" + code
    return subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True)


def test_nn_imports_without_torch_and_does_not_import_it():
    result = run_without_torch(
        "import chainrule, chainrule.nn\n"
        "print(chainrule.nn.to_torch.__name__, 'torch' in sys.modules and sys.modules['torch'])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["to_torch", "None"]


@pytest.mark.parametrize("call", ["to_torch(MLP(2, [3, 1], seed=0))", "from_torch(None)"])
def test_without_torch_an_import_error_names_the_extra(call):
    result = run_without_torch(
        "from chainrule.nn import MLP, to_torch, from_torch\n"
        "try:\n"
        f"    {call}\n"
        "except ImportError as error:\n"
        "    print('ImportError:', error)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ImportError:"), result.stdout
    assert "chainrule[torch]" in result.stdout and "torch==2.13.0" in result.stdout


def test_to_torch_refuses_what_is_not_an_mlp():
    needs_torch()
    with pytest.raises(TypeError, match="chainrule.nn.MLP or batched.MLP, got list"):
        to_torch([1, 2])


def scalar_forward_backward(mlp, X, targets):
    """Summed per-sample losses through the scalar MLP; returns outputs and gradients."""
    mlp.zero_grad()
    outputs, total = [], 0.0
    for row, target in zip(X.tolist(), targets):
        out = mlp(row)
        out = out if isinstance(out, list) else [out]
        outputs.append([v.data for v in out])
        total = total + sum((v - t) ** 2 for v, t in zip(out, target))
    total.backward()
    return np.array(outputs), grads_of(mlp)


def grads_of(mlp):
    """Each layer's gradients in torch's layout: weight (nout, nin) and bias (nout,)."""
    return [
        (
            np.array([[w.grad for w in n.w] for n in layer.neurons]),
            np.array([n.b.grad for n in layer.neurons]),
        )
        for layer in mlp.layers
    ]


def torch_forward_backward(torch, sequential, X, targets):
    inputs = torch.tensor(X, dtype=torch.float64)
    out = sequential(inputs)
    ((out - torch.tensor(targets, dtype=torch.float64)) ** 2).sum().backward()
    linears = [m for m in sequential if isinstance(m, torch.nn.Linear)]
    grads = [(m.weight.grad.numpy(), m.bias.grad.numpy()) for m in linears]
    return out.detach().numpy(), grads


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_scalar_mlp_in_torch_gives_the_same_outputs_and_gradients(activation, output):
    torch = needs_torch()
    nouts = [4, 3, 1 if output in (None, "tanh") else 3]
    mlp = MLP(3, nouts, activation, output, seed=1)
    sequential = to_torch(mlp)
    assert all(p.dtype == torch.float64 for p in sequential.parameters())
    X = np.random.default_rng(0).normal(size=(5, 3))
    targets = np.random.default_rng(1).normal(size=(5, nouts[-1]))
    ours, our_grads = scalar_forward_backward(mlp, X, targets)
    theirs, their_grads = torch_forward_backward(torch, sequential, X, targets)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    for (w, b), (tw, tb) in zip(our_grads, their_grads):
        np.testing.assert_allclose(w, tw, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(b, tb, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_batched_mlp_in_torch_gives_the_same_outputs_and_gradients(activation, dtype):
    torch = needs_torch()
    model = batched.MLP(3, [5, 4, 2], activation, "softmax", seed=2, dtype=dtype)
    sequential = to_torch(model)
    X = np.random.default_rng(3).normal(size=(7, 3)).astype(dtype)
    y = np.arange(7) % 2
    loss = losses.mse(model(X), np.eye(2)[y])
    loss.backward()
    out = sequential(torch.tensor(X, dtype=torch.float64))
    ((out - torch.tensor(np.eye(2)[y])) ** 2).mean().backward()
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(model(X).data, out.detach().numpy(), rtol=tolerance, atol=1e-6)
    linears = [m for m in sequential if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears):
        np.testing.assert_array_equal(layer.w.data.T.astype(np.float64), linear.weight.detach())
        np.testing.assert_allclose(layer.w.grad.T, linear.weight.grad, rtol=tolerance, atol=1e-7)
        np.testing.assert_allclose(layer.b.grad, linear.bias.grad, rtol=tolerance, atol=1e-7)


def test_one_output_keeps_torch_shape_batch_by_one():
    torch = needs_torch()
    model = batched.MLP(2, [3, 1], seed=0)
    X = np.ones((4, 2))
    assert model(X).shape == (4,)
    assert tuple(to_torch(model)(torch.tensor(X)).shape) == (4, 1)


@pytest.mark.parametrize("is_batched", [False, True])
def test_round_trip_keeps_every_parameter_exactly(is_batched):
    needs_torch()
    mlp = MLP(3, [4, 4, 2], "tanh", "sigmoid", seed=5)
    model = batched.MLP.from_scalar(mlp) if is_batched else mlp
    back = from_torch(to_torch(model), batched=is_batched)
    assert isinstance(back, batched.MLP if is_batched else MLP)
    assert repr(back) == repr(model)
    assert back.activation == "tanh" and back.output_activation == "sigmoid"
    before, after = model.state_dict(), back.state_dict()
    assert list(before) == list(after)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])


def test_from_torch_reads_weights_exactly_and_computes_the_same():
    torch = needs_torch()
    torch.manual_seed(0)
    sequential = torch.nn.Sequential(
        torch.nn.Linear(2, 6),
        torch.nn.GELU(),
        torch.nn.Linear(6, 6),
        torch.nn.GELU(),
        torch.nn.Linear(6, 3),
        torch.nn.Softmax(dim=-1),
    )  # float32, as torch makes them
    mlp = from_torch(sequential)
    model = from_torch(sequential, batched=True)
    assert model.layers[0].w.data.dtype == np.float32
    for layer, linear in zip(mlp.layers, sequential[::2]):
        weights = linear.weight.detach().numpy().astype(np.float64)
        assert [[w.data for w in n.w] for n in layer.neurons] == weights.tolist()
    X = np.random.default_rng(0).normal(size=(4, 2))
    expected = sequential.double()(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose([[v.data for v in mlp(row)] for row in X.tolist()], expected)
    np.testing.assert_allclose(model(X.astype(np.float32)).data, expected, rtol=1e-6)


def test_training_continues_in_torch_where_chainrule_left_off():
    torch = needs_torch()
    model = batched.MLP(2, [8, 1], "tanh", seed=0)
    X = np.random.default_rng(0).normal(size=(16, 2))
    y = np.sin(X[:, 0]) + X[:, 1]
    optimizer = SGD(model.parameters(), lr=0.1)
    sequential = to_torch(model)
    torch_optimizer = torch.optim.SGD(sequential.parameters(), lr=0.1)
    for _ in range(5):  # the same SGD steps on both sides stay together
        model.zero_grad()
        losses.mse(model(X), y).backward()
        optimizer.step()
        torch_optimizer.zero_grad()
        torch.nn.functional.mse_loss(sequential(torch.tensor(X))[:, 0], torch.tensor(y)).backward()
        torch_optimizer.step()
    for layer, linear in zip(model.layers, sequential[::2]):
        np.testing.assert_allclose(layer.w.data.T, linear.weight.detach(), rtol=1e-12)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda nn: [nn.Linear(2, 3), nn.Dropout(0.5), nn.Linear(3, 1)],
            r"unsupported layer 1 \(Dropout",
        ),
        (lambda nn: [nn.Conv1d(1, 1, 3)], r"unsupported layer 0 \(Conv1d"),
        (lambda nn: [nn.Linear(2, 3, bias=False)], "layer 0 .* has no bias"),
        (lambda nn: [nn.ReLU(), nn.Linear(2, 3)], "layer 0 .* before any Linear"),
        (lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Tanh()], "layer 2 .* second activation"),
        (lambda nn: [nn.Linear(2, 3), nn.Linear(4, 1)], "layer 1 .* takes 4 inputs"),
        (
            lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)],
            "one hidden activation",
        ),
        (lambda nn: [nn.Linear(2, 3), nn.LeakyReLU(0.2)], "slope 0.01"),
        (lambda nn: [nn.Linear(2, 3), nn.GELU("tanh")], "exact erf"),
        (lambda nn: [nn.Linear(2, 3), nn.Softmax(dim=-1), nn.Linear(3, 1)], "last layer only"),
        (lambda nn: [], "no Linear layer"),
    ],
)
def test_from_torch_names_what_it_cannot_convert(build, message):
    torch = needs_torch()
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*build(torch.nn)))


def test_from_torch_takes_a_sequential_only():
    torch = needs_torch()
    with pytest.raises(TypeError, match="torch.nn.Sequential, got Linear"):
        from_torch(torch.nn.Linear(2, 1))


def test_an_activation_torch_has_no_module_for_is_named():
    needs_torch()

    def swish(x):
        return x * x.sigmoid()

    with pytest.raises(ValueError, match="layer 0: activation 'swish' has no PyTorch module"):
        to_torch(MLP(2, [3, 1], swish, seed=0))
