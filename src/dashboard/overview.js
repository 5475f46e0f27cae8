// sturmglas dashboard, the overview (`/`): every brand with its level, its last 24 hours as a
// chart against the expected band, and the headline of its active alert; the brands in
// trouble first (critical, then warning, then by negative mentions in the window).
'use strict';

(() => {
  const { t, el } = SG;
  const RANK = { critical: 2, warning: 1, ok: 0 };
  const STEP = 900;

  /** Trouble first: level, then negative mentions in the window, then name. */
  function byTrouble(a, b) {
    return (RANK[b.level] || 0) - (RANK[a.level] || 0) || (b.negative || 0) - (a.negative || 0) || a.name.localeCompare(b.name);
  }

  /** The headline of an alert: its kind, its figures and its leading drivers. */
  function headline(a) {
    const box = el('div', 'headline');
    box.append(el('strong', null, t('kind.' + a.kind) + ': '), SG.headline(a));
    if (a.drivers && a.drivers.length) {
      box.append(el('div', 'drivers-line', a.drivers.slice(0, 4).map((d) => d.term).join(' · ')));
    }
    if (a.acknowledged_by) box.append(el('div', 'muted', t('brief.acked', a.acknowledged_by, SG.when(a.acknowledged_at))));
    return box;
  }

  async function card(b, active) {
    const c = el('article', 'card level-' + b.level);
    c.dataset.brand = b.name;
    c.dataset.level = b.level;
    const name = el('a', 'brand', b.name);
    name.href = SG.brandUrl(b.name);
    c.append(el('div', 'card-head', name, SG.levelBadge(b.level)));
    c.append(el('p', 'figures',
      t('fig.mentions', b.mentions, SG.duration(b.window_seconds)) + ' · ' +
      t('fig.expected', SG.num(b.expected)) + ' · ' +
      t('fig.negative', SG.pct(b.negative_share), SG.pct(b.usual_negative_share))));
    if (active) c.append(headline(active));
    const chart = el('div', 'chart');
    c.append(chart);
    return { c, chart };
  }

  async function load() {
    const [brands, alerts, sources] = await Promise.all([
      SG.api('/api/v1/brands'), SG.api('/api/v1/alerts?limit=100'), SG.api('/api/v1/sources'),
    ]);
    const now = new Date();
    const from = new Date(now.getTime() - 86400e3).toISOString();
    const series = await Promise.all(brands.map((b) =>
      SG.api('/api/v1/brands/' + encodeURIComponent(b.name) + '/series?step=15m&from=' + encodeURIComponent(from))
        .catch(() => null)));
    const byName = new Map(brands.map((b, i) => [b.name, series[i]]));
    brands.sort(byTrouble);
    const box = document.getElementById('brands');
    const cards = [];
    for (const b of brands) {
      const mine = alerts.filter((a) => a.brand === b.name);
      const active = b.level !== 'ok' ? mine.find((a) => a.status === 'firing') : null;
      const { c, chart } = await card(b, active);
      const s = byName.get(b.name);
      if (s) chart.append(SGChart.draw(s.points, s.step_seconds, { width: 560, height: 150, compact: true, periods: SG.periods(mine) }));
      cards.push(c);
    }
    box.replaceChildren(...cards);
    if (!brands.length) box.replaceChildren(el('p', 'muted', t('overview.none')));

    const ts = document.getElementById('sources');
    ts.replaceChildren();
    for (const s of sources) {
      ts.append(el('tr', null,
        el('td', null, (s.name || '') + (s.kind ? ' (' + s.kind + ')' : '')),
        el('td', null, s.state || '—'),
        el('td', null, SG.when(s.last_success)),
        el('td', 'muted', s.last_error || '—')));
    }
    if (!sources.length) ts.append(SG.noteRow(4, t('sources.none')));
  }

  document.addEventListener('DOMContentLoaded', () => {
    SG.legend('legend', true);
    SG.poll(load, 5000);
  });
})();
