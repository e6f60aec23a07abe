"""Topic 11: a tiny GPT on scalar Values: attention, RMSNorm, a ReLU MLP and Adam, number by number.

The smallest GPT a course on large language models can show: one layer, n_embd 16, 4 heads,
block 16, RMSNorm, a ReLU MLP, softmax cross-entropy and Adam. Every number is a chainrule
`Value`, so a training step on one 12-letter word builds a graph of about a hundred thousand
nodes and backpropagates through all of them. It learns from a text that ships with Python,
the names of the standard library's modules (``sys.stdlib_module_names``, letters only), and
then invents names of its own.

The dot products (linear layers, RMSNorm, attention) are `chainrule.dot`: one node each,
with an edge per weight and per input, instead of a node per product and per partial sum;
that makes the graph 5 times smaller and the step faster (benchmarks/gpt.py).

The picture is one attention head for one token. ``collapse="neuron"`` groups the neurons of
an MLP, and an attention head is not made of neurons, so the head is drawn as a small graph of
its own: the token's query and the keys of the positions so far (copied in as leaves), their
scaled dot products, the softmax, and the weighted sum of the values, for one of the head's
outputs, with the gradients the loss sends through that output.

Usage: ``python demos/11_gpt.py [--steps N] [--out DIR]``; ``benchmarks/gpt.py`` times one
step of this model.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from _common import parse_options

import chainrule
from chainrule import Value, no_grad, softmax, viz
from chainrule.nn import Adam, Module, cross_entropy

N_EMBD, N_HEAD, N_LAYER, BLOCK_SIZE = 16, 4, 1, 16
HEAD_DIM = N_EMBD // N_HEAD
STEPS = 600
LEARNING_RATE, BETAS = 0.01, (0.85, 0.99)


def corpus() -> list[str]:
    """The standard library's module names made of lowercase letters only (a, …, z)."""
    return sorted(n for n in sys.stdlib_module_names if n.isascii() and n.isalpha() and n.islower())


class Tokenizer:
    """Characters ↔ token ids; the extra id `bos` marks a word's beginning and end."""

    def __init__(self, words: Sequence[str]) -> None:
        self.chars = sorted(set("".join(words)))
        self.bos = len(self.chars)
        self.vocab_size = len(self.chars) + 1
        self._ids = {c: i for i, c in enumerate(self.chars)}

    def encode(self, word: str) -> list[int]:
        """``[bos, c1, …, cn, bos]``: the model reads a word and predicts each next token."""
        return [self.bos, *(self._ids[c] for c in word), self.bos]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids)


# ------------------------------------------------------------------------------- the maths
# Σ w_i·x_i and Σ x_i as one node each (n-ary ops), where the graph has most of its nodes:
# the linear layers, RMSNorm and attention. A chain of binary ops would record 2n − 1 nodes
# per dot product; benchmarks/gpt.py times the model both ways.
dot = chainrule.dot
total = chainrule.sum


def binary_dot(ws: Sequence[Value], xs: Sequence[Value]) -> Value:
    """Σ w_i·x_i as a chain of products and sums, every product its own node."""
    return sum(w * x for w, x in zip(ws, xs))  # type: ignore[return-value]


def linear(x: Sequence[Value], w: list[list[Value]]) -> list[Value]:
    """W·x: one dot product per row of W (no bias, as in GPT-2's projections here)."""
    return [dot(row, x) for row in w]


def rmsnorm(x: Sequence[Value]) -> list[Value]:
    """x / √(mean(x²) + ε): every vector back to unit size (RMSNorm, without a gain)."""
    mean_square = dot(x, x) / len(x)
    scale = (mean_square + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def attention_head(
    query: Sequence[Value], keys: Sequence[Sequence[Value]], values: Sequence[Sequence[Value]]
) -> list[Value]:
    """softmax(q·k_t / √d) over the positions t so far, then Σ_t weight_t · v_t."""
    scores = [dot(query, key) / math.sqrt(len(query)) for key in keys]
    weights = softmax(scores)
    return [dot(weights, [value[j] for value in values]) for j in range(len(query))]


def matrix(rng: random.Random, rows: int, columns: int, std: float = 0.08) -> list[list[Value]]:
    return [[Value(rng.gauss(0.0, std)) for _ in range(columns)] for _ in range(rows)]


# ------------------------------------------------------------------------------- the model
@dataclass
class Cache:
    """What one layer's attention saw and said at each position of the text so far.

    Keys and values are what later positions attend to (the KV cache); the queries and the
    heads' outputs are kept too, so that one head can be drawn afterwards.
    """

    queries: list[list[Value]] = field(default_factory=list)
    keys: list[list[Value]] = field(default_factory=list)
    values: list[list[Value]] = field(default_factory=list)
    heads: list[list[Value]] = field(default_factory=list)


class Block(Module):
    """One transformer layer: x + attention(rmsnorm(x)), then x + MLP(rmsnorm(x))."""

    def __init__(self, rng: random.Random) -> None:
        self.wq = matrix(rng, N_EMBD, N_EMBD)
        self.wk = matrix(rng, N_EMBD, N_EMBD)
        self.wv = matrix(rng, N_EMBD, N_EMBD)
        self.wo = matrix(rng, N_EMBD, N_EMBD)
        self.fc1 = matrix(rng, 4 * N_EMBD, N_EMBD)
        self.fc2 = matrix(rng, N_EMBD, 4 * N_EMBD)

    def __call__(self, x: list[Value], cache: Cache) -> list[Value]:
        residual = x
        x = rmsnorm(x)
        cache.queries.append(linear(x, self.wq))
        cache.keys.append(linear(x, self.wk))
        cache.values.append(linear(x, self.wv))
        heads: list[Value] = []
        for h in range(N_HEAD):
            part = slice(h * HEAD_DIM, (h + 1) * HEAD_DIM)
            heads += attention_head(
                cache.queries[-1][part],
                [key[part] for key in cache.keys],
                [value[part] for value in cache.values],
            )
        cache.heads.append(heads)
        x = [a + b for a, b in zip(linear(heads, self.wo), residual)]
        residual = x
        hidden = [h.relu() for h in linear(rmsnorm(x), self.fc1)]
        return [a + b for a, b in zip(linear(hidden, self.fc2), residual)]


class GPT(Module):
    """Token and position embeddings, `N_LAYER` blocks, and a head that scores every token.

    Call it one token at a time, with the caches of the positions before: it returns the
    logits of the next token.
    """

    def __init__(self, vocab_size: int, *, seed: int = 42) -> None:
        rng = random.Random(seed)
        self.wte = matrix(rng, vocab_size, N_EMBD)  # token embeddings
        self.wpe = matrix(rng, BLOCK_SIZE, N_EMBD)  # position embeddings
        self.blocks = [Block(rng) for _ in range(N_LAYER)]
        self.lm_head = matrix(rng, vocab_size, N_EMBD)
        self.label_parameters()

    def new_caches(self) -> list[Cache]:
        return [Cache() for _ in self.blocks]

    def __call__(self, token: int, position: int, caches: list[Cache]) -> list[Value]:
        x = rmsnorm([t + p for t, p in zip(self.wte[token], self.wpe[position])])
        for block, cache in zip(self.blocks, caches):
            x = block(x, cache)
        return linear(x, self.lm_head)


def word_loss(model: GPT, tokens: list[int]) -> tuple[Value, list[Cache]]:
    """The mean cross-entropy of predicting each next token of one word, and the caches."""
    caches = model.new_caches()
    count = min(BLOCK_SIZE, len(tokens) - 1)
    losses = [cross_entropy(model(tokens[p], p, caches), tokens[p + 1]) for p in range(count)]
    return total(losses) / count, caches


@no_grad()
def sample(model: GPT, tokenizer: Tokenizer, rng: random.Random, temperature: float = 0.5) -> str:
    """A new word, one token at a time from softmax(logits / temperature), until `bos`."""
    caches = model.new_caches()
    token, ids = tokenizer.bos, []
    for position in range(BLOCK_SIZE):
        logits = model(token, position, caches)
        probabilities = softmax([logit / temperature for logit in logits])
        token = rng.choices(range(tokenizer.vocab_size), [p.data for p in probabilities])[0]
        if token == tokenizer.bos:
            break
        ids.append(token)
    return tokenizer.decode(ids)


# ------------------------------------------------------------------------- the picture
def draw_attention_head(cache: Cache, position: int, head: int, output: int) -> viz.Diagram:
    """One head at one position, from the query and the keys and values to one output.

    The inputs are copied in as labelled leaves (q0…q3, k2.1 = key of position 2, dim 1,
    v2 = value of position 2 for this output), so the picture stops at the head; the
    backward pass is seeded with the gradient the real loss sent to that output.
    """
    part = slice(head * HEAD_DIM, (head + 1) * HEAD_DIM)

    def leaf(value: Value, label: str) -> Value:
        return Value(value.data, label=label)

    query = [leaf(q, f"q{j}") for j, q in enumerate(cache.queries[position][part])]
    keys = [
        [leaf(k, f"k{t}.{j}") for j, k in enumerate(cache.keys[t][part])]
        for t in range(position + 1)
    ]
    values = [
        [Value(0.0, requires_grad=False)] * HEAD_DIM for _ in range(position + 1)
    ]  # only dimension `output` of each value reaches the drawn output
    for t in range(position + 1):
        values[t][output] = leaf(cache.values[t][part][output], f"v{t}")
    result = attention_head(query, keys, values)[output]
    result.label = f"head {head} out {output}"
    result.backward(cache.heads[position][head * HEAD_DIM + output].grad)
    return viz.draw(result)


# ------------------------------------------------------------------------------- the demo
def main() -> None:
    out, options = parse_options(
        __file__,
        "Train a tiny GPT on scalar Values, sample from it, draw one attention head.",
        lambda parser: parser.add_argument(
            "--steps", type=int, default=STEPS, help=f"training steps (default: {STEPS})"
        ),
    )
    words = corpus()
    tokenizer = Tokenizer(words)
    model = GPT(tokenizer.vocab_size)
    optimizer = Adam(model.parameters(), lr=LEARNING_RATE, betas=BETAS)
    order = random.Random(42).sample(words, len(words))
    print(
        f"a GPT of {len(model.parameters())} Values (1 layer, n_embd {N_EMBD}, {N_HEAD} heads, "
        f"block {BLOCK_SIZE}) on {len(words)} module names of the standard library"
    )
    steps, recent = options.steps, []
    for step in range(steps):
        loss, _ = word_loss(model, tokenizer.encode(order[step % len(order)]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = LEARNING_RATE * (1 - step / steps)  # linear decay to 0
        optimizer.step()
        recent = [*recent[-99:], loss.data]  # one word's loss is noisy: the last 100 words'
        if step == 0 or (step + 1) % 100 == 0 or step + 1 == steps:
            mean = sum(recent) / len(recent)
            print(f"  step {step + 1:4d} / {steps}: loss {mean:.4f} (mean of {len(recent)})")

    rng = random.Random(0)
    known = set(words)
    samples = [sample(model, tokenizer, rng) for _ in range(8)]
    marked = [f"{s} (in the corpus)" if s in known else s or "(empty)" for s in samples]
    print(f"samples at temperature 0.5: {', '.join(marked)}")

    word, position, head = "configparser", 3, 0
    loss, caches = word_loss(model, tokenizer.encode(word))
    loss.backward()
    diagram = draw_attention_head(caches[0], position, head, output=0)
    written = [
        diagram.render(out / "attention_head.svg"),
        diagram.render(out / "attention_head.png"),
    ]
    print(
        f"attention head {head} at token {position} of {word!r} ('{word[position - 1]}' read, "
        f"'{word[position]}' to predict): query · {position + 1} keys, softmax, Σ weight·value"
    )
    print(f"pictures: {', '.join(path.name for path in written)} in {out}")


if __name__ == "__main__":
    main()
