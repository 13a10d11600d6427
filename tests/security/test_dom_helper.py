"""``web/static/editor/dom.js``, the one way the pages build DOM from data, in Chromium: text stays
text, URL attributes refuse ``javascript:`` (also hidden behind tabs or case), event-handler
attributes are refused outright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser]

_PROBE = """async () => {
  const { h, fill, safeUrl } = await import("/static/editor/dom.js");
  const out = {};
  out.text = h("p", {}, '<img src=x onerror=alert(1)>', 7, null, false, ["a", ["b"]]).innerHTML;
  const opt = h("option", { value: '"><img src=x onerror=alert(1)>' });
  out.attr = [opt.getAttribute("value"), opt.attributes.length, opt.childNodes.length];
  out.urls = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\\tscript:alert(1)", "\\u0001javascript:x",
              "data:text/html,<b>x</b>", "vbscript:x", "/recordings/a%20b.wav", "https://example.org/x",
              "blob:http://127.0.0.1/x", "rel/path:with-colon", "foo:bar", "#top"].map(safeUrl);
  out.link = h("a", { href: "javascript:alert(1)" }, "x").getAttribute("href");
  try { h("div", { onclick: "alert(1)" }); out.handler = "accepted"; } catch (e) { out.handler = "refused"; }
  try { h("div", { OnMouseOver: "alert(1)" }); out.handler2 = "accepted"; } catch (e) { out.handler2 = "refused"; }
  const box = h("div", {}, h("b", {}, "old"));
  fill(box, "<i>new</i>", h("span", { class: ["a", "", "b"], dataset: { node: "<x>" } }, "s"));
  const span = box.lastChild;
  out.fill = [box.childNodes.length, box.firstChild.nodeType, box.firstChild.data, span.className, span.dataset.node];
  out.bools = h("input", { type: "checkbox", checked: true, disabled: false }).checked;
  out.ta = (() => { const t = h("textarea", { value: "</textarea><b>x</b>" }); return [t.value, t.innerHTML]; })();
  return out;
}"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    from web.testing import BROWSER_ARGS, LiveServer

    with LiveServer(Path(tmp_path_factory.mktemp("dom")) / "var", {}, "unused-password") as server, \
            playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        pg = browser.new_page()
        pg.goto(f"{server.url}/login")  # any page of the app: the module loads from /static under its CSP
        yield pg
        browser.close()


def test_dom_helper_keeps_data_as_data(page: Any) -> None:
    r = page.evaluate(_PROBE)
    assert r["text"] == "&lt;img src=x onerror=alert(1)&gt;7ab"
    assert r["attr"] == ['"><img src=x onerror=alert(1)>', 1, 0]  # one attribute, holding the text
    assert r["urls"][:6] == ["about:blank"] * 6
    assert r["urls"][6:] == ["/recordings/a%20b.wav", "https://example.org/x", "blob:http://127.0.0.1/x",
                             "rel/path:with-colon", "about:blank", "#top"]  # an unknown scheme is refused too
    assert r["link"] == "about:blank"
    assert r["handler"] == "refused" and r["handler2"] == "refused"
    assert r["fill"] == [2, 3, "<i>new</i>", "a b", "<x>"]  # the old child gone, a text node, a span
    assert r["bools"] is True
    assert r["ta"] == ["</textarea><b>x</b>", ""]
