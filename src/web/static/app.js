// The dashboard page: polls the JSON API every 2 s and renders with textContent only (values
// from the DLQ's headers are text, never markup). No framework, nothing from elsewhere.
'use strict';

const POLL_MS = 2000;
const state = { showAll: false, openRef: null, previous: new Map(), busy: false };

const $ = (selector) => document.querySelector(selector);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) node.dataset[dk] = dv;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return node;
}

const td = (text, cls) => el('td', cls ? { class: cls } : {}, text);
const badge = (text) => el('span', { class: `badge ${text || 'none'}` }, text || '–');

// The API token lives in this tab's session storage only. A link may bring one in its fragment
// (never sent to the server, removed from the address bar at once).
const TOKEN_KEY = 'vigil-token';

function takeTokenFromLink() {
  const match = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(TOKEN_KEY, match[1]);
  history.replaceState(null, '', location.pathname + location.search);
}

function askForToken(message) {
  $('#signin').hidden = false;
  $('#signin-message').textContent = message;
}

async function api(path, body) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ''}` };
  const init = body === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(path, init);
  const json = await res.json().catch(() => ({}));
  if (res.status === 401) askForToken('Sign in with an API token (./vigil token create).');
  if (!res.ok) throw new Error(json.error || `HTTP ${res.status}`);
  return json;
}

function notice(text, isError = false) {
  const n = $('#notice');
  n.textContent = text;
  n.className = isError ? 'error' : '';
}

function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

function seconds(s) {
  if (!s) return '0';
  if (s < 60) return s.toFixed(1);
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

const count = (n) => (n == null ? '–' : Number(n).toLocaleString());

function replaceRows(tbody, rows, empty, columns) {
  tbody.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: String(columns), class: 'muted' }, empty))]));
}

function renderGroups(data) {
  const rows = data.groups.map((g) => {
    const t = g.throughput;
    const before = state.previous.get(g.group);
    let rate = '–';
    if (t && before && data.at > before.at && t.processed >= before.processed) rate = ((t.processed - before.processed) / ((data.at - before.at) / 1000)).toFixed(1);
    if (t) state.previous.set(g.group, { at: data.at, processed: t.processed });
    const tr = el(
      'tr',
      { data: { group: g.group }, title: g.reason },
      td(g.group),
      el('td', {}, badge(g.status)),
      td(count(g.lag), 'num lag'),
      td(seconds(g.lagSeconds), 'num lag-seconds'),
      td(count(t?.processed), 'num processed'),
      td(rate, 'num rate'),
      td(count(t?.inFlight), 'num'),
      td(count(t?.buffered), 'num'),
      td(count(t?.retries), 'num'),
      td(count(t?.deadLettered), 'num'),
      td(count(t?.parkedKeys), 'num'),
      td(g.members ? `${g.members} (${g.state})` : g.state || '–'),
    );
    return tr;
  });
  replaceRows($('#groups tbody'), rows, 'no lag sample yet', 12);
}

function renderDecisions(data) {
  const rows = data.decisions.map((d) =>
    el(
      'tr',
      { class: d.critical ? 'critical' : '', data: { output: d.outputId } },
      td(time(d.at)),
      el('td', {}, badge(d.severity)),
      td(d.processor),
      td(d.kind),
      td(d.ruleId),
      el('td', { class: 'id', title: d.outputId }, d.outputId),
      el('td', { class: 'id', title: d.eventId }, d.eventId),
    ),
  );
  replaceRows($('#decisions tbody'), rows, 'no AI decisions yet', 7);
}

async function act(label, path, body = {}) {
  if (state.busy) return;
  state.busy = true;
  document.body.classList.add('busy');
  notice(`${label}…`);
  try {
    const r = await api(path, body);
    if (r.redelivered) notice(`${label}: ${r.redelivered.length} record(s) re-delivered, ${r.released} key(s) released`);
    else if (r.purged) notice(`${label}: ${r.purged.length} entr${r.purged.length === 1 ? 'y' : 'ies'} purged`);
    else notice(`${label}: done`);
    await refresh();
  } catch (err) {
    notice(`${label} failed: ${err.message}`, true);
  } finally {
    state.busy = false;
    document.body.classList.remove('busy');
  }
}

const enc = encodeURIComponent;

function renderDlq(data) {
  $('#dlq-count').textContent = `(${data.open} open of ${data.total})`;
  const groups = Object.entries(data.openByGroup).sort(([a], [b]) => a.localeCompare(b));
  $('#dlq-groups').replaceChildren(
    ...groups.map(([group, n]) => el('button', { type: 'button', class: 'secondary replay-group', data: { group }, onclick: () => act(`Replay ${group}`, `/api/dlq/groups/${enc(group)}/replay`) }, `Replay all open of ${group} (${n})`)),
  );
  const rows = data.entries.map((e) =>
    el(
      'tr',
      { data: { ref: e.ref, state: e.state }, class: e.ref === state.openRef ? 'selected' : '' },
      td(e.ref, 'id'),
      td(time(e.failedAt)),
      td(e.group),
      td(`${e.sourceTopic}/${e.sourcePartition}@${e.sourceOffset}`),
      td(e.eventType),
      el('td', { class: 'id', title: e.eventId || '' }, e.eventId || '–'),
      td(e.errorClass),
      el('td', { class: 'wrap' }, e.rule),
      td(e.attempts, 'num'),
      el('td', {}, badge(e.state)),
      el(
        'td',
        {},
        el('button', { type: 'button', class: 'secondary open', onclick: () => openEntry(e.ref) }, 'Open'),
        el('button', { type: 'button', class: 'replay', onclick: () => act(`Replay ${e.ref}`, `/api/dlq/${enc(e.ref)}/replay`) }, 'Replay'),
      ),
    ),
  );
  replaceRows($('#dlq tbody'), rows, state.showAll ? 'the DLQ is empty' : 'no open entries', 11);
}

function renderParked(data) {
  const rows = data.keys.map((k) =>
    el(
      'tr',
      { data: { keyRef: k.keyRef } },
      td(k.group),
      td(k.keyRef, 'id'),
      td(`${k.sourceTopic}/${k.sourcePartition}@${k.sourceOffset}`),
      td(time(k.parkedAt)),
      el('td', {}, el('button', { type: 'button', class: 'release', onclick: () => act(`Release ${k.keyRef}`, `/api/parked/${enc(k.group)}/${enc(k.keyRef)}/release`) }, 'Release')),
    ),
  );
  replaceRows($('#parked tbody'), rows, 'no parked keys', 5);
}

function renderAudit(data) {
  const rows = data.entries.map((a) => el('tr', {}, td(time(a.at)), td(a.actor), td(a.action), td(a.target), el('td', { class: 'wrap' }, a.reason || '')));
  replaceRows($('#audit tbody'), rows, 'nothing recorded yet', 5);
}

async function openEntry(ref) {
  state.openRef = ref;
  $('#payload').hidden = true;
  $('#payload').textContent = '';
  try {
    const e = await api(`/api/dlq/${enc(ref)}`);
    $('#entry-ref').textContent = e.ref;
    const meta = [
      ['state', e.resolution ? `${e.state} by ${e.resolution.by} at ${time(e.resolution.at)}` : e.state],
      ['group', e.group],
      ['source', `${e.sourceTopic} partition ${e.sourcePartition} offset ${e.sourceOffset}`],
      ['event type', e.eventType],
      ['event id', e.eventId || '–'],
      ['error', `${e.errorClass}: ${e.rule}`],
      ['attempts', e.attempts],
      ['failed at', e.failedAt],
      ['parked behind an earlier failure', e.parked ? 'yes' : 'no'],
      ['replay of', e.replayOf || '–'],
    ];
    $('#entry-meta').replaceChildren(...meta.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    $('#entry').hidden = false;
  } catch (err) {
    notice(`Entry ${ref}: ${err.message}`, true);
  }
}

/** A viewed payload as shown: decrypted when it was sealed, or why it cannot be read. */
function payloadText(p) {
  switch (p.format) {
    case 'json':
      return `${p.decrypted ? '(decrypted with the patient\'s data key)\n' : ''}${JSON.stringify(p.value, null, 2)}`;
    case 'text':
      return p.text;
    case 'base64':
      return `(base64) ${p.base64}`;
    case 'forgotten':
      return `Forgotten: the patient of event ${p.eventId} was forgotten (their data key is destroyed), so this payload can no longer be read.`;
    case 'sealed':
      return `(sealed, and it does not open: ${p.rule})\n${JSON.stringify(p.value, null, 2)}`;
    default:
      return `(unknown format ${p.format})`;
  }
}

async function viewPayload(event) {
  event.preventDefault();
  const reason = $('#payload-reason').value.trim();
  if (!state.openRef || !reason) return;
  try {
    const r = await api(`/api/dlq/${enc(state.openRef)}/payload`, { reason });
    const p = r.payload;
    $('#payload').textContent = payloadText(p);
    $('#payload').hidden = false;
    $('#payload-reason').value = '';
    await refresh();
  } catch (err) {
    notice(`Payload: ${err.message}`, true);
  }
}

let failures = 0;
// Each section on its own: a DLQ read that fails (broker trouble) must not blank the lag figures.
async function refresh() {
  const sections = [
    ['/api/groups', renderGroups],
    ['/api/decisions?limit=40', renderDecisions],
    [`/api/dlq${state.showAll ? '?all=1' : ''}`, renderDlq],
    ['/api/parked', renderParked],
    ['/api/audit?limit=30', renderAudit],
  ];
  const results = await Promise.allSettled(sections.map(([path, render]) => api(path).then(render)));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`${failed.length} of ${sections.length} sections: ${failed[0].reason.message}`);
  $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function poll() {
  try {
    await refresh();
    failures = 0;
  } catch (err) {
    failures++;
    $('#updated').textContent = `update failed (${failures}): ${err.message}`;
  }
  setTimeout(poll, POLL_MS);
}

document.addEventListener('DOMContentLoaded', () => {
  takeTokenFromLink();
  $('#signin').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#signin-token').value.trim());
    $('#signin-token').value = '';
    $('#signin').hidden = true;
    void api('/api/whoami').then(showWho, () => {});
    void refresh().catch(() => {});
  });
  $('#dlq-all').addEventListener('change', (e) => {
    state.showAll = e.target.checked;
    void refresh();
  });
  $('#entry-close').addEventListener('click', () => {
    state.openRef = null;
    $('#entry').hidden = true;
  });
  $('#entry-replay').addEventListener('click', () => state.openRef && act(`Replay ${state.openRef}`, `/api/dlq/${enc(state.openRef)}/replay`).then(() => openEntry(state.openRef)));
  $('#entry-purge').addEventListener('click', () => state.openRef && act(`Purge ${state.openRef}`, `/api/dlq/${enc(state.openRef)}/purge`).then(() => openEntry(state.openRef)));
  $('#payload-form').addEventListener('submit', viewPayload);
  void api('/api/whoami').then(showWho, () => {});
  void poll();
});

function showWho(who) {
  $('#who').textContent = `${who.name} (${who.role})`;
}
