// sturmglas dashboard, the alerts page (`/alerts`): the history of notices, newest first, with
// who acknowledged each thread and a button to acknowledge a firing one; and the silences,
// active and recently ended, with a button to end an active one.
'use strict';

(() => {
  const { t, el } = SG;
  let refresh = () => {};

  function ackButton(a, cell) {
    const b = el('button', 'ack', t('ack.button'));
    b.type = 'button';
    b.dataset.alert = a.id;
    b.addEventListener('click', async () => {
      const by = SG.who();
      if (!by) {
        cell.append(el('span', 'error', ' ' + t('ack.need_name')));
        document.getElementById('who').focus();
        return;
      }
      b.disabled = true;
      try {
        await SG.api('/api/v1/alerts/' + encodeURIComponent(a.id) + '/ack', { method: 'POST', json: { by, comment: '' } });
      } catch (e) {
        cell.append(el('span', 'error', ' ' + t('error', e.message)));
      }
      refresh();
    });
    return b;
  }

  async function load() {
    const [alerts, silences] = await Promise.all([SG.api('/api/v1/alerts?limit=200'), SG.api('/api/v1/silences')]);
    const tb = document.getElementById('alerts');
    tb.replaceChildren(...alerts.map((a) => {
      const brand = el('a', null, a.brand);
      brand.href = SG.brandUrl(a.brand) + '#alert=' + encodeURIComponent(a.id);
      const why = el('td', 'why', el('ul', 'reasons', ...(a.reasons || []).map((r) => el('li', null, r))));
      if (a.silenced_by) why.append(el('div', 'muted', t('alerts.silenced', a.silenced_by)));
      const acked = el('td', 'acked', a.acknowledged_by ? a.acknowledged_by + ' · ' + SG.when(a.acknowledged_at) : '—');
      const action = el('td', null);
      if (a.status === 'firing' && !a.acknowledged_by) action.append(ackButton(a, action));
      const tr = el('tr', 'alert ' + a.status,
        el('td', null, SG.when(a.observed_at)), el('td', null, brand), el('td', null, t('status.' + a.status)),
        el('td', null, SG.levelBadge(a.level)), el('td', null, t('kind.' + a.kind)), why, acked, action);
      tr.dataset.alert = a.id;
      return tr;
    }));
    if (!alerts.length) tb.append(SG.noteRow(8, t('alerts.none')));

    const ul = document.getElementById('silences');
    ul.replaceChildren(...SG.silenceItems(silences, () => refresh()));
    if (!silences.length) ul.append(el('li', 'muted', t('silences.none')));
  }

  document.addEventListener('DOMContentLoaded', () => { refresh = SG.poll(load, 5000); });
})();
