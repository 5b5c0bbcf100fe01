"""Statements: TeX becomes MathML, prose is Markdown, nothing from a record runs as HTML."""

from __future__ import annotations

import pytest

from landscape.reports.statement import render_inline, render_statement, tex_to_html
from landscape.theorems.catalogue import REGISTRY


def test_tex_becomes_mathml_and_prose_stays_prose():
    html = str(render_statement(REGISTRY.get("deep-linear-no-bad-local-min").statement))
    assert html.count("<math") == 6 and "<msub><mi>W</mi><mi>L</mi></msub>" in html
    assert "have full row rank" in html and "$" not in html


def test_display_math_and_markdown():
    html = str(render_statement("**Claim.** $$x^2$$ and `code`"))
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    assert "<strong>Claim.</strong>" in html and "<code>code</code>" in html


HOSTILE = [
    "<script>alert(1)</script>",
    "$\\text{<script>alert(1)</script>}$",
    "$\\text{<b onmouseover=alert(1)>x</b>}$",
    "$\\href{javascript:alert(1)}{x}$",
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
]


@pytest.mark.parametrize("text", HOSTILE, ids=["raw-script", "script-in-text", "html-in-text", "href", "img", "js-link"])
def test_nothing_in_a_statement_becomes_live_html(text):
    html = str(render_statement(text))
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b " not in lowered
    assert "href=\"javascript" not in lowered and "onerror=" not in lowered.replace("&lt;img src=x onerror=", "")


def test_unconvertible_tex_is_shown_as_escaped_source():
    assert str(tex_to_html("\\text{<b>x</b>}")) == '<code class="tex">\\text{&lt;b&gt;x&lt;/b&gt;}</code>'


def test_inline_rendering_has_no_paragraph():
    assert str(render_inline("$n_1 \\le n_2$ holds")).startswith("<math")
