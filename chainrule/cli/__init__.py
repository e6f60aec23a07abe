"""The ``chainrule`` command: draw, step through, explain and check the chain rule; train MLPs.

Each command parses its options, calls one library function and prints or saves the result;
the commands live in `expression`, `train` and `graph`, their shared error handling in
`errors` and their output options in `options`.
"""

from __future__ import annotations

import click

from chainrule import __version__
from chainrule.cli.errors import ChainruleGroup
from chainrule.cli.expression import explain, grad_command, gradcheck, render, steps
from chainrule.cli.graph import graph
from chainrule.cli.train import train_command
from chainrule.engine.expr import FUNCTIONS, OPERATORS

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# The operators and functions come from the parser, which takes them from the op records.
HELP = f"""Draw the chain rule: computational graphs with every value and gradient.

    EXPR is arithmetic such as '(θ1*θ2*x - y)**2' with {" ".join(OPERATORS)} and the functions
    {", ".join(FUNCTIONS)}; give each name a value with --set name=value. Without EXPR,
    commands use the lecture example (θ1*θ2*x - y)**2 at θ1=0.5, θ2=-1.5, x=2, y=1, where
    ∂L/∂θ1 = 15. An EXPR that starts with '-' goes last, after '--':
    chainrule explain --set x=1 -- '-x*2'.

    \b
    Examples:
      chainrule render                          # the lecture example → graph.svg
      chainrule explain 'tanh(w*x + b)' --set w=0.5 --set x=2 --set b=-1
      chainrule train --dataset moons --epochs 50 -o model.json
    """


@click.group(cls=ChainruleGroup, context_settings=CONTEXT, help=HELP)
@click.version_option(__version__, "-V", "--version", prog_name="chainrule")
def cli() -> None:
    """The ``chainrule`` group (its help is `HELP`)."""


def main() -> None:
    """Entry point of the ``chainrule`` console script and of ``python -m chainrule``."""
    cli(prog_name="chainrule")


for _command in (render, steps, gradcheck, explain, grad_command, train_command, graph):
    cli.add_command(_command)
