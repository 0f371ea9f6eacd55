// tools/trace_page.js: the trace page's script (tools/trace_html.py inlines
// it after the JSON block #trace-data). It draws the space-time diagram in
// <svg id="diagram">: one lane per node, time left to right over the view
// window [view.a, view.b] (ns since the trace's first event). Each draw()
// rebuilds only what lies in the window (culling), then sets data-lanes,
// data-events, data-arrows on <body>. Text from the trace only ever goes in
// through textContent, never as markup.
"use strict";
(function () {
  var dataEl = document.getElementById("trace-data");
  var D = JSON.parse(dataEl.textContent);
  dataEl.textContent = "";  // parsed: the DOM need not keep megabytes of text
  var SVGNS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("diagram");
  var CATS = ["call", "reply", "oneway", "raft", "migrate"];
  var CAT_TEXT = {
    call: "call (call=1)", reply: "reply", oneway: "one-way (call=0)",
    raft: "Raft: one-way, between a replicated service's processes",
    migrate: "process moved"
  };
  var KIND_CLASS = {
    send: "msg", recv: "msg", reply_send: "reply", reply_recv: "reply", call_fail: "fail",
    boot: "boot", role: "raft", election: "raft", commit: "log", snapshot: "log",
    lease: "lease", migrate_out: "migrate", migrate_in: "migrate", fs_primary: "fs"
  };
  var KIND_TEXT = [["msg", "send / recv"], ["reply", "reply_send / reply_recv"],
    ["fail", "call_fail"], ["boot", "boot"], ["raft", "role / election"],
    ["log", "commit / snapshot"], ["lease", "lease"], ["migrate", "migrate_out / _in"],
    ["fs", "fs_primary"], ["other", "other kinds"]];
  var KNOWN_KEYS = {node: 1, boot: 1, seq: 1, lam: 1, ns: 1, pid: 1, kind: 1, trace: 1,
    span: 1, parent: 1, peer: 1, msg: 1, call: 1, port: 1, latency_ns: 1, error: 1,
    service: 1, role: 1, term: 1, index: 1, what: 1, text: 1, leader: 1};

  var LEFT = 92, RIGHT = 14, AXIS = 26, STRIP = 12;
  var MIN_WIDTH = 100;  // ns: the narrowest window zoom goes to
  var nsvc = D.services.length;
  var laneH = 64 + nsvc * STRIP;
  var nlanes = D.lanes.length;
  var span = Math.max(D.span, 1000);
  var pad = span * 0.02;
  var full = {a: -pad, b: span + pad};
  var view = {a: full.a, b: full.b};
  var W = 800;
  var selected = {ev: -1, arrow: -1};

  // arrows ending or starting at each event, for the details panel
  var arrowsOf = {};
  D.arrows.forEach(function (ar, k) {
    (arrowsOf[ar[0]] = arrowsOf[ar[0]] || []).push(k);
    (arrowsOf[ar[1]] = arrowsOf[ar[1]] || []).push(k);
  });

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(name, text, parent, cls) {
    var e = document.createElement(name);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  function X(t) { return LEFT + (t - view.a) * W / (view.b - view.a); }
  function T(x) { return view.a + (x - LEFT) * (view.b - view.a) / W; }
  function laneTop(l) { return AXIS + l * laneH; }
  function markY(l) { return laneTop(l) + 6 + nsvc * STRIP + (laneH - 6 - nsvc * STRIP) / 2; }
  function fmtTime(ns, step) {
    var a = Math.abs(ns), unit, div;
    var s = step || a;
    if (s >= 1e9 || a >= 1e10) { unit = " s"; div = 1e9; }
    else if (s >= 1e6) { unit = " ms"; div = 1e6; }
    else if (s >= 1e3) { unit = " \u00b5s"; div = 1e3; }
    else { unit = " ns"; div = 1; }
    var digits = step ? Math.max(0, Math.ceil(-Math.log10(step / div) + 0.001)) : 3;
    return (ns / div).toFixed(Math.min(digits, 6)) + unit;
  }
  function kindClass(kind) { return KIND_CLASS[kind] || "other"; }

  // The key=value pairs of an event, as the node printed them (text= last):
  // the common ones from D.ev, the others from D.body.
  function fields(i) {
    var e = D.ev[i], s = D.body[i], pos = 0;
    var out = [["node", String(D.lanes[e[0]].node)], ["boot", String(e[6])],
      ["seq", String(e[3])], ["lam", String(e[4])], ["ns", e[7]], ["pid", String(e[5])],
      ["kind", e[2]]];
    while (pos < s.length) {
      if (s[pos] === " ") { pos++; continue; }
      if (s.substr(pos, 5) === "text=") { out.push(["text", s.substr(pos + 5)]); break; }
      var end = s.indexOf(" ", pos);
      if (end < 0) end = s.length;
      var tok = s.substring(pos, end), eq = tok.indexOf("=");
      out.push(eq > 0 ? [tok.substring(0, eq), tok.substring(eq + 1)] : ["?", tok]);
      pos = end;
    }
    return out;
  }
  function evLabel(i) {
    var e = D.ev[i];
    return "node " + D.lanes[e[0]].node + " seq " + e[3] + " " + e[2];
  }

  // ---- static parts: defs, lanes and labels --------------------------------
  var defs = el("defs", {}, svg);
  CATS.forEach(function (c) {
    var m = el("marker", {id: "ah-" + c, viewBox: "0 0 10 10", refX: 14, refY: 5,
      markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse",
      orient: "auto"}, defs);
    el("path", {d: "M0,0 L10,5 L0,10 z", "class": "c-" + c, style: "stroke:none"}, m);
  });
  var clip = el("clipPath", {id: "plotclip"}, defs);
  var clipRect = el("rect", {x: LEFT, y: 0, width: 100, height: 100}, clip);
  var gLanes = el("g", {id: "lanes"}, svg);
  var gAxis = el("g", {id: "axis"}, svg);
  var gPlot = el("g", {id: "plot", "clip-path": "url(#plotclip)"}, svg);
  var gLabels = el("g", {id: "labels"}, svg);

  function drawStatic() {
    var H = AXIS + nlanes * laneH + 8;
    svg.setAttribute("width", LEFT + W + RIGHT);
    svg.setAttribute("height", H);
    clipRect.setAttribute("width", W);
    clipRect.setAttribute("height", H);
    gLanes.textContent = "";
    gLabels.textContent = "";
    D.lanes.forEach(function (ln, l) {
      el("rect", {x: 0, y: laneTop(l), width: LEFT + W + RIGHT, height: laneH,
        "class": "lanebg" + (l % 2 ? " odd" : "")}, gLanes);
      var lab = el("text", {x: 8, y: markY(l) + 4, "class": "lanelabel"}, gLabels);
      lab.textContent = "node " + ln.node;
      if (ln.dropped) {
        var d = el("text", {x: 8, y: markY(l) + 17, "class": "lanedrop"}, gLabels);
        d.textContent = ln.dropped + " dropped";
      }
      for (var s = 0; s < nsvc; s++) {
        var sl = el("text", {x: 8, y: laneTop(l) + 6 + s * STRIP + 9, "class": "bandlabel"},
          gLabels);
        sl.textContent = D.services[s];
      }
    });
  }

  // ---- the dynamic part: what lies in the window ---------------------------
  function drawAxis() {
    gAxis.textContent = "";
    var H = AXIS + nlanes * laneH;
    var raw = (view.b - view.a) / Math.max(2, Math.floor(W / 110));
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * p; })
      .filter(function (s) { return s >= raw; })[0];
    for (var t = Math.ceil(view.a / step) * step; t <= view.b; t += step) {
      var x = X(t);
      el("line", {x1: x, x2: x, y1: AXIS - 4, y2: H, "class": "grid"}, gAxis);
      if (x > LEFT + W - 50) continue;  // no room for its label
      var lab = el("text", {x: x + 2, y: AXIS - 8, "class": "ticklabel"}, gAxis);
      lab.textContent = fmtTime(t, step);
    }
  }

  function bandFill(term, leader) {
    var h = (term * 67) % 360;
    return "hsl(" + h + "," + (leader ? 70 : 55) + "%," + (leader ? 68 : 86) + "%)";
  }

  function draw() {
    var started = window.performance.now();
    W = Math.max(300, document.getElementById("plotbox").clientWidth - LEFT - RIGHT);
    drawStatic();
    drawAxis();
    gPlot.textContent = "";
    var a = view.a, b = view.b, nev = 0, narr = 0;
    var gB = el("g", {id: "bands"}, gPlot);
    D.bands.forEach(function (bd, k) {
      if (bd[3] < a || bd[2] > b) return;
      var x1 = Math.max(X(bd[2]), LEFT - 2), x2 = Math.min(X(bd[3]), LEFT + W + 2);
      var y = laneTop(bd[0]) + 6 + bd[1] * STRIP;
      var leader = bd[5] === "leader";
      var r = el("rect", {x: x1, y: y, width: Math.max(x2 - x1, 1), height: STRIP - 1,
        fill: bandFill(bd[4], leader), "class": "band" + (leader ? " leader" : ""),
        "data-b": k}, gB);
      el("title", {}, r).textContent = D.services[bd[1]] + " term " + bd[4] + ", " + bd[5] +
        " (node " + D.lanes[bd[0]].node + ")";
      if (x2 - x1 > 26) {
        var t = el("text", {x: x1 + 3, y: y + 9, "class": "bandlabel"}, gB);
        t.textContent = "t" + bd[4] + (leader ? " leader" : x2 - x1 > 90 ? " " + bd[5] : "");
      }
    });
    D.boots.forEach(function (bt) {
      if (bt[1] < a || bt[1] > b) return;
      var x = X(bt[1]);
      el("line", {x1: x, x2: x, y1: laneTop(bt[0]) + 2, y2: laneTop(bt[0]) + laneH - 2,
        "class": "bootline"}, gPlot);
    });
    var gA = el("g", {id: "arrows"}, gPlot);
    D.arrows.forEach(function (ar, k) {
      var s = D.ev[ar[0]], r = D.ev[ar[1]];
      if (Math.max(s[1], r[1]) < a || Math.min(s[1], r[1]) > b) return;
      el("line", {x1: X(s[1]), y1: markY(s[0]), x2: X(r[1]), y2: markY(r[0]),
        "class": "arrow c-" + ar[2] + (k === selected.arrow ? " sel" : ""),
        "marker-end": "url(#ah-" + ar[2] + ")", "data-k": k}, gA);
      narr++;
    });
    var gE = el("g", {id: "events"}, gPlot);
    for (var i = 0; i < D.ev.length; i++) {
      var e = D.ev[i];
      if (e[1] < a || e[1] > b) continue;
      var cls = "ev k-" + kindClass(e[2]) + (i === selected.ev ? " sel" : "");
      var x = X(e[1]), y = markY(e[0]);
      if (e[2] === "boot") {
        el("rect", {x: x - 4, y: y - 4, width: 8, height: 8, "class": cls, "data-i": i}, gE);
      } else {
        el("circle", {cx: x, cy: y, r: e[2] === "call_fail" ? 5 : 3.6, "class": cls,
          "data-i": i}, gE);
      }
      nev++;
    }
    document.getElementById("viewinfo").textContent = "showing " + fmtTime(a) + " \u2026 " +
      fmtTime(b) + " (" + fmtTime(b - a) + " wide): " + nev + " events, " + narr + " arrows";
    document.body.setAttribute("data-lanes", String(nlanes));
    document.body.setAttribute("data-events", String(nev));
    document.body.setAttribute("data-arrows", String(narr));
    document.body.setAttribute("data-errors", String(window.traceErrors || 0));
    document.body.setAttribute("data-draw-ms", String(Math.round(window.performance.now() -
      started)));
  }

  var pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; draw(); });
  }

  // ---- zoom and pan ----------------------------------------------------------
  function zoom(f, c) {
    if (c === undefined) c = (view.a + view.b) / 2;
    var w = (view.b - view.a) / f;
    w = Math.min(Math.max(w, MIN_WIDTH), (full.b - full.a) * 4);
    var k = (c - view.a) / (view.b - view.a);
    view.a = c - k * w;
    view.b = view.a + w;
    redraw();
  }
  function pan(frac) {
    var d = (view.b - view.a) * frac;
    view.a += d;
    view.b += d;
    redraw();
  }
  function reset() { view.a = full.a; view.b = full.b; redraw(); }
  document.getElementById("zin").onclick = function () { zoom(2); };
  document.getElementById("zout").onclick = function () { zoom(0.5); };
  document.getElementById("left").onclick = function () { pan(-0.25); };
  document.getElementById("right").onclick = function () { pan(0.25); };
  document.getElementById("reset").onclick = reset;
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var box = svg.getBoundingClientRect();
    if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
      pan((ev.deltaX || ev.deltaY) / 1000);
    } else {
      zoom(Math.exp(-ev.deltaY * 0.002), T(ev.clientX - box.left));
    }
  }, {passive: false});
  // A drag pans; the click that ends a drag selects nothing.
  var drag = null, dragged = false;
  svg.addEventListener("mousedown", function (ev) {
    drag = {x: ev.clientX, a: view.a, b: view.b, moved: false};
    dragged = false;
    svg.classList.add("dragging");
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    var dx = ev.clientX - drag.x;
    if (Math.abs(dx) > 3) drag.moved = true;
    if (!drag.moved) return;
    var dt = -dx * (drag.b - drag.a) / W;
    view.a = drag.a + dt;
    view.b = drag.b + dt;
    redraw();
  });
  window.addEventListener("mouseup", function () {
    svg.classList.remove("dragging");
    dragged = !!(drag && drag.moved);
    drag = null;
  });
  window.addEventListener("resize", redraw);

  // ---- details -------------------------------------------------------------
  var panel = document.getElementById("panel");
  function row(table, k, v, cls) {
    var tr = html("tr", null, table);
    html("td", k, tr, "k");
    html("td", v, tr, cls);
  }
  function link(parent, text, fn) {
    var a = html("a", text, parent);
    a.onclick = fn;
    return a;
  }
  function showEvent(i) {
    selected.ev = i;
    selected.arrow = -1;
    var e = D.ev[i];
    panel.textContent = "";
    html("h3", evLabel(i), panel);
    var t = html("table", null, panel);
    row(t, "display time", fmtTime(e[1]) + " (since the first event)");
    fields(i).forEach(function (kv) {
      row(t, kv[0], kv[1], KNOWN_KEYS[kv[0]] ? "" : "unknown");
    });
    (arrowsOf[i] || []).forEach(function (k) {
      var ar = D.arrows[k], other = ar[0] === i ? ar[1] : ar[0];
      var p = html("p", (ar[0] === i ? "\u2192 to " : "\u2190 from ") + "", panel);
      link(p, evLabel(other), function () { showEvent(other); redraw(); });
      p.appendChild(document.createTextNode(" (" + ar[2] + ", " + ar[3] + ", " +
        fmtTime(D.ev[ar[1]][1] - D.ev[ar[0]][1]) + " later)"));
    });
  }
  function showArrow(k) {
    selected.arrow = k;
    selected.ev = -1;
    var ar = D.arrows[k];
    panel.textContent = "";
    html("h3", ar[2] + " " + ar[3], panel);
    var t = html("table", null, panel);
    row(t, "from", evLabel(ar[0]));
    row(t, "to", evLabel(ar[1]));
    row(t, "drawn delay", fmtTime(D.ev[ar[1]][1] - D.ev[ar[0]][1]));
    row(t, "lam", D.ev[ar[0]][4] + " \u2192 " + D.ev[ar[1]][4]);
    [ar[0], ar[1]].forEach(function (i) {
      var p = html("p", null, panel);
      link(p, "details of " + evLabel(i), function () { showEvent(i); redraw(); });
    });
  }
  svg.addEventListener("click", function (ev) {
    if (dragged) { dragged = false; return; }
    var tg = ev.target;
    if (tg.hasAttribute("data-i")) { showEvent(+tg.getAttribute("data-i")); redraw(); }
    else if (tg.hasAttribute("data-k")) { showArrow(+tg.getAttribute("data-k")); redraw(); }
  });
  // tooltips are made on first hover: 20k <title>s up front would cost
  svg.addEventListener("mouseover", function (ev) {
    var tg = ev.target;
    if (tg.firstChild) return;
    if (tg.hasAttribute("data-i")) {
      var i = +tg.getAttribute("data-i");
      el("title", {}, tg).textContent = evLabel(i) + "\n" + D.body[i];
    } else if (tg.hasAttribute("data-k")) {
      var ar = D.arrows[+tg.getAttribute("data-k")];
      el("title", {}, tg).textContent = ar[2] + " " + ar[3] + ": " + evLabel(ar[0]) +
        " \u2192 " + evLabel(ar[1]);
    }
  });

  // ---- header and legend ---------------------------------------------------
  function drawHeader() {
    document.getElementById("summary").textContent = D.summary;
    var v = document.getElementById("violations");
    D.violations.forEach(function (s) { html("li", s, v); });
    var w = document.getElementById("warnings");
    D.warnings.forEach(function (s) { html("li", s, w); });
    document.getElementById("warnsum").textContent = D.nwarnings + " warnings" +
      (D.nwarnings > D.warnings.length ? " (the first of each kind listed)" : "");
    if (!D.warnings.length) document.getElementById("warnbox").hidden = true;
    var lg = document.getElementById("legend");
    html("b", "Arrows: ", lg);
    CATS.forEach(function (c) {
      var it = html("span", null, lg, "item");
      var s = el("svg", {width: 34, height: 10}, it);
      el("line", {x1: 2, y1: 5, x2: 32, y2: 5, "class": "arrow c-" + c}, s);
      it.appendChild(document.createTextNode(" " + CAT_TEXT[c]));
    });
    html("br", null, lg);
    html("b", "Events: ", lg);
    KIND_TEXT.forEach(function (kt) {
      var it = html("span", null, lg, "item");
      var s = el("svg", {width: 12, height: 10}, it);
      el("circle", {cx: 6, cy: 5, r: 4, "class": "ev k-" + kt[0]}, s);
      it.appendChild(document.createTextNode(" " + kt[1]));
    });
    html("br", null, lg);
    html("b", "Bands: ", lg);
    html("span", "a strip per replicated service at the top of each lane, coloured by " +
      "Raft term (tN); outlined and darker while that node is its leader. A dashed line " +
      "marks a new boot of the node.", lg);
  }

  // ---- self-test (#selftest): exercise the interactive paths ----------------
  // What a user does, as DOM events: the handlers above, not just the
  // functions they call.
  function selftest() {
    var why = [];
    var before = document.body.getAttribute("data-arrows");
    var box = svg.getBoundingClientRect();
    function width() { return view.b - view.a; }
    function mouse(target, type, x) {
      target.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true,
        clientX: box.left + x, clientY: box.top + AXIS + 10}));
    }
    var line = svg.querySelector("line[data-k]");
    if (line) {
      var k = +line.getAttribute("data-k");
      line.dispatchEvent(new MouseEvent("click", {bubbles: true}));
      draw();
      if (panel.textContent.indexOf(D.arrows[k][3]) < 0) why.push("arrow click: no panel");
      if (!svg.querySelector("line.sel")) why.push("arrow click: not highlighted");
      var links = panel.querySelectorAll("a");
      if (links.length !== 2) why.push("arrow panel: " + links.length + " links");
      else links[1].click();
      var i = D.arrows[k][1];
      fields(i).forEach(function (kv) {
        if (panel.textContent.indexOf(kv[0] + kv[1]) < 0) why.push("event panel lacks " + kv[0]);
      });
    }
    var mark = svg.querySelector("[data-i]");
    mark.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
    if (!mark.querySelector("title")) why.push("no tooltip");
    mark.dispatchEvent(new MouseEvent("click", {bubbles: true}));
    if (panel.querySelector("h3").textContent !== evLabel(+mark.getAttribute("data-i")))
      why.push("event click");
    var w0 = width();
    document.getElementById("zin").click();
    if (Math.abs(width() - w0 / 2) > 1) why.push("zoom + button");
    document.getElementById("zout").click();
    if (Math.abs(width() - w0) > 1) why.push("zoom - button");
    svg.dispatchEvent(new WheelEvent("wheel", {deltaY: -300, bubbles: true, cancelable: true,
      clientX: box.left + LEFT + W / 4, clientY: box.top + AXIS + 10}));
    if (!(width() < w0 * 0.7)) why.push("wheel zoom");
    draw();
    if (+document.body.getAttribute("data-events") > D.ev.length) why.push("zoom drew more");
    reset();
    draw();  // every event in view (and in the DOM) for the clicks below
    var a0 = view.a, w1 = width();
    mouse(svg, "mousedown", LEFT + 300);
    mouse(window, "mousemove", LEFT + 400);
    mouse(window, "mouseup", LEFT + 400);
    if (!(view.a < a0) || Math.abs(width() - w1) > 1) why.push("drag pan");
    showArrow(0);
    var sel = panel.innerHTML, other = svg.querySelector("[data-i]");
    if (!other) why.push("no event in view to click after the drag");
    else mouse(other, "click", 0);
    if (panel.innerHTML !== sel) why.push("the click ending a drag selected");
    mouse(svg, "mousedown", LEFT + 300);
    mouse(window, "mouseup", LEFT + 300);
    if (other) mouse(other, "click", 0);
    if (panel.innerHTML === sel) why.push("a click (no drag) did not select");
    a0 = view.a;
    document.getElementById("right").click();
    if (!(view.a > a0)) why.push("pan button");
    for (var n = 0; n < 60; n++) document.getElementById("zin").click();
    if (Math.abs(width() - MIN_WIDTH) > 1) why.push("zoom limit: " + width());
    draw();
    document.getElementById("reset").click();
    draw();
    if (view.a !== full.a || view.b !== full.b) why.push("reset");
    if (document.body.getAttribute("data-arrows") !== before) why.push("reset arrows");
    if (line) showEvent(D.arrows[k][1]);  // left shown: the receiving end of an arrow
    document.body.setAttribute("data-selftest", why.length ? why.join("; ") : "ok");
  }

  drawHeader();
  draw();
  if (window.location.hash === "#selftest") selftest();
})();
