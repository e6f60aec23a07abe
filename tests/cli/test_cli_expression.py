"""render, steps, explain and gradcheck: output, options, and every usage error of EXPR."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from xml.etree import ElementTree

import pytest

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path) -> str:
    root = ElementTree.parse(path).getroot()
    return " ".join(text.text or "" for text in root.iter(f"{SVG}text"))


def test_render_default_writes_graph_svg_with_the_lecture_gradients(run, workdir):
    result = run("render")
    assert result.exit_code == 0, result.output
    target = workdir / "graph.svg"
    assert str(target) in result.stdout
    texts = svg_texts(target)
    assert "grad 15" in texts  # ∂L/∂θ1 = 15
    assert "grad −5" in texts  # ∂L/∂θ2 = −5
    assert "data 6.25" in texts


def test_render_options_reach_the_drawing(run, workdir):
    options = ["--format", "gv", "--rankdir", "TB", "--edge-labels", "--highlight", "θ1"]
    result = run("render", *options)
    assert result.exit_code == 0, result.output
    source = (workdir / "graph.gv").read_text()
    assert "rankdir=TB" in source
    assert "∂L/∂θ1" in source  # the highlighted leaf's chain rule is written out


def test_render_no_grad_draws_before_backward(run, workdir):
    assert run("render", "-o", "before.gv", "--no-grad").exit_code == 0
    assert run("render", "-o", "after.gv").exit_code == 0
    assert "grad 15" not in (workdir / "before.gv").read_text()
    assert "grad 15" in (workdir / "after.gv").read_text()


def test_render_png_from_the_suffix(run, workdir):
    result = run(
        "render",
        "tanh(w*x + b)",
        "--set",
        "w=0.5",
        "--set",
        "x=2",
        "--set",
        "b=-1",
        "-o",
        "neuron.png",
    )
    assert result.exit_code == 0, result.output
    assert (workdir / "neuron.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        (["-o", "x.svg", "--format", "png"], ["conflicts"]),
        (["-o", "x.txt"], ["cannot tell the format"]),
        (["--highlight", "q"], ["no leaf named 'q'", "θ1"]),
        (["--rankdir", "XY"], ["XY"]),
    ],
)
def test_render_option_errors(run, user_error, workdir, arguments, fragments):
    user_error(run("render", *arguments), 2, *fragments)
    assert list(workdir.iterdir()) == []


def test_render_without_renderer_fails_and_keeps_only_the_dot_source(
    run, user_error, workdir, monkeypatch
):
    monkeypatch.setenv("CHAINRULE_DOT", str(workdir / "no-such-renderer"))
    user_error(run("render", "-o", "out.svg"), 1, "not found", "out.gv")
    assert sorted(p.name for p in workdir.iterdir()) == ["out.gv"]


def test_render_pdf_needs_no_graphviz_dot(run, workdir, monkeypatch):
    import pypdf

    import chainrule.viz.render as render_module

    real_which = render_module.shutil.which
    monkeypatch.setattr(
        render_module.shutil,
        "which",
        lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k),
    )
    result = run("render", "-o", "lecture.pdf")
    assert result.exit_code == 0, result.output
    text = pypdf.PdfReader(workdir / "lecture.pdf").pages[0].extract_text()
    assert "grad 15" in text and "θ1" in text


def test_render_to_an_unwritable_place_fails(run, user_error, workdir):
    (workdir / "afile").write_text("")
    user_error(run("render", "-o", "afile/x.svg"), 1, "no folder", "afile/x.svg")
    assert sorted(p.name for p in workdir.iterdir()) == ["afile"]


def test_render_into_a_folder_that_refuses_files_names_the_output_not_a_temporary(
    run, user_error, unwritable_folder
):
    target = unwritable_folder / "x.svg"
    line = user_error(run("render", "-o", str(target)), 1, f"cannot write {target}: ")
    assert ".tmp" not in line
    assert not target.exists()


def test_steps_into_a_missing_folder_is_a_failure_and_creates_nothing(run, user_error, workdir):
    user_error(run("steps", "-o", "missing/frames"), 1, "no folder", "missing/frames")
    assert list(workdir.iterdir()) == []


def test_steps_writes_the_page_and_says_where(run, workdir):
    result = run("steps", "-o", "frames")
    assert result.exit_code == 0, result.output
    index = workdir / "frames" / "index.html"
    assert str(index) in result.stdout
    assert "<svg" in index.read_text()


def test_steps_into_a_file_fails(run, user_error, workdir):
    (workdir / "afile").write_text("")
    result = run("steps", "-o", "afile/sub")
    user_error(result, 1, "no folder", "afile/sub")  # as render says for afile/x.svg
    assert sorted(p.name for p in workdir.iterdir()) == ["afile"]


def test_explain_tells_the_chain_rule(run):
    result = run("explain", "--wrt", "θ1")
    assert result.exit_code == 0, result.output
    assert "∂L/∂θ1 = 15" in result.stdout
    assert "Chain rule for θ1" in result.stdout


def test_explain_unknown_wrt(run, user_error):
    user_error(run("explain", "--wrt", "z"), 2, "--wrt", "'z'")


def test_gradcheck_table(run):
    result = run("gradcheck")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["leaf", "analytic", "numeric", "ok"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["θ1"][0] == "15" and float(rows["θ1"][1]) == pytest.approx(15, rel=1e-6)
    assert all(row[-1] == "ok" for row in rows.values())


def test_gradcheck_mismatch_exits_1(run, user_error):
    # relu at its kink: backward says 0, the central difference (ε − 0)/2ε says ½
    result = run("gradcheck", "relu(x) + y", "--set", "x=0", "--set", "y=1")
    user_error(result, 1, "mismatch", "x")
    table, note = result.stdout.splitlines()[1:3], result.stdout.splitlines()[3]
    assert {line.split()[0]: line.split()[-1] for line in table} == {"x": "MISMATCH", "y": "ok"}
    assert note.startswith("note: 'x' sits on a kink of relu") and "one-sided" in note


def test_set_overrides_the_example(run):
    result = run("explain", "--set", "θ1=1")
    assert "L = (θ1·θ2·x − y)² = 16" in result.stdout  # (1·−1.5·2 − 1)² = 16


@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        (["x*y", "--set", "x=2"], ["no value given for y", "--set y="]),
        (["--set", "z=1"], ["z", "not in the expression"]),
        (["--set", "x"], ["name=value"]),
        (["--set", "=3"], ["name=value"]),
        (["--set", "x=abc"], ["not a number"]),
        (["--set", "x=nan"], ["finite"]),
        (["--set", "x=-inf"], ["finite"]),
        (["--set", "1x=2"], ["not a valid name"]),
        (["1 + x.y", "--set", "x=1"], ["attribute access", "column 5"]),
        (["x +* 2", "--set", "x=1"], ["syntax error", "column"]),
        (["2 + 3"], ["no names"]),
        (["--bogus"], ["--bogus"]),
    ],
)
@pytest.mark.parametrize("command", ["render", "explain", "gradcheck"])
def test_usage_errors(run, user_error, workdir, command, arguments, fragments):
    user_error(run(command, *arguments), 2, *fragments)
    assert list(workdir.iterdir()) == []


HOSTILE = {
    "import": ("__import__('os').system('touch pwned') + x", "attribute access"),
    "attribute": ("x.__class__.__bases__[0].__subclasses__()", "not allowed"),
    "power tower": ("x + 9**9**9**9", "overflows a float"),
    "deep nesting": ("(" * 300 + "x" + ")" * 300, "nested too deeply"),
    "5000 parentheses": ("(" * 5000 + "x" + ")" * 5000, "too long"),
    "200k terms": ("+".join(["x"] * 200_000), "too long"),
    "nul": ("x\0+1", "NUL"),
    "megabytes": ("x" * 3_000_000, "too long"),
    "lambda": ("(lambda: x)()", "lambdas"),
}


@pytest.mark.parametrize(("text", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_expressions_are_refused_without_side_effects(
    run, user_error, workdir, text, reason
):
    line = user_error(run("render", text, "--set", "x=1"), 2, reason)
    assert len(line) < 600
    assert list(workdir.iterdir()) == []


def test_errors_name_the_column():
    pattern = re.compile(r"column \d+")
    from click.testing import CliRunner

    from chainrule.cli import cli

    result = CliRunner().invoke(cli, ["explain", "x ^ 2", "--set", "x=1"])
    assert result.exit_code == 2 and pattern.search(result.stderr)


def test_gradcheck_table_is_the_library_report(run):
    from chainrule.engine.expr import parse
    from chainrule.engine.gradcheck import gradcheck_report

    text = "tanh(w*x) + w/x"
    result = run("gradcheck", text, "--set", "w=0.7", "--set", "x=-1.3", "--eps", "1e-4")
    assert result.exit_code == 0, result.output
    _, leaves = parse(text, w=0.7, x=-1.3)
    expected = gradcheck_report(
        lambda *values: parse(text, **dict(zip(leaves, values)))[0],
        list(leaves.values()),
        eps=1e-4,
    )
    table = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [row[0] for row in table] == ["w", "x"]
    for cells, row in zip(table, expected):
        assert (float(cells[1]), float(cells[2])) == pytest.approx((row.analytic, row.numeric))


def test_gradcheck_of_an_infinite_result_is_a_mismatch_without_warnings(run, user_error):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy warning would reach the user's terminal
        result = run("gradcheck", "exp(x)", "--set", "x=1000")
    user_error(result, 1, "mismatch for x: the expression is inf at these values")
    assert result.stdout.splitlines()[1].split() == ["x", "inf", "nan", "MISMATCH"]


def test_gradcheck_outside_the_domain_says_the_value_is_nan(run, user_error):
    result = run("gradcheck", "sqrt(x)", "--set", "x=-1")
    user_error(result, 1, "mismatch for x: the expression is nan at these values")


def test_several_missing_values_are_all_named(run, user_error):
    result = run("explain", "x*y*z", "--set", "x=1")
    user_error(result, 2, "no value given for y, z: add --set y=NUMBER for each")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("x+", ["ends too soon, after '+'", "(column 3)"]),
        ("3x", ["write 3*x", "(column 2)"]),
        ("x y", ["operator is missing", "(column 3)"]),
    ],
)
def test_syntax_errors_point_at_the_problem(run, user_error, text, fragments):
    user_error(run("explain", text, "--set", "x=1", "--set", "y=1"), 2, *fragments)


def test_steps_gif_writes_an_animation_with_the_duration_asked(run, workdir):
    from PIL import Image

    result = run("steps", "--gif", "backprop.gif", "--duration", "0.5")
    assert result.exit_code == 0, result.output
    assert str(workdir / "backprop.gif") in result.stdout
    with Image.open(workdir / "backprop.gif") as gif:
        assert gif.n_frames == 5 and gif.info["duration"] == 500
    assert sorted(p.name for p in workdir.iterdir()) == ["backprop.gif"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--gif", "backprop.png"], "must end in .gif"),
        (["--gif", "b.gif", "--duration", "0"], "--duration"),
    ],
)
def test_steps_gif_usage_errors(run, user_error, workdir, args, fragment):
    user_error(run("steps", *args), 2, fragment)
    assert list(workdir.iterdir()) == []


def test_render_dpi_sets_the_png_resolution(run, workdir):
    import struct

    sizes = []
    for dpi in ("72", "216"):
        assert run("render", "-o", f"g{dpi}.png", "--dpi", dpi).exit_code == 0
        sizes.append(struct.unpack(">II", (workdir / f"g{dpi}.png").read_bytes()[16:24]))
    assert sizes[1][0] == pytest.approx(3 * sizes[0][0], rel=0.02)


def test_render_dpi_must_be_positive(run, user_error, workdir):
    user_error(run("render", "-o", "g.png", "--dpi", "0"), 2, "--dpi")
    assert list(workdir.iterdir()) == []


def test_a_name_set_twice_is_a_usage_error_naming_it(run, user_error):
    result = run("render", "w*x", "--set", "w=1", "--set", "x=2", "--set", "w=3")
    user_error(result, 2, "--set w given twice (1 and 3)")
    assert not any(Path().iterdir())  # nothing drawn from a guess


def test_an_infinite_result_is_noted_on_stderr_and_the_picture_still_written(run):
    result = run("render", "log(x)", "--set", "x=0", "-o", "log.svg")
    assert result.exit_code == 0, result.output
    assert Path("log.svg").stat().st_size > 0
    assert result.stderr.splitlines() == [
        "note: the result is -inf; the gradient ∂/∂x = inf at these values"
    ]
    explained = run("explain", "x/y", "--set", "x=1", "--set", "y=0")
    assert explained.exit_code == 0 and "Gradients:" in explained.stdout
    assert explained.stderr == "note: the result is inf at these values\n"
    assert run("render", "log(x)", "--set", "x=1", "-o", "ok.svg").stderr == ""
