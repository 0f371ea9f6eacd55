"""A merged cluster trace (tools/tracelib.py) as ONE self-contained HTML page
with an SVG space-time diagram (Python standard library only; what the page
shows is in docs/trace.md, "The page").

The page has no external URL at all: its CSS, its script and the trace (a
JSON block, `<` escaped) are inline. A lane per node, time left to right;
an arrow per matched message, coloured by its category; Raft terms as bands
at the top of each lane; details of an event or arrow in the side panel on
click; zoom (buttons, wheel) and pan (drag, buttons). Only what lies in the
visible time window is drawn. After each drawing <body> carries
data-lanes, data-events and data-arrows (what is drawn now), and
data-errors counts the script errors window.onerror saw (0 normally): the
tests read them (tests/trace/test_page.py). With `#selftest` in its URL the
page also zooms, pans, selects and resets by itself and sets
data-selftest to `ok` or to what went wrong."""
import html
import json
import os

import tracelib

HERE = os.path.dirname(os.path.abspath(__file__))
COMMON = ("node", "boot", "seq", "lam", "ns", "pid", "kind")  # ev[] has them


def page_data(tr, title):
    """The JSON the page's script draws: times relative to tr.t0, in ns."""
    lane_of = {k: n for n, k in enumerate(tr.nodes)}
    services = sorted({b["service"] for b in tr.bands})
    svc_of = {s: n for n, s in enumerate(services)}
    ev, body, boots = [], [], []
    last_boot = {}
    for e in tr.events:
        lane = lane_of[e["node"]]
        t = e["t"] - tr.t0
        # ns as a string: JavaScript's numbers hold 53 bits
        ev.append([lane, t, e["kind"], e["seq"], e["lam"], e["pid"], e["boot"], str(e["ns"])])
        # the keys not already in ev, text= last as on the node
        rest = [f"{k}={v}" for k, v in e["fields"].items() if k not in COMMON and k != "text"]
        if "text" in e["fields"]:
            rest.append("text=" + e["fields"]["text"])
        body.append(" ".join(rest))
        if e["node"] in last_boot and last_boot[e["node"]] != e["boot"]:
            boots.append([lane, t])
        last_boot[e["node"]] = e["boot"]
    return {
        "title": title,
        "summary": tracelib.summary(tr),
        "span": tr.t1 - tr.t0,
        "lanes": [{"node": k, "dropped": tr.dropped.get(k, 0)} for k in tr.nodes],
        "services": services,
        "ev": ev,
        "body": body,
        "arrows": [[p["a"], p["b"], p["cat"], p["key"]] for p in tr.pairs],
        "bands": [[lane_of[b["node"]], svc_of[b["service"]], b["start"] - tr.t0,
                   b["end"] - tr.t0, b["term"], b["role"]] for b in tr.bands],
        "boots": boots,
        "leaders": [[b["service"], b["term"], b["node"], b["start"] - tr.t0, b["end"] - tr.t0]
                    for b in tr.leaders],
        "warnings": tr.warnings,
        "nwarnings": tracelib.warning_count(tr),
        "violations": tr.violations,
    }


def _script_json(obj):
    """JSON safe inside <script>: no `<`, `>` or `&` characters left."""
    s = json.dumps(obj, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(tr, title="cluster trace"):
    """The page, as a string."""
    with open(os.path.join(HERE, "trace_page.js")) as f:
        script = f.read()
    with open(os.path.join(HERE, "trace_page.css")) as f:
        css = f.read()
    return (TEMPLATE.replace("@TITLE@", html.escape(title))
            .replace("@CSS@", css)
            .replace("@DATA@", _script_json(page_data(tr, title)))
            .replace("@SCRIPT@", script.replace("</", "<\\/")))


def write(tr, path, title="cluster trace"):
    with open(path, "w") as f:
        f.write(render(tr, title))


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@TITLE@</title>
<script>
window.traceErrors = 0;
window.onerror = function (msg, src, line) {
  window.traceErrors += 1;
  if (document.body) {
    document.body.setAttribute("data-errors", String(window.traceErrors));
    var p = document.getElementById("jserrors");
    if (p) { p.hidden = false; p.textContent += "script error: " + msg + " (line " + line + ")\\n"; }
  }
  return false;
};
</script>
<style>
@CSS@
</style>
</head>
<body data-errors="0">
<header>
  <h1>@TITLE@</h1>
  <p id="summary"></p>
  <pre id="jserrors" hidden></pre>
  <ul id="violations"></ul>
  <details id="warnbox"><summary id="warnsum">warnings</summary><ul id="warnings"></ul></details>
</header>
<div id="toolbar">
  <button id="zin" title="zoom in (wheel up)">zoom +</button>
  <button id="zout" title="zoom out (wheel down)">zoom &minus;</button>
  <button id="left" title="earlier (drag right)">&#9664;</button>
  <button id="right" title="later (drag left)">&#9654;</button>
  <button id="reset" title="the whole trace">reset</button>
  <span id="viewinfo"></span>
</div>
<div id="main">
  <div id="plotbox"><svg id="diagram"></svg></div>
  <aside id="panel"><p class="hint">Click an event or an arrow for its details.
  Drag to pan, wheel to zoom.</p></aside>
</div>
<div id="legend"></div>
<script type="application/json" id="trace-data">@DATA@</script>
<script>
@SCRIPT@
</script>
</body>
</html>
"""
