"""The pages' themes: light (the default), dark, and auto (dark where the reader's system asks for it).

The dark rules of each page are written once, in ``frontline-dark.css`` (the map) and ``timeline-dark.css``, every
rule prefixed with ``THEME``: :func:`theme_css` turns them into ``html[data-theme=dark] …`` rules, or for ``auto``
the same under ``@media (prefers-color-scheme: dark)`` with ``html[data-theme=auto]``: no script decides, so a
reader without JavaScript gets the theme too. Text colours of both themes are checked against WCAG AA (4.5:1)
and the area classes of the dark map for colour-vision deficiency (``tests/render/test_palette.py``).
"""

from __future__ import annotations

from importlib import resources

from ..errors import InvalidInput
from .assets import squeeze

THEMES = ("light", "dark", "auto")


def theme_css(theme: str, name: str = "frontline-dark.css") -> str:
    """The dark rules of a page for ``theme``: none (light), always (dark), or under ``prefers-color-scheme:
    dark`` (auto). The rules are written once, in ``name``, with a ``THEME`` prefix.

    Examples
    --------
    >>> theme_css("light")
    ''
    >>> theme_css("auto").startswith("@media (prefers-color-scheme: dark){")
    True
    """
    if theme not in THEMES:
        raise InvalidInput(f"unknown theme {theme!r}: choose one of {', '.join(THEMES)}")
    if theme == "light":
        return ""
    rules = squeeze(resources.files("geo.render").joinpath(name).read_text(encoding="utf-8"))
    if theme == "dark":
        return rules.replace("THEME", "html[data-theme=dark]")
    return "@media (prefers-color-scheme: dark){\n" + rules.replace("THEME", "html[data-theme=auto]") + "}\n"
