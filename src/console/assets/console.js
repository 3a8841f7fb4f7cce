// The ackd console: the open cases, soonest deadline first, live; a case's page with the
// customer's words, the reply, the timeline, and claim, release and resolve; the kill
// switch for leads. Everything it shows comes from ackd's own API with the token given at
// login, kept for this tab only. Text from customers is only ever set as text
// (textContent), never parsed as markup.
'use strict';

// Every text the console shows, in English and Japanese (chosen by the browser's languages).
const TEXT = {
  title: ['ackd', 'ackd'],
  login: ['Sign in', 'ログイン'],
  token: ['Access token', 'アクセストークン'],
  agent: ['Your name (for claims)', 'お名前(担当表示用)'],
  badToken: ['This token is not accepted.', 'このトークンは使えません。'],
  signOut: ['Sign out', 'ログアウト'],
  live: ['live', 'ライブ'],
  offline: ['reconnecting', '再接続中'],
  state: ['State', '状態'],
  team: ['Team', 'チーム'],
  priority: ['Priority', '優先度'],
  channel: ['Channel', 'チャネル'],
  active: ['to do', '対応待ち・中'],
  open: ['open', '未対応'],
  claimed: ['claimed', '対応中'],
  breached: ['breached', '期限超過'],
  failed: ['failed', '送信失敗'],
  resolved: ['resolved', '解決済み'],
  all: ['all', 'すべて'],
  left: ['Time left', '残り時間'],
  customer: ['Customer', 'お客様'],
  rule: ['Rule', 'ルール'],
  agentCol: ['Agent', '担当'],
  search: ['Reference, handle or id', '受付番号・ハンドル・ID'],
  find: ['Find', '検索'],
  noCases: ['No cases.', '該当する案件はありません。'],
  more: ['More', 'さらに表示'],
  dueIn: ['in {0}', 'あと{0}'],
  overdue: ['{0} overdue', '{0}超過'],
  notFound: ['No case {0}.', '案件 {0} は見つかりません。'],
  paused: ['Replies to customers are paused by {0}: {1} (since {2}).', 'お客様への返信は停止中です({0}: {1}、{2}から)。'],
  storming: ['Storm: rule {0} is getting complaints faster than its threshold.', '急増: ルール {0} の苦情がしきい値を超えています。'],
  pause: ['Pause all replies', 'すべての返信を停止'],
  resume: ['Resume replies', '返信を再開'],
  reason: ['Reason', '理由'],
  back: ['All cases', '案件一覧'],
  reference: ['Reference', '受付番号'],
  received: ['Received', '受付'],
  deadline: ['Deadline', '期限'],
  reply: ['Reply', '返信'],
  noReply: ['No automatic reply: {0}', '自動返信なし: {0}'],
  replied: ['Answered ({0}):', '返信済み({0}):'],
  tickets: ['Tickets', 'チケット'],
  timeline: ['Timeline', '経過'],
  claim: ['Claim', '担当する'],
  release: ['Release', '担当を外す'],
  resolve: ['Resolve', '解決'],
  note: ['Note for the record', '記録用メモ'],
  failedDeliveries: ['{0} delivery given up', '送信失敗 {0} 件'],
  heldBy: ['claimed by {0}', '{0} が対応中'],
  unclaimed: ['nobody yet', '未割当'],
  words: ['What the customer wrote', 'お客様の投稿'],
  needAgent: ['Enter your name first (top right).', '先にお名前を入力してください(右上)。'],
  scopeTooLow: ['Your token may not do this.', 'このトークンではできません。'],
};

const LANG = (navigator.languages || [navigator.language || 'en']).some((l) => /^ja\b/i.test(l))
  ? 'ja' : 'en';
document.documentElement.lang = LANG;

function t(key, ...args) {
  const text = TEXT[key] ? TEXT[key][LANG === 'ja' ? 1 : 0] : key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}

// Builds an element. Children are nodes or strings (made text nodes); never markup.
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const app = document.getElementById('app');
const session = {
  get token() { return sessionStorage.getItem('ackd.token') || ''; },
  set token(v) { v ? sessionStorage.setItem('ackd.token', v) : sessionStorage.removeItem('ackd.token'); },
  get agent() { return sessionStorage.getItem('ackd.agent') || ''; },
  set agent(v) { sessionStorage.setItem('ackd.agent', v); },
  scope: null,
};

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = 'Bearer ' + session.token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, cache: 'no-store', credentials: 'omit',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const message = data && data.error ? data.error.message : 'HTTP ' + res.status;
    if (res.status === 401) { session.token = ''; showLogin(); }
    throw new ApiError(res.status, message);
  }
  return data;
}

// "1h 25m", "3d 2h", "45s": how long, for a glance.
function span(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

const NEAR_MS = 30 * 60 * 1000;  // amber in the last half hour

// Writes the time left into `node` and colours it; called every second for every row.
function paintLeft(node) {
  const deadline = Date.parse(node.dataset.deadline);
  if (Number.isNaN(deadline)) return;
  const left = deadline - Date.now();
  node.textContent = left >= 0 ? t('dueIn', span(left)) : t('overdue', span(-left));
  node.classList.toggle('late', left < 0);
  node.classList.toggle('near', left >= 0 && left < NEAR_MS);
}

setInterval(() => document.querySelectorAll('[data-deadline]').forEach(paintLeft), 1000);

// The deadline as the team reads it: "18:00 (+09:00)" from its RFC 3339 text.
function wallTime(rfc3339) {
  const m = /T(\d\d:\d\d)(?::\d\d)?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339 || '');
  return m ? `${rfc3339.slice(0, 10)} ${m[1]} (${m[2] === 'Z' ? 'UTC' : m[2]})` : rfc3339 || '';
}

function localTime(rfc3339) {
  const at = new Date(rfc3339);
  return Number.isNaN(at.getTime()) ? rfc3339 : at.toLocaleString(LANG === 'ja' ? 'ja-JP' : undefined);
}

// ---- Live updates: Server-Sent Events read with fetch, so the token goes in a header.

const live = { connected: false, listeners: new Set(), started: false };

function onLive(listener) { live.listeners.add(listener); return () => live.listeners.delete(listener); }

function setLive(connected) {
  live.connected = connected;
  document.querySelectorAll('.live').forEach((node) => {
    node.classList.toggle('on', connected);
    node.classList.toggle('off', !connected);
    node.textContent = connected ? t('live') : t('offline');
  });
}

async function listen() {
  if (live.started) return;
  live.started = true;
  for (;;) {
    try {
      const headers = { Accept: 'text/event-stream' };
      if (session.token) headers.Authorization = 'Bearer ' + session.token;
      const res = await fetch('/v1/events', { headers, cache: 'no-store', credentials: 'omit' });
      if (res.status === 401) { live.started = false; return; }
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      setLive(true);
      live.listeners.forEach((l) => l({ type: 'connected' }));  // catch up on what was missed
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n');
          if (!data) continue;  // a keep-alive comment
          let event;
          try { event = JSON.parse(data); } catch (e) { continue; }
          live.listeners.forEach((l) => l(event));
        }
      }
    } catch (e) { /* the daemon restarted or the network blinked: try again */ }
    setLive(false);
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

// ---- Pages

function header() {
  const agent = el('input', {
    value: session.agent, placeholder: t('agent'), 'aria-label': t('agent'), size: 14,
    onchange: (e) => { session.agent = e.target.value.trim(); },
  });
  return el('header', { class: 'bar' },
    el('h1', {}, el('a', { href: '/ui/', onclick: (e) => { e.preventDefault(); go('/ui/'); } }, t('title'))),
    el('span', { class: 'live ' + (live.connected ? 'on' : 'off') }, live.connected ? t('live') : t('offline')),
    el('span', { class: 'spacer' }),
    agent,
    el('button', { class: 'quiet', onclick: () => { session.token = ''; location.assign('/ui/'); } }, t('signOut')));
}

// The kill switch and storms, for everyone to see; pause and resume for admins.
async function statusPanel() {
  const panel = el('div', { id: 'status' });
  const [ready, pause] = await Promise.all([
    fetch('/readyz', { cache: 'no-store' }).then((r) => r.json()).catch(() => ({})),
    api('GET', '/v1/admin/pause').catch(() => ({ paused: false })),
  ]);
  const p = pause.paused;
  if (p) panel.append(el('p', { class: 'banner', id: 'paused' }, t('paused', p.by, p.reason, localTime(p.since))));
  for (const rule of ready.storming || []) panel.append(el('p', { class: 'banner storm' }, t('storming', rule)));
  if (session.scope === 'admin') {
    const reason = el('input', { placeholder: t('reason'), 'aria-label': t('reason'), size: 30 });
    const act = async (path, body) => {
      try { await api('POST', path, body); } catch (e) { panel.append(el('p', { class: 'error' }, e.message)); return; }
      refreshStatus();
    };
    panel.append(p
      ? el('div', { class: 'lead' }, el('button', { id: 'resume', onclick: () => act('/v1/admin/resume', {}) }, t('resume')))
      : el('div', { class: 'lead' }, reason, el('button', {
        id: 'pause', class: 'danger',
        onclick: () => act('/v1/admin/pause', { by: session.agent || 'console', reason: reason.value }),
      }, t('pause'))));
  }
  return panel;
}

async function refreshStatus() {
  const old = document.getElementById('status');
  if (old) old.replaceWith(await statusPanel());
}

const filters = { state: 'active', team: '', priority: '', channel: '', author: '' };

function queryOf(extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) q.set(k, v);
  return q.toString();
}

function caseRow(h) {
  const left = el('td', { class: 'left', 'data-deadline': h.deadline });
  paintLeft(left);
  const author = h.author || {};
  const who = [author.name, author.handle ? '@' + author.handle : ''].filter(Boolean).join(' ') || author.id || '';
  return el('tr', { class: 'case', 'data-id': h.id, onclick: () => go('/ui/cases/' + encodeURIComponent(h.id)) },
    left,
    el('td', {}, el('span', { class: 'tag' }, h.priority), ' ', h.team),
    el('td', {}, el('div', { class: 'who' }, who), el('div', { class: 'excerpt' }, h.excerpt || '')),
    el('td', {}, h.channel, el('br'), el('span', { class: 'tag' }, h.reference || '')),
    el('td', {}, h.rule),
    el('td', {}, h.agent || '', h.failed_deliveries > 0
      ? el('span', { class: 'tag failed' }, t('failedDeliveries', h.failed_deliveries)) : ''));
}

async function queuePage() {
  const teams = el('input', { name: 'team', value: filters.team, size: 10, 'aria-label': t('team') });
  const priority = el('input', { name: 'priority', value: filters.priority, size: 4, 'aria-label': t('priority') });
  const channel = el('input', { name: 'channel', value: filters.channel, size: 8, 'aria-label': t('channel') });
  const state = el('select', { name: 'state', 'aria-label': t('state') },
    ['active', 'open', 'claimed', 'breached', 'failed', 'resolved', 'all'].map((s) =>
      el('option', { value: s, selected: s === filters.state }, t(s))));
  const form = el('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); apply(); } },
    el('label', {}, t('state'), state), el('label', {}, t('team'), teams),
    el('label', {}, t('priority'), priority), el('label', {}, t('channel'), channel),
    el('button', { type: 'submit', class: 'quiet' }, '↻'));
  state.addEventListener('change', () => apply());
  const searchBox = el('input', { name: 'q', placeholder: t('search'), 'aria-label': t('search'), size: 24 });
  const search = el('form', { class: 'search', onsubmit: (e) => { e.preventDefault(); find(searchBox.value.trim()); } },
    searchBox, el('button', { type: 'submit', class: 'quiet' }, t('find')));
  const body = el('tbody', { id: 'cases' });
  const table = el('table', { class: 'cases' },
    el('thead', {}, el('tr', {}, [t('left'), t('team'), t('customer'), t('channel'), t('rule'), t('agentCol')]
      .map((h) => el('th', {}, h)))), body);
  const message = el('p', { class: 'notice', id: 'message' });
  const more = el('div', { class: 'more' });
  let cursor = null;
  let shown = '';  // what the first page showed: an event that changed nothing redraws nothing

  async function load(append) {
    let page;
    try {
      page = await api('GET', '/v1/handoffs?' + queryOf(append && cursor ? { cursor } : {}));
    } catch (e) { message.className = 'error'; message.textContent = e.message; return; }
    message.className = 'notice';
    if (!append) {
      const seen = JSON.stringify(page);
      if (seen === shown) return;
      shown = seen;
      body.replaceChildren();
    }
    page.handoffs.forEach((h) => body.append(caseRow(h)));
    message.textContent = body.children.length === 0 ? t('noCases') : '';
    cursor = page.next_cursor || null;
    more.replaceChildren(cursor ? el('button', { class: 'quiet', onclick: () => load(true) }, t('more')) : '');
  }
  function apply() {
    Object.assign(filters, { state: state.value, team: teams.value.trim(), priority: priority.value.trim(),
      channel: channel.value.trim(), author: '' });
    load(false);
  }
  async function find(q) {
    if (!q) return;
    if (/^AK-/i.test(q) || /^[0-9a-f-]{16,}$/i.test(q)) return go('/ui/cases/' + encodeURIComponent(q.toUpperCase().startsWith('AK-') ? q.toUpperCase() : q));
    filters.author = q.replace(/^@/, '');
    filters.state = 'all';
    state.value = 'all';
    load(false);
  }

  // What can change the list; a delivery made changes nothing shown here.
  const changes = new Set(['connected', 'accepted', 'claimed', 'released', 'resolved', 'failed',
    'retried', 'dropped']);
  let pending = null;
  let last = 0;
  const stop = onLive((event) => {
    if (event.type === 'paused' || event.type === 'resumed' || event.type === 'storm') refreshStatus();
    if (!changes.has(event.type) || pending) return;
    // A quiet moment's event shows at once; a burst reloads the list once a second, not
    // once an event, whatever the rate of complaints.
    const wait = Math.max(150, 1000 - (Date.now() - last));
    pending = setTimeout(() => { pending = null; last = Date.now(); load(false); }, wait);
  });
  const status = await statusPanel();  // before header(): it shows the live state as of now
  app.replaceChildren(header(), status, search, form, message, table, more);
  await load(false);
  return stop;
}

function fact(label, ...value) { return [el('dt', {}, label), el('dd', {}, ...value)]; }

function eventDetail(e) {
  const skip = new Set(['at', 'event']);
  return Object.entries(e).filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
}

// Notes being written, by case: a redraw (a delivery, a claim elsewhere) keeps them.
const drafts = new Map();

async function casePage(id) {
  let caseId = id;
  let shown = '';
  async function draw() {
    let c;
    try { c = await api('GET', '/v1/complaints/' + encodeURIComponent(id)); } catch (e) {
      app.replaceChildren(header(), el('p', { class: 'error' }, e.status === 404 ? t('notFound', id) : e.message),
        el('a', { href: '/ui/', onclick: (ev) => { ev.preventDefault(); go('/ui/'); } }, t('back')));
      return;
    }
    caseId = c.id;
    const status = await statusPanel();
    const seen = JSON.stringify(c) + status.textContent;
    if (seen === shown) return;
    shown = seen;
    app.replaceChildren(header(), status, ...caseView(c, draw));
  }
  await draw();
  let pending = null;
  return onLive((event) => {
    if (event.id !== caseId && event.type !== 'connected' && event.type !== 'paused' && event.type !== 'resumed') return;
    // The store records a delivery just after it is made: read a moment later.
    if (!pending) pending = setTimeout(() => { pending = null; draw(); }, 300);
  });
}

function caseView(c, redraw) {
  const complaint = c.complaint || {};
  const author = complaint.author || {};
  const d = c.decision || {};
  const h = c.handoff;
  const message = el('p', { class: 'notice', id: 'message' });
  const note = el('textarea', {
    placeholder: t('note'), 'aria-label': t('note'), id: 'note',
    oninput: (e) => drafts.set(c.id, e.target.value),
  });
  note.value = drafts.get(c.id) || '';
  const act = async (verb, extra = {}) => {
    if (!session.agent) { message.className = 'error'; message.textContent = t('needAgent'); return; }
    try {
      await api('POST', `/v1/complaints/${encodeURIComponent(c.id)}/${verb}`, { agent: session.agent, ...extra });
    } catch (e) {
      message.className = 'error';
      message.textContent = e.status === 403 ? t('scopeTooLow') : e.message;
      return;
    }
    if (verb === 'resolve') drafts.delete(c.id);
    redraw();
  };
  const facts = el('dl', { class: 'facts' },
    fact(t('reference'), c.reference),
    fact(t('customer'), [author.name, author.handle ? '@' + author.handle : '', author.id ? `(${author.id})` : '']
      .filter(Boolean).join(' ')),
    fact(t('channel'), c.channel + (d.visibility ? ` · ${d.visibility}` : '')),
    fact(t('received'), localTime(c.received_at)),
    fact(t('rule'), `${d.rule || ''} · ${d.priority || ''}`));
  if (h) {
    const open = h.state !== 'resolved';
    const left = el('span', { class: 'left', 'data-deadline': open ? h.deadline : null });
    if (open) paintLeft(left);
    facts.append(...fact(t('team'), h.team), ...fact(t('deadline'), wallTime(h.deadline), ' ', open ? left : ''),
      ...fact(t('state'), t(h.state), ' · ', h.agent ? t('heldBy', h.agent) : t('unclaimed')));
    if (h.tickets && h.tickets.length) {
      facts.append(...fact(t('tickets'), h.tickets.map((k) => `${k.sink}: ${k.ticket}`).join(', ')));
    }
  }
  if (c.failed_deliveries > 0) {
    facts.append(...fact(t('failed'), el('span', { class: 'tag failed' }, t('failedDeliveries', c.failed_deliveries))));
  }
  const reply = d.reply === 'queued' || d.reply === 'sent'
    ? [el('p', {}, t('replied', d.visibility || '')), el('blockquote', { class: 'words', id: 'reply' }, d.reply_text || '')]
    : [el('p', { id: 'reply' }, t('noReply', d.reason || d.reply || ''))];
  const actions = el('div', { class: 'actions' });
  if (h && h.state !== 'resolved') {
    if (h.state === 'open') actions.append(el('button', { id: 'claim', onclick: () => act('claim') }, t('claim')));
    else actions.append(el('button', { id: 'release', class: 'quiet', onclick: () => act('unclaim') }, t('release')));
    actions.append(note, el('button', { id: 'resolve', onclick: () => act('resolve', { note: note.value }) }, t('resolve')));
  }
  const timeline = el('ol', { class: 'timeline', id: 'timeline' },
    (c.timeline || []).map((e) => el('li', { 'data-event': e.event },
      el('time', {}, localTime(e.at)), el('strong', {}, e.event), ' ',
      el('span', { class: 'detail' }, eventDetail(e)))));
  return [
    el('p', {}, el('a', { href: '/ui/', onclick: (ev) => { ev.preventDefault(); go('/ui/'); } }, '← ' + t('back'))),
    el('section', { class: 'case' },
      el('h2', {}, `${c.reference} · ${author.name || c.channel}`),
      facts, el('h3', {}, t('words')), el('blockquote', { class: 'words', id: 'words' }, complaint.text || ''),
      el('h3', {}, t('reply')), ...reply, actions, message, el('h3', {}, t('timeline')), timeline),
  ];
}

function showLogin(problem) {
  current();
  current = () => {};
  const token = el('input', { type: 'password', id: 'token', placeholder: t('token'), 'aria-label': t('token'), autocomplete: 'off' });
  const agent = el('input', { id: 'agent', placeholder: t('agent'), 'aria-label': t('agent'), value: session.agent });
  app.replaceChildren(el('form', {
    class: 'login', onsubmit: async (e) => {
      e.preventDefault();
      session.token = token.value.trim();
      session.agent = agent.value.trim();
      start();
    },
  }, el('h1', {}, t('title')), token, agent, el('button', { type: 'submit' }, t('login')),
  problem ? el('p', { class: 'error' }, problem) : ''));
}

// ---- Routing: /ui/ is the list, /ui/cases/ID a case.

let current = () => {};

async function route() {
  current();
  current = () => {};
  const m = /^\/ui\/cases\/([^/]+)$/.exec(location.pathname);
  current = m ? await casePage(decodeURIComponent(m[1])) : await queuePage();
}

function go(path) {
  history.pushState(null, '', path);
  route();
}

window.addEventListener('popstate', route);

async function start() {
  try {
    const me = await fetch('/v1/me', {
      headers: session.token ? { Authorization: 'Bearer ' + session.token } : {}, cache: 'no-store',
    });
    if (me.status === 401) {
      const refused = session.token !== '';
      session.token = '';
      return showLogin(refused ? t('badToken') : '');
    }
    session.scope = (await me.json()).scope;
  } catch (e) {
    return showLogin(e.message);
  }
  listen();
  route();
}

start();
