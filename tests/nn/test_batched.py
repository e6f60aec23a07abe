"""batched.MLP against its scalar twin (the two paths are each other's oracle), and training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.engine.tensor import Tensor
from chainrule.nn import MLP, SGD, Adam, batched, fit, load, losses, save
from chainrule.nn.data import make_blobs, make_moons, make_spirals

HIDDEN = ["relu", "tanh", "sigmoid", "gelu", "leaky_relu", "linear"]
OUTPUT = [None, "tanh", "sigmoid", "softmax"]


def scalar_outputs(mlp, X):
    """The scalar MLP on every row: a list of Values (one output) or of lists of Values."""
    return [mlp(row) for row in X.tolist()]


def output_data(outputs):
    return np.array([o.data if not isinstance(o, list) else [v.data for v in o] for o in outputs])


def scalar_gradients(mlp):
    """Each layer's gradients laid out as the batched layer's (w: (nin, nout), b: (nout,))."""
    grads = []
    for layer in mlp.layers:
        w = np.array([[v.grad for v in n.w] for n in layer.neurons]).T
        grads.append((w, np.array([n.b.grad for n in layer.neurons])))
    return grads


def loss_for(mlp, outputs, X):
    """A loss that uses every output: mse on one output, cross-entropy or mse on several."""
    k = mlp.nouts[-1]
    if k == 1:
        return losses.mse, np.linspace(-1.0, 1.0, len(X))
    if mlp.output_activation is None:
        return losses.cross_entropy, np.arange(len(X)) % k
    return losses.mse, np.linspace(-1.0, 1.0, len(X) * k).reshape(len(X), k)


@settings(max_examples=40, deadline=None)
@given(
    nin=st.integers(1, 4),
    nouts=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    activation=st.sampled_from(HIDDEN),
    output_activation=st.sampled_from(OUTPUT),
    batch=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_scalar_and_batched_twins_agree(nin, nouts, activation, output_activation, batch, seed):
    if output_activation == "softmax" and nouts[-1] == 1:
        nouts = [*nouts[:-1], 2]
    mlp = MLP(nin, nouts, activation, output_activation, seed=seed)
    model = batched.MLP.from_scalar(mlp)
    X = np.random.default_rng(seed).normal(size=(batch, nin))

    outputs = scalar_outputs(mlp, X)
    tensor_out = model(X)
    np.testing.assert_allclose(tensor_out.data, output_data(outputs), rtol=1e-12, atol=1e-13)

    loss, targets = loss_for(mlp, outputs, X)
    scalar_loss = loss(outputs, targets.tolist())
    tensor_loss = loss(tensor_out, targets)
    assert tensor_loss.item() == pytest.approx(scalar_loss.data, rel=1e-12, abs=1e-13)
    scalar_loss.backward()
    tensor_loss.backward()
    for layer, (w_grad, b_grad) in zip(model.layers, scalar_gradients(mlp)):
        np.testing.assert_allclose(layer.w.grad, w_grad, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.b.grad, b_grad, rtol=1e-10, atol=1e-12)


def test_the_same_seed_gives_the_same_initial_weights_as_the_scalar_mlp():
    mlp = MLP(3, [4, 4, 2], "tanh", "sigmoid", seed=7)
    model = batched.MLP(3, [4, 4, 2], "tanh", "sigmoid", seed=7)
    twin = batched.MLP.from_scalar(mlp)
    for layer, other in zip(model.layers, twin.layers):
        np.testing.assert_array_equal(layer.w.data, other.w.data)
        np.testing.assert_array_equal(layer.b.data, other.b.data)


def test_conversion_round_trip_is_exact():
    model = batched.MLP(2, [5, 3], "gelu", "softmax", seed=1)
    for layer in model.layers:
        layer.b.data[...] = np.random.default_rng(2).normal(size=layer.b.data.shape)
    back = batched.MLP.from_scalar(model.to_scalar())
    assert repr(back) == repr(model) and back.config() == model.config()
    for layer, other in zip(model.layers, back.layers):
        np.testing.assert_array_equal(layer.w.data, other.w.data)
        np.testing.assert_array_equal(layer.b.data, other.b.data)
    scalar = model.to_scalar()
    assert scalar.config() == {k: v for k, v in model.config().items() if k != "dtype"}
    assert [name for name, _ in scalar.named_parameters()][:2] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
    ]


def test_shapes_names_and_input_kinds():
    model = batched.MLP(2, [3, 1], seed=0)
    assert model.batched and model(np.zeros((4, 2))).shape == (4,)
    assert model(Tensor(np.zeros((4, 2)))).shape == (4,)
    assert model(np.zeros(2)).shape == ()
    assert batched.MLP(2, [3, 2], seed=0)(np.zeros((4, 2))).shape == (4, 2)
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.w",
        "layers.0.b",
        "layers.1.w",
        "layers.1.b",
    ]
    assert model.layers[0].w.label == "layers.0.w"
    with pytest.raises(TypeError, match="str"):
        model("ab")
    with pytest.raises(TypeError, match="chainrule.nn.MLP"):
        batched.MLP.from_scalar(model)
    with pytest.raises(ValueError, match="nouts"):
        batched.MLP(2, [])


def test_float32_models_stay_float32():
    model = batched.MLP(4, [8, 3], seed=0, dtype=np.float32)
    X = np.random.default_rng(0).normal(size=(5, 4))
    loss = losses.cross_entropy(model(X), np.array([0, 1, 2, 0, 1]))
    loss.backward()
    assert loss.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


@pytest.mark.parametrize("layout", ["F", "C"])
def test_a_weight_gradient_has_the_weight_layout_and_the_values_of_x_transposed_g(layout):
    # as PyTorch's gradient layout contract: an optimizer then adds ∂L/∂w into w in place
    # reading both in order (a column-major w with a row-major gradient is 20-30x slower)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5))
    w = Tensor(np.asarray(rng.normal(size=(5, 3)), order=layout), requires_grad=True)
    w.data = np.asarray(w.data, order=layout)
    g = rng.normal(size=(6, 3))
    (Tensor(x) @ w).backward(g)
    assert w.grad.strides == w.data.strides
    assert np.array_equal(w.grad, x.T @ g)
    layer = batched.Linear(4, 3, seed=0)
    layer(rng.normal(size=(2, 4))).sum().backward()
    assert layer.w.grad.strides == layer.w.data.strides


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_new_layers_store_their_weights_row_major_as_numpy_and_pytorch(dtype):
    # a column-major weight made every x @ w and its gradient read across the grain
    model = batched.MLP(784, [256, 10], seed=0, dtype=dtype)
    assert all(layer.w.data.flags.c_contiguous for layer in model.layers)
    scalar_model = MLP(3, [4, 2], seed=1)
    twin = batched.MLP.from_scalar(scalar_model)
    assert all(layer.w.data.flags.c_contiguous for layer in twin.layers)
    # the values are the scalar model's, neuron j's weights in column j
    assert twin.layers[0].w.data[:, 2].tolist() == [
        w.data for w in scalar_model.layers[0].neurons[2].w
    ]


def test_save_and_load_a_batched_model(tmp_path):
    model = batched.MLP(2, [4, 1], "tanh", seed=3)
    save(model, tmp_path / "model.json")
    loaded = load(tmp_path / "model.json")
    assert isinstance(loaded, batched.MLP)
    X = np.random.default_rng(0).normal(size=(3, 2))
    np.testing.assert_array_equal(loaded(X).data, model(X).data)


@pytest.mark.parametrize(
    "name, make, nouts, loss",
    [
        ("moons", lambda: make_moons(200, noise=0.1, seed=0), [16, 16, 1], "hinge"),
        ("spirals", lambda: make_spirals(300, noise=0.02, seed=0), [32, 32, 2], "cross_entropy"),
        ("blobs", lambda: make_blobs(300, centers=4, seed=0), [16, 4], "cross_entropy"),
    ],
)
def test_batched_training_reaches_high_accuracy(name, make, nouts, loss):
    X, y = make()
    model = batched.MLP(2, nouts, seed=0)
    optimizer = Adam(model.parameters(), lr=0.02) if name == "spirals" else None
    optimizer = optimizer or SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, X, y, loss=loss, optimizer=optimizer, epochs=400, seed=0)
    assert history.accuracy[-1] >= 0.97, (name, history.accuracy[-1])


def test_train_batched_then_draw_one_sample_with_the_scalar_twin():
    X, y = make_moons(100, noise=0.1, seed=1)
    model = batched.MLP(2, [8, 1], seed=1)
    fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=20)
    twin = model.to_scalar()
    score = twin(X[0].tolist())
    assert score.data == pytest.approx(model(X[:1]).item(), rel=1e-12)
    assert score.label == "layers.1.neurons.0" and score.children


def test_a_custom_activation_converts_both_ways():
    def softsign(x):
        return x / (x.abs() + 1.0)

    mlp = MLP(2, [3, 2], softsign, "tanh", seed=4)
    model = batched.MLP.from_scalar(mlp)
    X = np.random.default_rng(5).normal(size=(4, 2))
    expected = output_data(scalar_outputs(mlp, X))
    np.testing.assert_allclose(model(X).data, expected, rtol=1e-12)
    back = model.to_scalar()
    np.testing.assert_allclose(output_data(scalar_outputs(back, X)), expected, rtol=1e-12)
    assert back.activation == "softsign" and model.activation == "softsign"
