// sturmglas dashboard: what every page shares — the texts in English and German, building
// elements (text is always inserted as text, never parsed as markup), links (only http and
// https), the API token (asked for once, kept in this tab's sessionStorage, sent only as an
// Authorization header), and polling with "last updated" and an unreachable-daemon state.
'use strict';

const SG = (() => {
  const lang = document.documentElement.lang === 'de' ? 'de' : 'en';
  const TEXTS = {
    en: {
      'nav.overview': 'Overview', 'nav.alerts': 'Alerts', 'loading': 'loading…',
      'updated': 'updated {0}', 'offline': 'Cannot reach the daemon (since {0}); retrying — the figures shown are from {1}.',
      'offline.never': 'Cannot reach the daemon; retrying.',
      'token.ask': 'API token (server.api_token)', 'token.save': 'Continue',
      'token.note': 'Kept in this tab\u2019s session storage only.', 'token.wrong': 'The token was not accepted; try again.',
      'overview.title': 'Brands', 'overview.none': 'No brands configured.',
      'sources.title': 'Sources', 'sources.name': 'Source', 'sources.state': 'Status',
      'sources.success': 'Last success', 'sources.error': 'Last error',
      'sources.none': 'No sources configured (mentions arrive through the ingest API).',
      'level.ok': 'ok', 'level.warning': 'warning', 'level.critical': 'critical',
      'kind.storm': 'storm', 'kind.buzz': 'buzz', 'kind.volume': 'volume', 'kind.source': 'source', 'kind.reach': 'reach',
      'status.firing': 'firing', 'status.resolved': 'resolved',
      'label.negative': 'negative', 'label.neutral': 'neutral', 'label.positive': 'positive',
      'fig.mentions': '{0} mentions in {1}', 'fig.expected': 'expected {0}', 'fig.negative': '{0} negative (usual {1})',
      'fig.velocity': '{0}× the usual rate', 'fig.since': 'since {0}',
      'legend.mentions': 'mentions', 'legend.negative': 'negative', 'legend.share': 'negative share',
      'legend.band': 'expected band', 'legend.alert': 'alert',
      'chart.title': 'Mentions per {0}, negative share and the expected band',
      'brand.timeline': 'Timeline', 'brand.brief': 'Alert', 'brand.choose': 'Show',
      'brand.no_alert': 'No alert for this brand yet.', 'brand.mentions': 'Recent mentions',
      'brand.unknown': 'No brand named {0}.',
      'brief.drivers': 'What it is about', 'brief.sources': 'Where', 'brief.samples': 'Posts',
      'brief.first': 'First posts', 'brief.copies': '{0} copies', 'brief.driver': '{0}: {1} (usually {2})',
      'brief.silenced': 'Silenced by {0}: recorded, not sent.', 'brief.acked': 'Acknowledged by {0} at {1}.',
      'brief.new_authors': '{0} of the authors are new', 'brief.option': '{0} {1} {2} ({3})',
      'who': 'Your name', 'comment': 'comment (optional)',
      'ack.title': 'Acknowledge', 'ack.button': 'Acknowledge', 'ack.done': 'Acknowledged.',
      'ack.none': 'No alert to acknowledge.', 'ack.need_name': 'Please enter your name.',
      'silence.title': 'Silence this brand', 'silence.comment': 'why (required)', 'silence.button': 'Silence',
      'silence.done': 'Silenced until {0}.', 'silences.title': 'Silences', 'silences.none': 'No silences.',
      'silence.end': 'End now', 'silence.line': '{0}{1} · until {2} · {3} ({4})', 'silence.all': 'all brands',
      'silence.ended': 'ended', 'silence.active': 'active',
      'filter.label': 'Label', 'filter.source': 'Source', 'filter.all': 'all', 'mentions.none': 'No mentions in the archive for this choice.',
      'alerts.title': 'Alerts', 'alerts.observed': 'Observed', 'alerts.brand': 'Brand', 'alerts.status': 'Status',
      'alerts.level': 'Level', 'alerts.kind': 'Kind', 'alerts.why': 'Why', 'alerts.acked': 'Acknowledged',
      'alerts.none': 'No alerts yet.', 'alerts.silenced': 'silenced ({0})',
      'error': 'Error: {0}',
      'headline': '{0} mentions in {1}, {2}× the expected {3}; {4} negative',
    },
    de: {
      'nav.overview': 'Übersicht', 'nav.alerts': 'Alarme', 'loading': 'lädt…',
      'updated': 'aktualisiert {0}', 'offline': 'Der Daemon ist nicht erreichbar (seit {0}); neuer Versuch läuft — die Zahlen sind von {1}.',
      'offline.never': 'Der Daemon ist nicht erreichbar; neuer Versuch läuft.',
      'token.ask': 'API-Token (server.api_token)', 'token.save': 'Weiter',
      'token.note': 'Wird nur im Sitzungsspeicher dieses Tabs gehalten.', 'token.wrong': 'Das Token wurde nicht angenommen; bitte erneut.',
      'overview.title': 'Marken', 'overview.none': 'Keine Marken konfiguriert.',
      'sources.title': 'Quellen', 'sources.name': 'Quelle', 'sources.state': 'Status',
      'sources.success': 'Zuletzt erfolgreich', 'sources.error': 'Letzter Fehler',
      'sources.none': 'Keine Quellen konfiguriert (Erwähnungen kommen über die Ingest-API).',
      'level.ok': 'ok', 'level.warning': 'Warnung', 'level.critical': 'kritisch',
      'kind.storm': 'Shitstorm', 'kind.buzz': 'Buzz', 'kind.volume': 'Volumen', 'kind.source': 'Quelle', 'kind.reach': 'Reichweite',
      'status.firing': 'aktiv', 'status.resolved': 'beendet',
      'label.negative': 'negativ', 'label.neutral': 'neutral', 'label.positive': 'positiv',
      'fig.mentions': '{0} Erwähnungen in {1}', 'fig.expected': 'erwartet {0}', 'fig.negative': '{0} negativ (üblich {1})',
      'fig.velocity': '{0}× die übliche Rate', 'fig.since': 'seit {0}',
      'legend.mentions': 'Erwähnungen', 'legend.negative': 'negativ', 'legend.share': 'Anteil negativ',
      'legend.band': 'erwarteter Bereich', 'legend.alert': 'Alarm',
      'chart.title': 'Erwähnungen je {0}, Anteil negativ und der erwartete Bereich',
      'brand.timeline': 'Verlauf', 'brand.brief': 'Alarm', 'brand.choose': 'Zeigen',
      'brand.no_alert': 'Noch kein Alarm für diese Marke.', 'brand.mentions': 'Neueste Erwähnungen',
      'brand.unknown': 'Keine Marke namens {0}.',
      'brief.drivers': 'Worum es geht', 'brief.sources': 'Wo', 'brief.samples': 'Beiträge',
      'brief.first': 'Erste Beiträge', 'brief.copies': '{0} Kopien', 'brief.driver': '{0}: {1} (üblich {2})',
      'brief.silenced': 'Stummgeschaltet durch {0}: erfasst, nicht gesendet.', 'brief.acked': 'Bestätigt von {0} um {1}.',
      'brief.new_authors': '{0} der Autoren sind neu', 'brief.option': '{0} {1} {2} ({3})',
      'who': 'Ihr Name', 'comment': 'Kommentar (optional)',
      'ack.title': 'Bestätigen', 'ack.button': 'Bestätigen', 'ack.done': 'Bestätigt.',
      'ack.none': 'Kein Alarm zu bestätigen.', 'ack.need_name': 'Bitte Ihren Namen eingeben.',
      'silence.title': 'Marke stummschalten', 'silence.comment': 'Grund (Pflicht)', 'silence.button': 'Stummschalten',
      'silence.done': 'Stumm bis {0}.', 'silences.title': 'Stummschaltungen', 'silences.none': 'Keine Stummschaltungen.',
      'silence.end': 'Jetzt beenden', 'silence.line': '{0}{1} · bis {2} · {3} ({4})', 'silence.all': 'alle Marken',
      'silence.ended': 'beendet', 'silence.active': 'aktiv',
      'filter.label': 'Bewertung', 'filter.source': 'Quelle', 'filter.all': 'alle', 'mentions.none': 'Keine Erwähnungen im Archiv für diese Auswahl.',
      'alerts.title': 'Alarme', 'alerts.observed': 'Beobachtet', 'alerts.brand': 'Marke', 'alerts.status': 'Status',
      'alerts.level': 'Stufe', 'alerts.kind': 'Art', 'alerts.why': 'Warum', 'alerts.acked': 'Bestätigt',
      'alerts.none': 'Noch keine Alarme.', 'alerts.silenced': 'stumm ({0})',
      'error': 'Fehler: {0}',
      'headline': '{0} Erwähnungen in {1}, {2}× die erwarteten {3}; {4} negativ',
    },
  };

  /** The text for `key` in the page's language, with {0}, {1}, … filled in. */
  function t(key, ...args) {
    let s = TEXTS[lang][key] ?? TEXTS.en[key] ?? key;
    args.forEach((a, i) => { s = s.split('{' + i + '}').join(String(a)); });
    return s;
  }

  /** An element with a class and children; strings become text nodes, never markup. */
  function el(tag, cls, ...children) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /** The URL when it is http or https, else null (no javascript:, data:, …). */
  function safeUrl(u) {
    if (typeof u !== 'string' || !u) return null;
    try {
      const x = new URL(u, location.href);
      return x.protocol === 'http:' || x.protocol === 'https:' ? x.href : null;
    } catch (_) {
      return null;
    }
  }

  /** A link to `u` showing `text`, or just the text when `u` is no http(s) URL. */
  function link(u, text, cls) {
    const href = safeUrl(u);
    if (!href) return el('span', cls, text);
    const a = el('a', cls, text);
    a.href = href;
    a.rel = 'noopener noreferrer nofollow';
    a.target = '_blank';
    return a;
  }

  /** A page link within the dashboard, keeping the chosen language. */
  function pageUrl(path) {
    const q = new URLSearchParams(location.search).get('lang');
    return q ? path + '?lang=' + encodeURIComponent(q) : path;
  }

  function brandUrl(name) { return pageUrl('/brands/' + encodeURIComponent(name)); }

  /** A table row of one cell across `cols` columns (an empty list's note). */
  function noteRow(cols, text) {
    const td = el('td', 'muted', text);
    td.colSpan = cols;
    return el('tr', null, td);
  }

  function levelBadge(level) { return el('span', 'level ' + level, t('level.' + level)); }

  function pct(x) { return Math.round((x || 0) * 100) + '%'; }

  function when(s) {
    if (!s) return '—';
    const d = new Date(s);
    return d.toLocaleString(lang === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
  }

  function clock(d) { return d.toLocaleTimeString(lang === 'de' ? 'de-DE' : 'en-GB'); }

  function num(x, digits) {
    return Number(x || 0).toLocaleString(lang === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: digits ?? 1 });
  }

  function duration(secs) {
    if (secs % 86400 === 0) return secs / 86400 + ' d';
    if (secs % 3600 === 0) return secs / 3600 + ' h';
    return Math.round(secs / 60) + ' min';
  }

  // ---- the API token ------------------------------------------------------------------------

  const TOKEN_KEY = 'sturmglas-token';
  let asking = null;

  /** Shows the token form once and resolves when a token was entered. */
  function askToken(wrong) {
    if (asking) return asking;
    const form = document.getElementById('token-form');
    const input = document.getElementById('token-input');
    if (wrong) form.querySelector('.muted').textContent = t('token.wrong');
    form.hidden = false;
    input.focus();
    asking = new Promise((resolve) => {
      form.addEventListener('submit', function done(ev) {
        ev.preventDefault();
        const v = input.value.trim();
        if (!v) return;
        sessionStorage.setItem(TOKEN_KEY, v);
        input.value = '';
        form.hidden = true;
        form.removeEventListener('submit', done);
        asking = null;
        resolve();
      });
    });
    return asking;
  }

  /** An API error with the server's message and status. */
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  /** Calls the API; asks for the token on 401 and tries again. Non-2xx throws ApiError. */
  async function api(path, opts) {
    const o = Object.assign({}, opts || {});
    const headers = Object.assign({}, o.headers || {});
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    if (o.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      o.body = JSON.stringify(o.json);
      delete o.json;
    }
    o.headers = headers;
    o.cache = 'no-store';
    const r = await fetch(path, o);
    if (r.status === 401) {
      const hadToken = !!token;
      sessionStorage.removeItem(TOKEN_KEY);
      await askToken(hadToken);
      return api(path, opts);
    }
    if (r.status === 204) return null;
    let body = null;
    try { body = await r.json(); } catch (_) { body = null; }
    if (!r.ok) throw new ApiError(r.status, (body && body.error) || r.status + ' ' + r.statusText);
    return body;
  }

  // ---- live updates -------------------------------------------------------------------------

  let lastOk = null;
  let failingSince = null;

  function showUpdated() {
    const u = document.getElementById('updated');
    const off = document.getElementById('offline');
    if (failingSince) {
      off.hidden = false;
      off.textContent = lastOk ? t('offline', clock(failingSince), clock(lastOk)) : t('offline.never');
      document.body.classList.add('unreachable');
    } else {
      off.hidden = true;
      off.textContent = '';
      document.body.classList.remove('unreachable');
    }
    u.textContent = lastOk ? t('updated', clock(lastOk)) : '';
  }

  /**
   * Runs `load` now and every `ms`; a failed fetch (the daemon down, a 5xx) marks the page as
   * unreachable until a load succeeds again. A 4xx is the page's own problem: shown by `load`.
   */
  function poll(load, ms) {
    let running = false;
    let again = false;
    async function tick() {
      // A tick asked for while one runs (a click, an action) runs right after it.
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await load();
        lastOk = new Date();
        failingSince = null;
      } catch (e) {
        if (!(e instanceof ApiError) || e.status >= 500) {
          failingSince = failingSince || new Date();
        } else {
          lastOk = new Date();
          failingSince = null;
        }
        console.warn('load failed', e);
      } finally {
        running = false;
        showUpdated();
      }
      if (again) {
        again = false;
        tick();
      }
    }
    tick();
    setInterval(tick, ms);
    return tick;
  }

  /** The name the person gave, remembered in this browser (it is no secret). */
  function who() {
    const input = document.getElementById('who');
    return input ? input.value.trim() : '';
  }

  function setup() {
    for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
    for (const e of document.querySelectorAll('[data-ph]')) e.placeholder = t(e.dataset.ph);
    for (const code of ['en', 'de']) {
      const a = document.getElementById('lang-' + code);
      const q = new URLSearchParams(location.search);
      q.set('lang', code);
      a.href = location.pathname + '?' + q.toString();
      if (code === lang) a.classList.add('on');
    }
    const input = document.getElementById('who');
    if (input) {
      input.value = localStorage.getItem('sturmglas-who') || '';
      input.addEventListener('change', () => localStorage.setItem('sturmglas-who', input.value.trim()));
    }
  }

  /** A legend of the chart's marks. */
  function legend(target, withAlert) {
    const p = document.getElementById(target);
    if (!p) return;
    p.replaceChildren();
    const items = [['sw-bar', 'legend.mentions'], ['sw-neg', 'legend.negative'], ['sw-share', 'legend.share'], ['sw-band', 'legend.band']];
    if (withAlert) items.push(['sw-alert', 'legend.alert']);
    for (const [cls, key] of items) p.append(el('span', 'legend-item', el('span', 'swatch ' + cls), t(key)), ' ');
  }

  /** The alert threads of a brand: the newest notice of each (brand, kind, started_at). */
  function threads(alerts) {
    const seen = new Map();
    for (const a of alerts) {
      const key = a.brand + '\u0000' + a.kind + '\u0000' + a.started_at;
      const cur = seen.get(key);
      if (!cur) {
        seen.set(key, Object.assign({}, a, { _first: a }));
      } else {
        // The list is newest first; keep the newest, but remember how the thread began.
        cur._first = a;
        if (!cur.acknowledged_by && a.acknowledged_by) {
          cur.acknowledged_by = a.acknowledged_by;
          cur.acknowledged_at = a.acknowledged_at;
        }
      }
    }
    return [...seen.values()];
  }

  /** An alert's figures in the page's language (the daemon's `reasons` are English). */
  function headline(a) {
    return t('headline', a.mentions, duration(a.window_seconds), num(a.velocity_ratio), num(a.expected), pct(a.negative_share));
  }

  /** A silence in one line: whom, which kinds, until when, why, by whom. */
  function silenceText(s) {
    const kinds = s.kinds && s.kinds.length ? ' (' + s.kinds.map((k) => t('kind.' + k)).join(', ') + ')' : '';
    return t('silence.line', s.brand === '*' ? t('silence.all') : s.brand, kinds, when(s.ends_at), s.comment || '—', s.created_by || '—');
  }

  /** One list item per silence, with an "end" button on the active ones; `changed` runs
   *  after a button's request, whether it worked or not. */
  function silenceItems(list, changed) {
    return list.map((s) => {
      const li = el('li', 'silence ' + s.state, silenceText(s),
        ' ', el('span', 'muted', t('silence.' + s.state)));
      if (s.state === 'active') {
        const b = el('button', 'end', t('silence.end'));
        b.type = 'button';
        b.addEventListener('click', async () => {
          b.disabled = true;
          try {
            await api('/api/v1/silences/' + encodeURIComponent(s.id), { method: 'DELETE' });
          } catch (e) {
            li.append(el('span', 'error', ' ' + t('error', e.message)));
          }
          changed();
        });
        li.append(' ', b);
      }
      return li;
    });
  }

  /** Alert periods for a chart: [start, end] in ms, end now for a firing thread. */
  function periods(alerts) {
    return threads(alerts).map((a) => ({
      from: Date.parse(a.started_at),
      to: a.status === 'resolved' ? Date.parse(a.observed_at) : Date.now(),
      level: a.level,
    }));
  }

  document.addEventListener('DOMContentLoaded', setup);

  return { lang, t, el, noteRow, link, safeUrl, pageUrl, brandUrl, levelBadge, pct, when, clock, num, duration, api, poll, who, legend, threads, periods, headline, silenceText, silenceItems, ApiError };
})();
