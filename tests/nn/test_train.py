"""fit(): training quality on the scalar path, history, callback, interruption."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.nn import MLP, SGD, Adam, StepLR, fit
from chainrule.nn.data import make_blobs, make_moons, make_regression, make_xor


def accuracy(model, X, y):
    """Accuracy of a fresh forward pass, sign of the single output against labels 0/1."""
    predictions = [model(row).data > 0 for row in X.tolist()]
    return float(np.mean(np.array(predictions) == (y == 1)))


def test_moons_reach_97_percent():
    X, y = make_moons(60, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    history = fit(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.05), epochs=60)
    assert accuracy(model, X, y) >= 0.97
    assert history.loss[-1] < history.loss[0] / 10
    # Unseen points from the same distribution
    X_test, y_test = make_moons(60, noise=0.1, seed=1)
    assert accuracy(model, X_test, y_test) >= 0.9


def test_xor_is_learnt_exactly():
    X, y = make_xor(40, seed=0)
    model = MLP(2, [8, 1], seed=0)
    fit(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.05), epochs=40)
    assert accuracy(model, X, y) == 1.0


def test_one_dimensional_regression_r2():
    X, y = make_regression(40, noise=0.05, seed=0)
    model = MLP(1, [16, 1], activation="tanh", seed=0)
    optimizer = Adam(model.parameters(), lr=0.05)
    history = fit(model, X, y, loss="mse", optimizer=optimizer, epochs=80)
    predictions = np.array([model(row).data for row in X.tolist()])
    r2 = 1 - np.sum((y - predictions) ** 2) / np.sum((y - y.mean()) ** 2)
    assert r2 >= 0.95
    assert history.records[-1].accuracy is None and history.r2[-1] > 0.9


def test_multiclass_with_cross_entropy_and_minibatches():
    X, y = make_blobs(30, centers=3, noise=0.5, seed=0)
    X = X / 10
    model = MLP(2, [8, 3], seed=0)
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=15,
        batch_size=10,
        seed=0,
    )
    predicted = [int(np.argmax([v.data for v in model(row)])) for row in X.tolist()]
    assert np.mean(np.array(predicted) == y) == 1.0
    assert history.accuracy[-1] == 1.0


def test_history_callback_and_schedule():
    X, y = make_xor(8, seed=0)
    model = MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    seen = []
    history = fit(
        model,
        X,
        y,
        loss="bce_with_logits",
        optimizer=optimizer,
        epochs=5,
        schedule=StepLR(optimizer, step_size=2, gamma=0.5),
        callback=seen.append,
    )
    assert seen == history.records and [r.epoch for r in seen] == [1, 2, 3, 4, 5]
    assert [r.lr for r in seen] == [0.1, 0.1, 0.05, 0.05, 0.025]
    assert all(r.epochs == 5 and 0 <= r.accuracy <= 1 and r.r2 is None for r in seen)
    assert len(history) == 5 and not history.interrupted


def test_epoch_loss_is_the_loss_before_the_update():
    X, y = make_regression(10, seed=0)
    model = MLP(1, [3, 1], seed=0)
    from chainrule.nn import mse

    before = mse([model(row) for row in X.tolist()], y.tolist()).data
    history = fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.1), epochs=1)
    assert history.loss[0] == pytest.approx(before, rel=1e-12)


def test_keyboard_interrupt_keeps_the_history():
    X, y = make_xor(8, seed=0)
    model = MLP(2, [4, 1], seed=0)

    def stop_at_third(record):
        if record.epoch == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        fit(
            model,
            X,
            y,
            loss="hinge",
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=10,
            callback=stop_at_third,
        )
    history = caught.value.history
    assert history.interrupted and len(history) == 3


def test_bad_arguments():
    X, y = make_xor(8, seed=0)
    model = MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="8 samples but y has 7"):
        fit(model, X, y[:7], loss="mse", optimizer=optimizer, epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, X, y, loss="mse", optimizer=optimizer, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="unknown loss"):
        fit(model, X, y, loss="nope", optimizer=optimizer, epochs=1)
    with pytest.raises(ValueError, match="shape"):
        fit(model, X[:, 0], y, loss="mse", optimizer=optimizer, epochs=1)


def test_a_loss_given_as_a_function_is_treated_as_its_name():
    # hinge maps labels 0/1 to ±1, bce thresholds probabilities at ½: by function as by name
    from chainrule.nn import bce, hinge

    X, y = make_xor(8, seed=0)
    for name, function, activation in (("hinge", hinge, None), ("bce", bce, "sigmoid")):
        by_name, by_function = (MLP(2, [4, 1], output_activation=activation, seed=0) for _ in "ab")
        named = fit(by_name, X, y, loss=name, optimizer=SGD(by_name.parameters(), lr=0.1), epochs=3)
        passed = fit(
            by_function,
            X,
            y,
            loss=function,
            optimizer=SGD(by_function.parameters(), lr=0.1),
            epochs=3,
        )
        assert named.records == passed.records


def test_a_float32_batched_model_is_fed_float32():
    from chainrule.nn import batched

    seen = []

    class Recording(batched.MLP):
        def __call__(self, x):
            seen.append(x.dtype)
            return super().__call__(x)

    X, y = make_xor(8, seed=0)
    model = Recording(2, [4, 1], seed=0, dtype=np.float32)
    fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=2)
    assert seen == [np.float32, np.float32]
    assert model.layers[0].w.grad.dtype == np.float32


def _linear_fit(lr: float, epochs: int = 40):
    import warnings

    from chainrule.nn.data import make_regression

    X, y = make_regression(32, seed=0)
    model = MLP(X.shape[1], [1], activation="linear", seed=0)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        history = fit(
            model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=lr), epochs=epochs
        )
    return history, [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_fit_warns_once_naming_detect_anomaly_when_the_loss_grows_a_millionfold():
    history, caught = _linear_fit(lr=3.0)
    assert len(caught) == 1  # once, though every later epoch is worse
    message = str(caught[0].message)
    assert "detect_anomaly" in message and "smaller learning rate" in message
    assert "the loss grew from 0.37" in message
    assert caught[0].filename == __file__  # points at the caller's fit(...) line
    assert history.loss[-1] > 1e40


def test_fit_warns_once_when_the_loss_turns_nan():
    from chainrule.nn.data import make_xor

    X, y = make_xor(16, seed=0)
    model = MLP(2, [4, 1], seed=0)
    with pytest.warns(RuntimeWarning, match="detect_anomaly") as caught, np.errstate(all="ignore"):
        fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=1e300), epochs=5)
    ours = [w for w in caught if "fit:" in str(w.message)]
    assert len(ours) == 1 and ("nan" in str(ours[0].message) or "inf" in str(ours[0].message))


def test_fit_is_silent_while_training_goes_well():
    history, caught = _linear_fit(lr=0.3)
    assert caught == [] and history.loss[-1] < history.loss[0]
