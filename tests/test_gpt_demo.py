"""Demo 11's GPT against closed forms and finite differences (the demo's run is in test_demos)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from chainrule import Value, gradcheck

DEMOS = Path(__file__).resolve().parent.parent / "demos"


@pytest.fixture(scope="module")
def demo():
    sys.path.insert(0, str(DEMOS))
    spec = importlib.util.spec_from_file_location("gpt_demo", DEMOS / "11_gpt.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]
    sys.path.remove(str(DEMOS))


def test_one_key_is_attended_to_entirely(demo):
    query = [Value(x) for x in (0.3, -1.0, 2.0, 0.5)]
    key = [Value(x) for x in (1.0, 0.2, -0.4, 0.1)]
    value = [Value(x) for x in (0.7, -0.1, 0.0, 3.0)]
    out = demo.attention_head(query, [key], [value])
    assert [o.data for o in out] == pytest.approx([0.7, -0.1, 0.0, 3.0], abs=1e-15)


def test_attention_weights_are_the_softmax_of_scaled_dot_products(demo):
    query = [Value(x) for x in (1.0, 0.0, 0.0, 0.0)]
    keys = [[Value(k), Value(0.0), Value(0.0), Value(0.0)] for k in (0.0, 2.0)]
    values = [[Value(1.0), Value(0.0), Value(0.0), Value(0.0)], [Value(0.0)] * 4]
    out = demo.attention_head(query, keys, values)
    # scores 0 and 2/√4 = 1: the first value gets weight 1/(1 + e)
    assert out[0].data == pytest.approx(1 / (1 + math.e), rel=1e-15)


def test_rmsnorm_gives_unit_root_mean_square(demo):
    out = demo.rmsnorm([Value(x) for x in (3.0, -4.0, 0.0, 5.0)])
    mean_square = sum(o.data**2 for o in out) / 4
    assert mean_square == pytest.approx(1.0, rel=1e-5)  # ε = 1e-5 inside the root


def test_untrained_model_predicts_uniformly(demo):
    tokenizer = demo.Tokenizer(demo.corpus())
    model = demo.GPT(tokenizer.vocab_size)
    loss, _ = demo.word_loss(model, tokenizer.encode("json"))
    # weights of std 0.08 over 16 inputs give logits of spread ~0.3, nearly equal:
    # cross-entropy close to that of the uniform guess, ln(vocabulary size) = 3.30
    assert loss.data == pytest.approx(math.log(tokenizer.vocab_size), abs=0.25)


def test_gradients_of_the_loss_match_finite_differences(demo):
    tokenizer = demo.Tokenizer(["ab", "ba"])
    model = demo.GPT(tokenizer.vocab_size)
    tokens = tokenizer.encode("ab")
    block = model.blocks[0]
    # one weight of each kind: embedding, attention (query, key, value, output), MLP, head
    chosen = [
        model.wte[0][1],
        model.wpe[1][2],
        block.wq[3][0],
        block.wk[5][4],
        block.wv[7][7],
        block.wo[0][9],
        block.fc1[20][3],
        block.fc2[2][40],
        model.lm_head[1][6],
    ]

    def loss(*weights):
        return demo.word_loss(model, tokens)[0]

    assert gradcheck(loss, chosen, eps=1e-6, atol=1e-8, rtol=1e-5)
