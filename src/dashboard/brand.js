// sturmglas dashboard, a brand's page (`/brands/{name}`): the timeline over 24 h, 7 d or 30 d
// with the alert periods marked, the brief of the active or a chosen alert (drivers, sources,
// distinct posts with their copies, first posts), the actions (acknowledge, silence, end a
// silence) and the recent mentions, filterable by label and source.
'use strict';

(() => {
  const { t, el } = SG;
  const name = decodeURIComponent(location.pathname.slice('/brands/'.length));
  const RANGES = { '24h': [86400, '15m'], '7d': [7 * 86400, '1h'], '30d': [30 * 86400, '6h'] };
  let range = '24h';
  let chosen = null; // the thread key the person picked, or null for the active/newest one
  // `#alert=ID` (the alerts page's links): show the thread of that notice.
  const wanted = new URLSearchParams(location.hash.slice(1)).get('alert');
  let shown = null; // the alert notice whose brief is shown
  let threadKeys = '';
  const sources = new Set();

  const key = (a) => a.kind + '\u0000' + a.started_at;

  /** One post: when, where, label, who, the text (as text) and its link (http(s) only). */
  function post(m, extra) {
    const meta = el('div', 'meta');
    if (m.created_at || m.at) meta.append(el('span', null, SG.when(m.created_at || m.at)));
    if (m.source) meta.append(el('span', 'source', m.source));
    if (m.label) meta.append(el('span', 'label ' + m.label, t('label.' + m.label)));
    if (m.author) meta.append(el('span', 'author', m.author));
    if (extra) meta.append(el('span', 'copies', extra));
    const li = el('li', 'post', meta, el('p', 'text', m.text || ''));
    if (SG.safeUrl(m.url)) li.append(SG.link(m.url, m.url, 'url'));
    return li;
  }

  function section(title, ...children) {
    return el('div', 'brief-part', el('h3', null, title), ...children);
  }

  function renderBrief(a) {
    const box = document.getElementById('brief');
    if (!a) {
      box.replaceChildren(el('p', 'muted', t('brand.no_alert')));
      return;
    }
    const head = el('div', 'brief-head', SG.levelBadge(a.level), ' ',
      el('strong', null, t('kind.' + a.kind)), ' · ', t('status.' + a.status), ' · ',
      t('fig.since', SG.when(a.started_at)));
    const reasons = el('ul', 'reasons', ...(a.reasons || []).map((r) => el('li', null, r)));
    const parts = [head, el('p', 'headline', SG.headline(a)), reasons];
    if (a.silenced_by) parts.push(el('p', 'note', t('brief.silenced', a.silenced_by)));
    if (a.acknowledged_by) parts.push(el('p', 'note acked', t('brief.acked', a.acknowledged_by, SG.when(a.acknowledged_at))));
    const cols = el('div', 'brief-cols');
    if (a.drivers && a.drivers.length) {
      cols.append(section(t('brief.drivers'), el('ul', 'drivers',
        ...a.drivers.map((d) => el('li', 'driver', el('span', 'term', d.term), ' ',
          el('span', 'muted', SG.num(d.count, 0) + ' / ' + SG.num(d.expected)))))));
    }
    if (a.sources && Object.keys(a.sources).length) {
      const ul = el('ul', 'sources');
      for (const [s, n] of Object.entries(a.sources)) ul.append(el('li', null, el('span', 'term', s), ' ', el('span', 'muted', SG.num(n, 0))));
      const parts2 = [ul];
      if (a.new_author_share !== undefined) parts2.push(el('p', 'muted', t('brief.new_authors', SG.pct(a.new_author_share))));
      cols.append(section(t('brief.sources'), ...parts2));
    }
    parts.push(cols);
    if (a.sample && a.sample.length) {
      parts.push(section(t('brief.samples'), el('ul', 'posts', ...a.sample.map((m) => post(m, m.copies > 1 ? t('brief.copies', m.copies) : null)))));
    }
    if (a.first_posts && a.first_posts.length) {
      parts.push(section(t('brief.first'), el('ul', 'posts', ...a.first_posts.map((m) => post(m)))));
    }
    box.replaceChildren(...parts);
  }

  function renderSelect(threads) {
    const select = document.getElementById('alert-select');
    const keys = threads.map((a) => key(a) + a.status).join('|');
    if (keys === threadKeys) return;
    threadKeys = keys;
    select.replaceChildren(...threads.map((a) => {
      const o = el('option', null, t('brief.option', SG.when(a.started_at), t('kind.' + a.kind), t('level.' + a.level), t('status.' + a.status)));
      o.value = key(a);
      return o;
    }));
    if (chosen) select.value = chosen;
    select.hidden = !threads.length;
  }

  function renderSilences(list) {
    const ul = document.getElementById('silences');
    const mine = list.filter((s) => s.brand === name || s.brand === '*');
    ul.replaceChildren(...SG.silenceItems(mine, () => refresh()));
    if (!mine.length) ul.append(el('li', 'muted', t('silences.none')));
  }

  function renderSources() {
    const select = document.getElementById('filter-source');
    const have = new Set([...select.options].map((o) => o.value));
    for (const s of [...sources].sort()) {
      if (have.has(s)) continue;
      const o = el('option', null, s);
      o.value = s;
      select.append(o);
    }
  }

  async function load() {
    const [span, step] = RANGES[range];
    const from = new Date(Date.now() - span * 1000).toISOString();
    const base = '/api/v1/brands/' + encodeURIComponent(name);
    const label = document.getElementById('filter-label').value;
    const source = document.getElementById('filter-source').value;
    let q = '?limit=50&from=' + encodeURIComponent(new Date(Date.now() - 30 * 86400e3).toISOString());
    if (label) q += '&label=' + encodeURIComponent(label);
    if (source) q += '&source=' + encodeURIComponent(source);
    const [brands, alerts, series, silences, mentions] = await Promise.all([
      SG.api('/api/v1/brands'),
      SG.api('/api/v1/alerts?limit=200'),
      SG.api(base + '/series?step=' + step + '&from=' + encodeURIComponent(from)).catch((e) => e),
      SG.api('/api/v1/silences'),
      SG.api(base + '/mentions' + q).catch((e) => e),
    ]);
    const b = brands.find((x) => x.name === name);
    if (!b) {
      document.getElementById('brand-figures').textContent = t('brand.unknown', JSON.stringify(name));
      return;
    }
    document.getElementById('brand-level').replaceChildren(SG.levelBadge(b.level));
    document.getElementById('brand-figures').textContent =
      t('fig.mentions', b.mentions, SG.duration(b.window_seconds)) + ' · ' + t('fig.expected', SG.num(b.expected)) + ' · ' +
      t('fig.negative', SG.pct(b.negative_share), SG.pct(b.usual_negative_share)) + ' · ' + t('fig.velocity', SG.num(b.velocity_ratio));
    document.body.dataset.level = b.level;

    const mine = alerts.filter((a) => a.brand === name);
    const threads = SG.threads(mine);
    if (wanted && !chosen) {
      const hit = mine.find((a) => a.id === wanted);
      if (hit) chosen = key(hit);
    }
    renderSelect(threads);
    const pick = (chosen && threads.find((a) => key(a) === chosen)) || threads.find((a) => a.status === 'firing') || threads[0] || null;
    shown = pick;
    renderBrief(pick);
    document.getElementById('ack-button').disabled = !pick || !!pick.acknowledged_by;

    const chart = document.getElementById('timeline');
    if (series instanceof Error) chart.replaceChildren(el('p', 'error', t('error', series.message)));
    else chart.replaceChildren(SGChart.draw(series.points, series.step_seconds, { width: 900, height: 260, periods: SG.periods(mine) }));

    renderSilences(silences);

    const ul = document.getElementById('mentions');
    if (mentions instanceof Error) {
      ul.replaceChildren(el('li', 'error', t('error', mentions.message)));
    } else {
      for (const m of mentions) if (m.source) sources.add(m.source);
      for (const a of mine) for (const s of Object.keys(a.sources || {})) sources.add(s);
      renderSources();
      ul.replaceChildren(...mentions.map((m) => post(m)));
      if (!mentions.length) ul.append(el('li', 'muted', t('mentions.none')));
    }
  }

  let refresh = () => {};

  function result(id, text, bad) {
    const r = document.getElementById(id);
    r.textContent = text;
    r.className = 'result' + (bad ? ' error' : ' ok');
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.title = name + ' — sturmglas';
    document.getElementById('brand-name').textContent = name;
    SG.legend('legend', true);
    for (const btn of document.querySelectorAll('#ranges button')) {
      btn.addEventListener('click', () => {
        range = btn.dataset.range;
        for (const x of document.querySelectorAll('#ranges button')) x.classList.toggle('on', x === btn);
        refresh();
      });
    }
    document.getElementById('alert-select').addEventListener('change', (ev) => { chosen = ev.target.value; refresh(); });
    document.getElementById('filter-label').addEventListener('change', () => refresh());
    document.getElementById('filter-source').addEventListener('change', () => refresh());
    document.getElementById('ack-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!shown) return result('ack-result', t('ack.none'), true);
      const by = SG.who();
      if (!by) return result('ack-result', t('ack.need_name'), true);
      try {
        await SG.api('/api/v1/alerts/' + encodeURIComponent(shown.id) + '/ack', {
          method: 'POST', json: { by, comment: document.getElementById('ack-comment').value },
        });
        result('ack-result', t('ack.done'));
      } catch (e) {
        result('ack-result', t('error', e.message), true);
      }
      refresh();
    });
    document.getElementById('silence-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const s = await SG.api('/api/v1/silences', {
          method: 'POST',
          json: {
            brand: name, duration: document.getElementById('silence-duration').value,
            comment: document.getElementById('silence-comment').value, created_by: SG.who(),
          },
        });
        result('silence-result', t('silence.done', SG.when(s.ends_at)));
        document.getElementById('silence-comment').value = '';
      } catch (e) {
        result('silence-result', t('error', e.message), true);
      }
      refresh();
    });
    refresh = SG.poll(load, 5000);
  });
})();
