"""The check every test of what reaches a reader uses: HTML parsed as a browser would."""

from __future__ import annotations

import re

import html5lib

_FORBIDDEN_ELEMENTS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "meta",
    "link",
    "base",
    "form",
    "svg",
    "math",
}
_URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "srcset", "data", "poster", "background"}
# what a browser strips from a URL before reading its scheme
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]")


def script_risks(output: str) -> list[str]:
    """What in ``output``, parsed as a browser would, could run script or load a frame."""
    found = []
    tree = html5lib.parseFragment(output, treebuilder="etree", namespaceHTMLElements=False)
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.split("}")[-1].lower() in _FORBIDDEN_ELEMENTS:
            found.append(f"element <{tag}>")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on") or name in ("style", "srcdoc"):
                found.append(f"attribute {name}={value!r} on <{tag}>")
            if name in _URL_ATTRIBUTES:
                scheme = _IGNORED_IN_URL.sub("", value).split(":", 1)[0].lower() if ":" in value else ""
                if scheme not in ("http", "https", "mailto"):
                    found.append(f"URL {name}={value!r} on <{tag}>")
    return found
