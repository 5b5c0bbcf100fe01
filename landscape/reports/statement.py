r"""Theorem statements (Markdown with TeX) as safe HTML, mathematics as MathML.

Browsers render MathML natively, so the report needs no script and no network.  TeX between
``$...$`` (inline) or ``$$...$$`` (display) is converted by ``latex2mathml``; its output is
parsed and rebuilt from an allow-list of MathML elements and attributes (``\text{<b>}`` would
otherwise pass raw HTML through).  Anything that does not convert cleanly is shown as escaped
TeX source in ``<code>``.  The prose is rendered by markdown-it with raw HTML disabled.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
MATHML_ELEMENTS = frozenset(
    "math mrow mi mn mo mtext ms mspace msub msup msubsup mfrac msqrt mroot mstyle mtable mtr mtd "
    "munder mover munderover mpadded mphantom menclose merror semantics".split()
)
MATHML_ATTRIBUTES = frozenset(
    "xmlns display mathvariant stretchy fence form lspace rspace separator width height depth "
    "columnalign rowspacing columnspacing linethickness accent accentunder movablelimits symmetric "
    "largeop minsize maxsize displaystyle scriptlevel notation".split()
)
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
_TOKEN = "MATHSEGMENT{}ENDSEGMENT"
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})


def render_statement(text: str) -> Markup:
    """Markdown with TeX -> HTML (a :class:`Markup`, safe to insert unescaped)."""
    segments: list[Markup] = []

    def stash(match: re.Match[str]) -> str:
        display = match.group(1) is not None
        segments.append(tex_to_html(match.group(1) if display else match.group(2), display))
        return _TOKEN.format(len(segments) - 1)

    html = _MARKDOWN.render(_MATH.sub(stash, str(text)))
    for index, segment in enumerate(segments):
        html = html.replace(_TOKEN.format(index), str(segment))
    return Markup(html)


def render_inline(text: str) -> Markup:
    """Like :func:`render_statement` for one line (no paragraph wrapper)."""
    html = str(render_statement(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


def tex_to_html(tex: str, display: bool = False) -> Markup:
    """MathML for ``tex`` when it converts to allow-listed MathML, else escaped TeX in <code>."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(tex, display="block" if display else "inline")
        return Markup(_sanitised(mathml))
    except Exception:  # any conversion or validation failure shows the source instead
        return Markup('<code class="tex">') + escape(tex) + Markup("</code>")


def _sanitised(mathml: str) -> str:
    """Re-serialise ``mathml`` after checking every element and attribute is allow-listed."""
    root = ElementTree.fromstring(mathml)
    for element in root.iter():
        name = element.tag.split("}", 1)[-1]
        if name not in MATHML_ELEMENTS:
            raise ValueError(f"element {name!r} is not MathML we render")
        for attribute in element.attrib:
            if attribute.split("}", 1)[-1] not in MATHML_ATTRIBUTES:
                raise ValueError(f"attribute {attribute!r} is not allowed")
    ElementTree.register_namespace("", MATHML_NAMESPACE)
    return ElementTree.tostring(root, encoding="unicode", method="xml")
