// Charts as inline SVG, drawn here: stacked bars, a line, bars against a target. Each chart has
// a text title, a legend, and its numbers as a real table under "数据表 table" (a <details> the
// keyboard opens); no series is told apart by hue alone (see console.css), and a bar below its
// target is marked with text.

import { h } from "./ui.js";

const W = 960;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 36 };

/** The chart's numbers as a table: `head` the column titles, `rows` arrays of cells. */
function data(head, rows) {
  return h("details", { class: "chart-data" }, h("summary", {}, "数据表 table"),
    h("table", {}, h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.map(([first, ...rest]) => h("tr", {}, h("th", { scope: "row" }, first),
        rest.map((v) => h("td", { class: "num" }, v ?? "—")))))));
}

function frame(title, legend, table, ...content) {
  return h("figure", { class: "chart" },
    h("figcaption", {}, title),
    legend.length ? h("ul", { class: "legend" }, legend.map((item, i) => {
      const [name, swatch] = Array.isArray(item) ? item : [item, `s${i}`];
      return h("li", {}, swatch ? h("span", { class: `swatch ${swatch}`, "aria-hidden": "true" })
        : "", name);
    })) : "",
    h("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, width: W, height: H },
      ...content),
    table);
}

/** A nice upper bound for an axis. */
function top(max) {
  if (max <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / step) * step;
}

function axes(max, labels, every) {
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const parts = [];
  for (const v of [0, max / 2, max]) {
    parts.push(h("line", { class: "gridline", x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }));
    parts.push(h("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, fmt(v)));
  }
  const slot = (W - PAD.left - PAD.right) / Math.max(labels.length, 1);
  labels.forEach((text, i) => {
    if (i % every === 0) {
      parts.push(h("text", { x: PAD.left + slot * (i + 0.5), y: H - PAD.bottom + 16,
        "text-anchor": "middle" }, text));
    }
  });
  parts.push(h("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0) }));
  return { parts, y, slot };
}

const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** One stacked bar per label: `series` [{name, values[]}] stacked bottom up. */
export function stackedBars(title, labels, series) {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = top(Math.max(0, ...totals));
  const { parts, y, slot } = axes(max, labels, Math.ceil(labels.length / 12));
  const bars = labels.map((text, i) => {
    let base = 0;
    return series.map((s, k) => {
      const value = s.values[i] ?? 0;
      const rect = h("rect", { class: `s${k}`, x: PAD.left + slot * i + slot * 0.15,
        width: slot * 0.7, y: y(base + value), height: y(base) - y(base + value) },
        h("title", {}, `${text} ${s.name}: ${value}`));
      base += value;
      return rect;
    });
  });
  const table = data(["时 hour", ...series.map((s) => s.name)],
    labels.map((text, i) => [text, ...series.map((s) => String(s.values[i] ?? 0))]));
  return frame(title, series.map((s) => s.name), table, ...parts, ...bars);
}

/** Lines over the labels: `series` [{name, values[], dashed}]. */
export function lines(title, labels, series, unit = "") {
  const max = top(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v != null))));
  const { parts, y, slot } = axes(max, labels, Math.ceil(labels.length / 12));
  const drawn = series.map((s) => {
    const points = s.values.map((v, i) => (v == null ? null : [PAD.left + slot * (i + 0.5), y(v), v, i]))
      .filter(Boolean);
    const kind = `lagline${s.dashed ? " mean" : ""}`;
    return [
      h("polyline", { class: kind, points: points.map(([x, py]) => `${x},${py}`).join(" ") }),
      // a point per value: an hour alone, with no neighbour to join, still shows
      points.map(([x, py, v, i]) => h("circle", { class: `${kind} dot`, cx: x, cy: py, r: 3 },
        h("title", {}, `${labels[i]} ${s.name}: ${v} ${unit}`))),
    ];
  });
  const legend = series.map((s) => [`${s.name}${s.dashed ? " (虚线 dashed)" : " (实线 solid)"}`, null]);
  const table = data(["时 hour", ...series.map((s) => `${s.name} (${unit})`)],
    labels.map((text, i) => [text, ...series.map((s) => (s.values[i] == null ? null : String(s.values[i])))]));
  return frame(title, legend, table, ...parts, ...drawn);
}

/** One bar per item, with a target mark where an item has one: [{name, value, target}]. */
export function barsWithTargets(title, items, unit = "") {
  const max = top(Math.max(0, ...items.flatMap((x) => [x.value ?? 0, x.target ?? 0])));
  const { parts, y, slot } = axes(max, items.map((x) => x.name), 1);
  const bars = items.map((x, i) => {
    const left = PAD.left + slot * i + slot * 0.2;
    const drawn = [h("rect", { class: x.met === false ? "s2" : "s0", x: left, width: slot * 0.6,
      y: y(x.value ?? 0), height: y(0) - y(x.value ?? 0) },
      h("title", {}, `${x.name}: ${x.value ?? 0}${unit}` + (x.target != null ? ` / ${x.target}` : "")))];
    if (x.target != null) {
      drawn.push(h("line", { class: "target", x1: left - 4, x2: left + slot * 0.6 + 4,
        y1: y(x.target), y2: y(x.target) }));
    }
    if (x.met === false) { // said in text above the bar, not by its colour alone
      drawn.push(h("text", { class: "miss", x: left + slot * 0.3, "text-anchor": "middle",
        y: Math.max(PAD.top + 12, Math.min(y(x.value ?? 0), x.target != null ? y(x.target) : H) - 6) },
        "✗", h("title", {}, `${x.name}: 未达标 below target`)));
    }
    return drawn;
  });
  const legend = [["数值 value", "s0"], ["✗ 未达标 below target (虚线框 dashed outline)", "s2"]];
  if (items.some((x) => x.target != null)) legend.push(["横线为目标 the line is the target", null]);
  const table = data(["项目 item", `数值 value${unit ? ` (${unit})` : ""}`, "目标 target", "达标 met"],
    items.map((x) => [x.name, String(x.value ?? 0), x.target != null ? String(x.target) : null,
      x.met === false ? "✗ 否 no" : x.met ? "是 yes" : null]));
  return frame(title, legend, table, ...parts, ...bars);
}
