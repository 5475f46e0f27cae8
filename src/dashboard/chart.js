// sturmglas dashboard: the chart, drawn as SVG from a brand's series — mentions per step as
// bars with their negative part, the negative share as a line on its own 0–100 % axis, the
// band the baseline expected (expected ± two Poisson standard deviations, the same rate the
// storm brief's PNG chart shows) and the alert periods as shaded spans.
// A pure function of its input: no fetches, no state; labels come from SG.t.
'use strict';

const SGChart = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  /** The fewest mentions in a step for its negative share to be drawn. */
  const MIN_SHARE_COUNT = 3;

  function node(tag, attrs, cls) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (cls) e.setAttribute('class', cls);
    return e;
  }

  function text(x, y, s, cls, anchor) {
    const e = node('text', { x, y, 'text-anchor': anchor || 'start' }, cls || 'axis');
    e.textContent = s;
    return e;
  }

  /** A round number at or above `x`: 1, 2 or 5 times a power of ten. */
  function nice(x) {
    if (x <= 1) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
    return 10 * p;
  }

  function upper(e) { return e + 2 * Math.sqrt(e); }
  function lower(e) { return Math.max(0, e - 2 * Math.sqrt(e)); }

  function tickLabel(ms, spanMs) {
    const d = new Date(ms);
    const loc = SG.lang === 'de' ? 'de-DE' : 'en-GB';
    if (spanMs <= 2 * 86400e3) return d.toLocaleTimeString(loc, { hour: '2-digit', minute: '2-digit' });
    return d.toLocaleDateString(loc, { day: '2-digit', month: '2-digit' });
  }

  /**
   * The chart of `points` ({t, mentions, negative, expected}, oldest first, `step` seconds
   * apart) as an <svg> element. opts: width, height (the viewBox; it scales to its box),
   * periods ([{from, to, level}] in ms), compact (fewer labels).
   */
  function draw(points, step, opts) {
    const o = opts || {};
    const W = o.width || 800;
    const H = o.height || 240;
    const L = 40, R = 44, T = 10, B = o.compact ? 18 : 24;
    const pw = W - L - R, ph = H - T - B;
    const n = points.length;
    const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'data-points': n }, 'chart-svg');
    const title = node('title');
    title.textContent = SG.t('chart.title', SG.duration(step));
    svg.append(title);
    if (!n) return svg;
    const t0 = Date.parse(points[0].t);
    const span = n * step * 1000;
    const xAt = (ms) => L + Math.min(Math.max((ms - t0) / span, 0), 1) * pw;
    const xi = (i) => L + (i / n) * pw;
    let top = 1;
    let total = 0, negatives = 0;
    for (const p of points) {
      top = Math.max(top, p.mentions, upper(p.expected));
      total += p.mentions;
      negatives += p.negative;
    }
    top = nice(top * 1.05);
    svg.setAttribute('data-mentions', total);
    svg.setAttribute('data-negative', negatives);
    const y = (v) => T + ph - (v / top) * ph;
    const yShare = (s) => T + ph - s * ph;

    // Grid and axes.
    for (const f of [0, 0.5, 1]) {
      svg.append(node('line', { x1: L, x2: L + pw, y1: T + ph * (1 - f), y2: T + ph * (1 - f) }, 'grid'));
    }
    svg.append(text(L - 4, T + 10, SG.num(top, 0), 'axis', 'end'));
    svg.append(text(L - 4, T + ph, '0', 'axis', 'end'));
    svg.append(text(L + pw + 4, T + 10, '100%', 'axis share-axis'));
    svg.append(text(L + pw + 4, T + ph, '0%', 'axis share-axis'));
    const ticks = o.compact ? 3 : 6;
    for (let k = 0; k <= ticks; k++) {
      const ms = t0 + (span * k) / ticks;
      const anchor = k === 0 ? 'start' : k === ticks ? 'end' : 'middle';
      svg.append(text(xAt(ms), H - 6, tickLabel(ms, span), 'axis', anchor));
    }

    // Alert periods under everything else.
    for (const p of o.periods || []) {
      if (p.to < t0 || p.from > t0 + span) continue;
      const x0 = xAt(p.from), x1 = Math.max(xAt(p.to), x0 + 2);
      svg.append(node('rect', { x: x0, y: T, width: x1 - x0, height: ph, 'data-level': p.level }, 'period ' + p.level));
    }

    // The expected band and its centre line, through the middle of each step.
    const mid = (i) => xi(i) + pw / n / 2;
    let band = '';
    points.forEach((p, i) => { band += (i ? 'L' : 'M') + mid(i).toFixed(1) + ' ' + y(upper(p.expected)).toFixed(1); });
    for (let i = n - 1; i >= 0; i--) band += 'L' + mid(i).toFixed(1) + ' ' + y(lower(points[i].expected)).toFixed(1);
    svg.append(node('path', { d: band + 'Z' }, 'band'));
    svg.append(node('polyline', { points: points.map((p, i) => mid(i).toFixed(1) + ',' + y(p.expected).toFixed(1)).join(' ') }, 'expected'));

    // Bars: all mentions, and the negative part of them.
    const bw = Math.max(pw / n - (n > 200 ? 0 : 1), 0.6);
    points.forEach((p, i) => {
      if (!p.mentions) return;
      svg.append(node('rect', { x: xi(i).toFixed(1), y: y(p.mentions).toFixed(1), width: bw.toFixed(2), height: (T + ph - y(p.mentions)).toFixed(1) }, 'bar'));
      if (p.negative) {
        svg.append(node('rect', { x: xi(i).toFixed(1), y: y(p.negative).toFixed(1), width: bw.toFixed(2), height: (T + ph - y(p.negative)).toFixed(1) }, 'neg'));
      }
    });

    // The negative share where there were enough mentions for a share to mean something
    // (one negative post of one is no "100 %"); a gap elsewhere.
    let seg = [];
    const flush = () => {
      if (seg.length === 1) svg.append(node('circle', { cx: seg[0][0], cy: seg[0][1], r: 2.5 }, 'share-dot'));
      if (seg.length > 1) svg.append(node('polyline', { points: seg.map((q) => q.join(',')).join(' ') }, 'share'));
      seg = [];
    };
    points.forEach((p, i) => {
      if (p.mentions < MIN_SHARE_COUNT) return flush();
      seg.push([mid(i).toFixed(1), yShare(p.negative / p.mentions).toFixed(1)]);
    });
    flush();
    return svg;
  }

  return { draw };
})();
