// rirwhois lookup page: one search box over the RDAP endpoints of the same server.
// No dependencies, no inline code (the page is served with a strict Content-Security-Policy),
// and every piece of registry data is put in the page as text, never as markup.
'use strict';

(function () {
  const BASE = (document.querySelector('meta[name="rdap-base"]') || {}).content || '/';
  const TITLE = 'Registry lookup';
  const MAX_HOPS = 32;

  let form, input, results, statusLine;
  let generation = 0;
  let currentQuery = null;

  // ---------------------------------------------------------------- small helpers

  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  function pageUrl(q) {
    return BASE + '?q=' + encodeURIComponent(q);
  }

  // A link that runs another search in this page (and still works in a new tab).
  function qlink(text, q, props) {
    return h('a', Object.assign({ href: pageUrl(q), 'data-q': q }, props || {}), text);
  }

  function day(iso) {
    return typeof iso === 'string' ? iso.slice(0, 10) : '';
  }

  function say(text) {
    statusLine.textContent = text;
  }

  // ---------------------------------------------------------------- addresses

  function parseV4(s) {
    const parts = s.split('.');
    if (parts.length !== 4) return null;
    let n = 0n;
    for (const p of parts) {
      if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
      n = (n << 8n) | BigInt(Number(p));
    }
    return n;
  }

  function parseV6(s) {
    if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
    const last = s.lastIndexOf(':');
    const tail4 = s.slice(last + 1);
    if (tail4.includes('.')) {
      const v4 = parseV4(tail4);
      if (v4 === null) return null;
      s = s.slice(0, last + 1) + (v4 >> 16n).toString(16) + ':' + (v4 & 0xffffn).toString(16);
    }
    const halves = s.split('::');
    if (halves.length > 2) return null;
    const head = halves[0] ? halves[0].split(':') : [];
    const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
    let groups = head;
    if (halves.length === 2) {
      const fill = 8 - head.length - tail.length;
      if (fill < 1) return null;
      groups = head.concat(new Array(fill).fill('0'), tail);
    }
    if (groups.length !== 8) return null;
    let n = 0n;
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      n = (n << 16n) | BigInt(parseInt(g, 16));
    }
    return n;
  }

  function parseIp(s) {
    s = String(s || '').trim();
    const v4 = parseV4(s);
    if (v4 !== null) return { v6: false, n: v4 };
    const v6 = parseV6(s);
    if (v6 !== null) return { v6: true, n: v6 };
    return null;
  }

  function compareNets(a, b) {
    const x = parseIp(a.startAddress);
    const y = parseIp(b.startAddress);
    if (!x || !y) return String(a.handle).localeCompare(String(b.handle));
    if (x.v6 !== y.v6) return x.v6 ? 1 : -1;
    if (x.n !== y.n) return x.n < y.n ? -1 : 1;
    const ex = parseIp(a.endAddress);
    const ey = parseIp(b.endAddress);
    if (ex && ey && ex.n !== ey.n) return ex.n > ey.n ? -1 : 1;
    return 0;
  }

  // What kind of query the box holds.
  function classify(raw) {
    const q = raw.trim();
    let m;
    if (parseIp(q)) return { kind: 'ip', path: 'ip/' + encodeURIComponent(q) };
    if ((m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(q)) && parseIp(m[1])) {
      return { kind: 'ip', path: 'ip/' + encodeURIComponent(m[1]) + '/' + m[2] };
    }
    if ((m = /^([0-9a-fA-F:.]+)\s*-\s*([0-9a-fA-F:.]+)$/.exec(q)) && parseIp(m[1]) && parseIp(m[2])) {
      return { kind: 'range', start: m[1], end: m[2] };
    }
    if ((m = /^(?:AS\s*)?(\d{1,10})$/i.exec(q))) return { kind: 'autnum', path: 'autnum/' + m[1] };
    if (/^[0-9a-z.*-]+\.(?:in-addr|ip6)\.arpa\.?$/i.test(q) && !q.includes('*')) {
      return { kind: 'domain', path: 'domain/' + encodeURIComponent(q.replace(/\.$/, '')) };
    }
    return { kind: 'text', q };
  }

  // ---------------------------------------------------------------- RDAP

  async function rdap(path) {
    let res;
    try {
      res = await fetch(BASE + path, {
        headers: { Accept: 'application/rdap+json' },
        credentials: 'omit',
        redirect: 'manual',
      });
    } catch (e) {
      return { status: 0, body: null, path };
    }
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
      return { status: 302, body: null, path };
    }
    let body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = null;
    }
    return { status: res.status, body, path };
  }

  // The path below the base of a link the server wrote, so it is asked of this same server.
  function relPath(href) {
    if (!href) return null;
    try {
      const u = new URL(href, location.href);
      const m = /\/((?:ips|ip|autnums|autnum|entities|entity|domains|domain)\/.*)$/.exec(u.pathname);
      return m ? m[1] + u.search : null;
    } catch (e) {
      return null;
    }
  }

  function linksOf(obj, rel) {
    return (obj && Array.isArray(obj.links) ? obj.links : []).filter((l) => l && l.rel === rel);
  }

  function remark(obj, title) {
    return (obj && Array.isArray(obj.remarks) ? obj.remarks : []).find((r) => r && r.title === title);
  }

  function remarkText(r) {
    return r && Array.isArray(r.description) ? r.description.join(' ') : '';
  }

  function hasRole(e, role) {
    return Array.isArray(e.roles) && e.roles.includes(role);
  }

  // vCard properties of an entity.
  function vcard(e) {
    const out = { fn: '', kind: '', org: '', adr: '', tels: [], emails: [] };
    const props = e && Array.isArray(e.vcardArray) && Array.isArray(e.vcardArray[1]) ? e.vcardArray[1] : [];
    for (const p of props) {
      if (!Array.isArray(p) || p.length < 4) continue;
      const [name, params, , value] = p;
      switch (name) {
        case 'fn': out.fn = String(value); break;
        case 'kind': out.kind = String(value); break;
        case 'org': out.org = String(value); break;
        case 'adr':
          if (params && params.label) out.adr = String(params.label);
          else if (Array.isArray(value)) out.adr = value.flat().filter(Boolean).join(', ');
          break;
        case 'tel': {
          const types = params && params.type ? [].concat(params.type) : [];
          const label = types.includes('fax') ? 'Fax' : types.includes('cell') ? 'Mobile' : 'Office';
          out.tels.push({ label, number: String(value).replace(/^tel:/, '') });
          break;
        }
        case 'email': out.emails.push(String(value)); break;
        default: break;
      }
    }
    return out;
  }

  // The validation marker of a contact, from the remarks the server writes.
  const MARKERS = [
    { title: 'Unvalidated POC', label: 'Unvalidated', cls: 'bad', date: 'last' },
    { title: 'Invalid POC', label: 'Invalid', cls: 'bad', date: 'last' },
    { title: 'Temporarily Invalid POC', label: 'Temporarily Invalid', cls: 'bad', date: 'last' },
    { title: 'POC Validation Pending', label: 'Validation pending', cls: 'warn', date: 'first' },
  ];

  function validation(e) {
    for (const m of MARKERS) {
      const r = remark(e, m.title);
      if (r) {
        const text = remarkText(r);
        const dates = text.match(/\d{4}-\d{2}-\d{2}/g) || [];
        const since = m.date === 'first' ? dates[0] : dates[dates.length - 1];
        return { label: m.label, cls: m.cls, since: since || '', text };
      }
    }
    if (Array.isArray(e.status) && e.status.includes('validated')) {
      return { label: 'Validated', cls: 'good', since: '', text: 'This contact confirmed its data.' };
    }
    return null;
  }

  function badge(v) {
    if (!v) return null;
    const tag = v.cls === 'good' ? 'span' : 'strong';
    return [
      h(tag, { class: 'badge ' + v.cls, title: v.text }, v.label),
      v.since && v.cls !== 'good' ? h('span', { class: 'since' }, ' since ' + v.since) : null,
    ];
  }

  function isPrivate(e) {
    return !!remark(e, 'Private Customer');
  }

  const ROLE_NAMES = {
    registrant: 'Registrant',
    administrative: 'Admin',
    technical: 'Tech',
    abuse: 'Abuse',
    noc: 'NOC',
    routing: 'Routing',
    dns: 'DNS',
  };

  function roleText(e) {
    return (Array.isArray(e.roles) ? e.roles : []).map((r) => ROLE_NAMES[r] || r).join(', ');
  }

  // ---------------------------------------------------------------- pieces of a result

  function facts(rows) {
    const dl = h('dl', { class: 'facts' });
    for (const [k, v] of rows) {
      if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
      dl.append(h('dt', null, k), h('dd', null, v));
    }
    return dl;
  }

  function events(obj) {
    const out = [];
    for (const ev of Array.isArray(obj.events) ? obj.events : []) {
      if (ev.eventAction === 'registration') out.push(['Registered', day(ev.eventDate)]);
      if (ev.eventAction === 'last changed') out.push(['Last changed', day(ev.eventDate)]);
    }
    return out;
  }

  async function copyText(text, button) {
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        ok = true;
      }
    } catch (e) {
      ok = false;
    }
    if (!ok) {
      const area = h('textarea', { class: 'sr-only', readonly: true, 'aria-hidden': 'true', tabindex: '-1' });
      area.value = text;
      document.body.append(area);
      area.select();
      try {
        ok = document.execCommand('copy');
      } catch (e) {
        ok = false;
      }
      area.remove();
      button.focus();
    }
    button.textContent = ok ? 'Copied' : 'Copy failed';
    say(ok ? 'Copied ' + text + ' to the clipboard.' : 'Could not copy; select the address and copy it by hand.');
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 2500);
  }

  function copyButton(text, what) {
    return h('button', {
      type: 'button',
      class: 'copy',
      'aria-label': 'Copy ' + what + ' ' + text,
      onclick: (ev) => copyText(text, ev.currentTarget),
    }, 'Copy');
  }

  // `organization KMH-7 (Kestrel …)` in an inherited-abuse remark, with the handle linked.
  function inheritedFrom(text) {
    const m = /abuse contact of (organization|network|autnum) (\S+?)(?: \(([^)]*)\))?\.?$/.exec(text);
    if (!m) return [text];
    return [m[1] + ' ', qlink(m[2], m[2]), m[3] ? ' (' + m[3] + ')' : ''];
  }

  // The abuse contact: first and prominent.
  function abusePanel(obj, what) {
    const all = Array.isArray(obj.entities) ? obj.entities : [];
    let e = all.find((x) => hasRole(x, 'abuse'));
    let nestedIn = null;
    if (!e) {
      for (const x of all) {
        const inner = (Array.isArray(x.entities) ? x.entities : []).find((y) => hasRole(y, 'abuse'));
        if (inner) {
          e = inner;
          nestedIn = x;
          break;
        }
      }
    }
    const heading = h('h3', { id: 'abuse-title' }, 'Abuse contact');
    if (!e) {
      const none = remark(obj, 'No Abuse Contact');
      return h('section', { id: 'abuse', class: 'abuse none', 'aria-labelledby': 'abuse-title' },
        heading,
        h('p', null, none ? remarkText(none) : 'No abuse contact is registered for this ' + what + '.'));
    }
    const card = vcard(e);
    const v = validation(e);
    const inherited = remark(e, 'Inherited Abuse Contact');
    const mail = card.emails[0];
    return h('section', { id: 'abuse', class: 'abuse', 'aria-labelledby': 'abuse-title' },
      heading,
      mail
        ? h('p', { class: 'mail' },
          h('a', { id: 'abuse-email', href: 'mailto:' + mail }, mail),
          copyButton(mail, 'abuse e-mail address'))
        : h('p', null, 'No e-mail address is registered for this contact.'),
      h('p', null,
        h('span', { class: 'who' }, card.fn || e.handle), ' (', qlink(e.handle, e.handle), ') ', badge(v)),
      v && v.cls !== 'good' ? h('p', { class: 'vtext' }, v.text) : null,
      card.emails.length > 1 ? h('p', null, 'Also: ', card.emails.slice(1).join(', ')) : null,
      card.tels.length ? h('p', null, card.tels.map((t) => t.label + ' ' + t.number).join(' · ')) : null,
      h('p', { class: 'from', id: 'abuse-from' },
        inherited
          ? ['Inherited: this ' + what + ' has no abuse contact of its own; it uses the one of ', inheritedFrom(remarkText(inherited))]
          : nestedIn
            ? ['From the organization ', qlink(nestedIn.handle, nestedIn.handle), '.']
            : 'This ' + what + "'s own abuse contact."));
  }

  function pocCard(e) {
    const card = vcard(e);
    const v = validation(e);
    const flagged = v && v.cls === 'bad';
    return h('li', { class: 'poc' + (flagged ? ' flagged' : '') },
      h('div', { class: 'who' }, card.fn || e.handle, ' ', badge(v)),
      h('div', { class: 'roles' }, roleText(e) ? roleText(e) + ' · ' : '', qlink(e.handle, e.handle)),
      flagged ? h('div', { class: 'vtext' }, v.text) : null,
      h('ul', null,
        card.org && card.org !== card.fn ? h('li', null, card.org) : null,
        card.emails.map((m) => h('li', null, h('a', { href: 'mailto:' + m }, m))),
        card.tels.map((t) => h('li', null, t.label + ': ' + t.number)),
        card.adr ? h('li', null, card.adr.split('\n').join(', ')) : null));
  }

  function redactedCard(e) {
    return h('div', { class: 'redacted', 'data-redacted': 'true' },
      h('div', null, h('strong', null, 'Private customer'), ' ', qlink(e.handle, e.handle)),
      h('div', null, 'Name: ', h('span', { class: 'blk' }, 'Redacted')),
      h('div', null, 'Address: ', h('span', { class: 'blk' }, 'Redacted')),
      h('p', null, remarkText(remark(e, 'Private Customer')) ||
        "The registry does not publish this customer's name and address."));
  }

  function orgCard(e) {
    if (isPrivate(e)) return redactedCard(e);
    const card = vcard(e);
    const pocs = (Array.isArray(e.entities) ? e.entities : []).filter((x) => !isPrivate(x));
    return h('div', { class: 'org' },
      h('div', { class: 'who' }, h('strong', null, card.fn || e.handle), ' (', qlink(e.handle, e.handle), ')'),
      card.adr ? h('div', null, card.adr.split('\n').join(', ')) : null,
      pocs.length
        ? [h('h4', null, 'Contacts of ' + (card.fn || e.handle)), h('ul', { class: 'pocs' }, pocs.map(pocCard))]
        : null);
  }

  // Contacts of a network, autnum or domain: the registrant with its own, then the object's.
  function contacts(obj, what) {
    const all = Array.isArray(obj.entities) ? obj.entities : [];
    const registrants = all.filter((e) => hasRole(e, 'registrant'));
    // The inherited abuse contact is the abuse panel's; it is no contact of this object.
    const pocs = all.filter((e) => !hasRole(e, 'registrant') && !remark(e, 'Inherited Abuse Contact'));
    if (!all.length) return null;
    return h('section', { 'aria-labelledby': 'contacts-title' },
      h('h3', { id: 'contacts-title' }, 'Contacts'),
      registrants.length ? [h('h4', null, 'Registrant'), registrants.map(orgCard)] : null,
      pocs.length ? [h('h4', null, 'Contacts of this ' + what), h('ul', { class: 'pocs' }, pocs.map(pocCard))] : null);
  }

  function registrantOf(obj) {
    const e = (Array.isArray(obj.entities) ? obj.entities : []).find((x) => hasRole(x, 'registrant'));
    if (!e) {
      const rel = linksOf(obj, 'related')[0];
      const path = rel && relPath(rel.href);
      const m = path && /^entity\/(.+)$/.exec(path);
      if (m) {
        const handle = decodeURIComponent(m[1]);
        return qlink(handle, handle);
      }
      return null;
    }
    if (isPrivate(e)) return ['Private customer (name redacted) ', qlink(e.handle, e.handle)];
    const card = vcard(e);
    return [card.fn ? card.fn + ' ' : '', '(', qlink(e.handle, e.handle), ')'];
  }

  function remarksSection(obj) {
    const rs = (Array.isArray(obj.remarks) ? obj.remarks : []).filter((r) => r.title !== 'No Abuse Contact');
    if (!rs.length) return null;
    return h('section', { 'aria-labelledby': 'remarks-title' },
      h('h3', { id: 'remarks-title' }, 'Remarks'),
      h('div', { class: 'remarks' }, rs.map((r) => h('p', null, r.title ? h('strong', null, r.title + ': ') : null, remarkText(r)))));
  }

  // The notices of an answer: where to report invalid contact data, terms, truncation.
  function noticesSection(body) {
    const ns = Array.isArray(body && body.notices) ? body.notices : [];
    const out = [];
    for (const n of ns) {
      if (n.type === 'result set truncated due to excessive load' || n.title === 'Search Policy') {
        out.push(h('p', { class: 'note' }, remarkText(n)));
      }
    }
    const report = ns.find((n) => n.title === 'Inaccuracy Report');
    const rlink = report && (report.links || []).find((l) => l.href);
    if (rlink) {
      out.push(h('p', { class: 'report', id: 'report' },
        'Is a contact here wrong, unreachable or invalid? ',
        h('a', { href: rlink.href, rel: 'noopener noreferrer', target: '_blank' },
          'Report invalid contact data', h('span', { class: 'sr-only' }, ' (opens in a new tab)'))));
    }
    const terms = ns.find((n) => n.title === 'Terms of Service');
    const tlink = terms && (terms.links || []).find((l) => l.href);
    if (tlink) {
      out.push(h('p', { class: 'terms' }, 'Use of this data is subject to the ',
        h('a', { href: tlink.href, rel: 'noopener noreferrer' }, 'terms of service'), '.'));
    }
    return out;
  }

  function netRange(n) {
    return n.startAddress && n.endAddress ? n.startAddress + ' - ' + n.endAddress : '';
  }

  function asnRange(a) {
    if (a.startAutnum === undefined) return '';
    return a.startAutnum === a.endAutnum ? 'AS' + a.startAutnum : 'AS' + a.startAutnum + ' - AS' + a.endAutnum;
  }

  function cidrs(n) {
    return (Array.isArray(n.cidr0_cidrs) ? n.cidr0_cidrs : [])
      .map((c) => (c.v4prefix || c.v6prefix) + '/' + c.length);
  }

  function rangeOf(obj) {
    return obj.objectClassName === 'autnum' ? asnRange(obj) : netRange(obj);
  }

  function heading(kind, title, sub) {
    return h('header', { class: 'result-head' },
      h('h2', { id: 'result-title', tabindex: '-1' }, h('span', { class: 'kind' }, kind), title),
      sub ? h('p', { class: 'sub' }, sub) : null);
  }

  // ---------------------------------------------------------------- hierarchy

  function chainItem(obj, depth, here) {
    const li = h('li', here ? { class: 'here', 'aria-current': 'page' } : null,
      here ? h('span', null, obj.handle) : qlink(obj.handle, obj.handle, { 'data-handle': obj.handle }),
      obj.name ? ' ' + obj.name : '',
      ' ', h('span', { class: 'range' }, rangeOf(obj)));
    li.style.setProperty('--depth', String(depth));
    return li;
  }

  async function loadParents(obj, my, box) {
    const chain = [];
    let cur = obj;
    const seen = new Set([obj.handle]);
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const up = linksOf(cur, 'up')[0];
      const path = up && relPath(up.href);
      if (!path) break;
      const r = await rdap(path);
      if (my !== generation) return;
      if (r.status !== 200 || !r.body || seen.has(r.body.handle)) break;
      seen.add(r.body.handle);
      chain.unshift(r.body);
      cur = r.body;
    }
    box.replaceChildren();
    if (!chain.length) {
      box.append(h('p', null, 'None: this is a top-level ' + (obj.objectClassName === 'autnum' ? 'autnum' : 'network') + ' of this registry.'));
      return;
    }
    const list = h('ol', { class: 'tree chain', id: 'parents' });
    chain.forEach((p, i) => list.append(chainItem(p, i, false)));
    list.append(chainItem(obj, chain.length, true));
    box.append(list);
  }

  async function loadChildren(net, my, box) {
    const paths = [...new Set(linksOf(net, 'rdap-down').map((l) => relPath(l.href)).filter(Boolean))];
    const answers = await Promise.all(paths.map(rdap));
    if (my !== generation) return;
    const byHandle = new Map();
    let truncated = false;
    for (const r of answers) {
      if (r.status !== 200 || !r.body) continue;
      for (const n of Array.isArray(r.body.ipSearchResults) ? r.body.ipSearchResults : []) {
        if (n.handle !== net.handle) byHandle.set(n.handle, n);
      }
      if ((r.body.notices || []).some((n) => n.title === 'Search Policy')) truncated = true;
    }
    const kids = [...byHandle.values()].sort(compareNets);
    box.replaceChildren();
    if (!kids.length) {
      box.append(h('p', null, 'None: no network of this registry lies directly below this one.'));
      return;
    }
    const list = h('ul', { class: 'tree', id: 'children' });
    for (const k of kids) {
      list.append(h('li', null, qlink(k.handle, k.handle, { 'data-handle': k.handle }),
        k.name ? ' ' + k.name : '', ' ', h('span', { class: 'range' }, netRange(k)),
        k.type ? ' · ' + k.type.toLowerCase() : ''));
    }
    box.append(list);
    if (truncated) box.append(h('p', { class: 'note' }, 'Only the first networks below this one are listed.'));
  }

  function hierarchy(obj, my, withChildren) {
    const parents = h('div', { id: 'parents-box' }, h('p', null, 'Loading…'));
    const kids = withChildren ? h('div', { id: 'children-box' }, h('p', null, 'Loading…')) : null;
    loadParents(obj, my, parents);
    if (kids) loadChildren(obj, my, kids);
    return h('section', { 'aria-labelledby': 'hier-title' },
      h('h3', { id: 'hier-title' }, 'Hierarchy'),
      h('h4', null, 'Parent chain'), parents,
      kids ? [h('h4', null, 'Directly below'), kids] : null);
  }

  // ---------------------------------------------------------------- object views

  function showNet(net, body, my) {
    const origin = (Array.isArray(net.arin_originas0_originautnums) ? net.arin_originas0_originautnums : [])
      .map((a) => qlink('AS' + a, 'AS' + a));
    const parent = net.parentHandle ? qlink(net.parentHandle, net.parentHandle, { id: 'parent-link' }) : null;
    return h('article', { 'data-object': 'ip network', 'data-handle': net.handle },
      heading('Network', net.handle, [net.name || '', ' · ', netRange(net)]),
      abusePanel(net, 'network'),
      h('section', { 'aria-labelledby': 'net-title' },
        h('h3', { id: 'net-title' }, 'Network'),
        facts([
          ['Range', netRange(net)],
          ['CIDR', h('ul', { class: 'list-inline', id: 'cidrs' }, cidrs(net).map((c) => h('li', { class: 'mono' }, c)))],
          ['Name', net.name],
          ['Handle', net.handle],
          ['Type', net.type],
          ['Organization', registrantOf(net)],
          ['Origin AS', origin.length ? h('ul', { class: 'list-inline' }, origin.map((a) => h('li', null, a))) : null],
          ['Parent', parent],
          ['Country', net.country],
          ['IP version', net.ipVersion === 'v6' ? 'IPv6' : 'IPv4'],
        ].concat(events(net)))),
      hierarchy(net, my, true),
      contacts(net, 'network'),
      remarksSection(net),
      noticesSection(body));
  }

  function showAutnum(a, body, my) {
    return h('article', { 'data-object': 'autnum', 'data-handle': a.handle },
      heading('Autonomous system', a.handle, [a.name || '', ' · ', asnRange(a)]),
      abusePanel(a, 'autnum'),
      h('section', { 'aria-labelledby': 'asn-title' },
        h('h3', { id: 'asn-title' }, 'Autonomous system'),
        facts([
          ['Numbers', asnRange(a)],
          ['Name', a.name],
          ['Handle', a.handle],
          ['Type', a.type],
          ['Organization', registrantOf(a)],
          ['Country', a.country],
        ].concat(events(a)))),
      linksOf(a, 'up').length ? hierarchy(a, my, false) : null,
      contacts(a, 'autnum'),
      remarksSection(a),
      noticesSection(body));
  }

  function showDomain(d, body) {
    const ns = (Array.isArray(d.nameservers) ? d.nameservers : []).map((n) => h('li', { class: 'mono' }, n.ldhName));
    const sec = d.secureDNS || {};
    const ds = Array.isArray(sec.dsData) ? sec.dsData : [];
    return h('article', { 'data-object': 'domain', 'data-handle': d.handle },
      heading('Reverse DNS zone', d.ldhName || d.handle, null),
      h('section', { 'aria-labelledby': 'dom-title' },
        h('h3', { id: 'dom-title' }, 'Delegation'),
        facts([
          ['Zone', d.ldhName],
          ['Name servers', ns.length ? h('ul', { class: 'list-inline' }, ns) : 'none'],
          ['DNSSEC', sec.delegationSigned ? 'signed' : 'not signed'],
          ['DS records', ds.length
            ? h('ul', null, ds.map((k) => h('li', { class: 'mono' },
              'key tag ' + k.keyTag + ', algorithm ' + k.algorithm + ', digest type ' + k.digestType + ', ' + k.digest)))
            : null],
        ].concat(events(d)))),
      contacts(d, 'zone'),
      remarksSection(d),
      noticesSection(body));
  }

  function objectList(title, items, id) {
    if (!items.length) return null;
    return [h('h4', null, title), h('ul', { class: 'tree', id },
      items.map((o) => h('li', null, qlink(o.handle, o.handle), o.name ? ' ' + o.name : '', ' ',
        h('span', { class: 'range' }, rangeOf(o)))))];
  }

  function showEntity(e, body) {
    const card = vcard(e);
    const org = card.kind === 'org' || isPrivate(e) || Array.isArray(e.networks) || Array.isArray(e.autnums) ||
      (Array.isArray(e.entities) && e.entities.length > 0);
    const v = validation(e);
    if (!org) {
      return h('article', { 'data-object': 'entity', 'data-handle': e.handle },
        heading('Point of contact', e.handle, card.fn),
        h('section', { 'aria-labelledby': 'poc-title' },
          h('h3', { id: 'poc-title' }, 'Contact'),
          h('ul', { class: 'pocs' }, pocCard(e)),
          v ? facts([['Validation', [badge(v), v.text ? h('div', null, v.text) : null]]]) : null,
          facts(events(e))),
        remarksSection({ remarks: (e.remarks || []).filter((r) => !MARKERS.some((m) => m.title === r.title)) }),
        noticesSection(body));
    }
    const pocs = (Array.isArray(e.entities) ? e.entities : []);
    return h('article', { 'data-object': 'entity', 'data-handle': e.handle },
      heading('Organization', e.handle, isPrivate(e) ? 'Private customer' : card.fn),
      pocs.length ? abusePanel({ entities: pocs }, 'organization') : null,
      isPrivate(e)
        ? redactedCard(e)
        : h('section', { 'aria-labelledby': 'org-title' },
          h('h3', { id: 'org-title' }, 'Organization'),
          facts([['Name', card.fn], ['Handle', e.handle], ['Address', card.adr ? card.adr.split('\n').join(', ') : '']]
            .concat(events(e)))),
      pocs.length
        ? h('section', { 'aria-labelledby': 'contacts-title' },
          h('h3', { id: 'contacts-title' }, 'Contacts'), h('ul', { class: 'pocs' }, pocs.map(pocCard)))
        : null,
      (e.networks && e.networks.length) || (e.autnums && e.autnums.length)
        ? h('section', { 'aria-labelledby': 'res-title' },
          h('h3', { id: 'res-title' }, 'Resources'),
          objectList('Networks', (e.networks || []).slice().sort(compareNets), 'org-nets'),
          objectList('Autonomous systems', e.autnums || [], 'org-asns'))
        : null,
      remarksSection({ remarks: (e.remarks || []).filter((r) => r.title !== 'Private Customer') }),
      noticesSection(body));
  }

  function showObject(obj, body, my) {
    switch (obj.objectClassName) {
      case 'ip network': return showNet(obj, body, my);
      case 'autnum': return showAutnum(obj, body, my);
      case 'domain': return showDomain(obj, body);
      default: return showEntity(obj, body);
    }
  }

  function describe(obj) {
    switch (obj.objectClassName) {
      case 'ip network': return 'network ' + obj.handle + ' (' + netRange(obj) + ')';
      case 'autnum': return 'autonomous system ' + obj.handle;
      case 'domain': return 'reverse DNS zone ' + (obj.ldhName || obj.handle);
      default: return 'entity ' + obj.handle;
    }
  }

  function kindName(obj) {
    switch (obj.objectClassName) {
      case 'ip network': return 'Network';
      case 'autnum': return 'Autonomous system';
      case 'domain': return 'Reverse DNS zone';
      default: return isPrivate(obj) ? 'Private customer' : vcard(obj).kind === 'org' ? 'Organization' : 'Contact';
    }
  }

  function showMatches(q, objs, body) {
    const rows = objs.map((o) => {
      const card = o.objectClassName === 'entity' ? vcard(o) : null;
      const name = card ? (isPrivate(o) ? 'Private customer (name redacted)' : card.fn) : o.name || '';
      return h('tr', null,
        h('td', null, kindName(o)),
        h('td', { class: 'handle' }, qlink(o.handle, o.handle)),
        h('td', null, name, card ? [' ', badge(validation(o))] : null),
        h('td', { class: 'mono' }, rangeOf(o)));
    });
    return h('article', { 'data-object': 'matches' },
      heading('Search', objs.length + (objs.length === 1 ? ' match' : ' matches') + ' for “' + q + '”', null),
      h('table', { class: 'matches', id: 'matches' },
        h('caption', { class: 'sr-only' }, 'Objects matching ' + q),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Handle'),
          h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Range or number'))),
        h('tbody', null, rows)),
      noticesSection(body));
  }

  function problem(r, q) {
    const desc = r.body && Array.isArray(r.body.description) ? r.body.description.join(' ') : '';
    switch (r.status) {
      case 0: return 'The server could not be reached. Try again in a moment.';
      case 302: return 'This registry does not hold “' + q + '”; another registry does.';
      case 404: return 'Nothing found for “' + q + '”.' + (desc ? ' ' + desc : '');
      case 429: return 'Too many queries from your address for now. ' + desc;
      default: return desc || 'The query failed (HTTP ' + r.status + ').';
    }
  }

  // ---------------------------------------------------------------- searching

  // A handle or a name: exact handles first (an entity, a network or an autnum), then names.
  async function searchText(q) {
    const enc = encodeURIComponent(q);
    const acc = { found: [], keys: new Set(), body: null, limited: null };
    const collect = (answers) => {
      for (const r of answers) {
        if (r.status === 429) acc.limited = r;
        if (r.status !== 200 || !r.body) continue;
        const b = r.body;
        acc.body = acc.body || b;
        const list = b.objectClassName
          ? [b]
          : [].concat(b.ipSearchResults || [], b.autnumSearchResults || [], b.entitySearchResults || []);
        for (const o of list) {
          const key = o.objectClassName + ' ' + String(o.handle).toUpperCase();
          if (acc.keys.has(key)) continue;
          acc.keys.add(key);
          acc.found.push({ obj: o, body: b, full: !!b.objectClassName || o.objectClassName !== 'entity' });
        }
      }
    };
    const exact = !q.includes('*');
    if (!/\s/.test(q)) {
      const tasks = [rdap('ips?handle=' + enc), rdap('autnums?handle=' + enc)];
      if (exact) tasks.unshift(rdap('entity/' + enc));
      collect(await Promise.all(tasks));
      if (exact && acc.found.length === 1) return acc;
    }
    collect(await Promise.all([rdap('ips?name=' + enc), rdap('autnums?name=' + enc), rdap('entities?fn=' + enc)]));
    return acc;
  }

  async function lookupRange(c) {
    const s = parseIp(c.start);
    const e = parseIp(c.end);
    if (!s || !e || s.v6 !== e.v6 || s.n > e.n) return { status: 400, body: { description: ['The range is not valid.'] } };
    let r = await rdap('ip/' + encodeURIComponent(c.start));
    for (let hop = 0; hop < MAX_HOPS && r.status === 200 && r.body; hop++) {
      const a = parseIp(r.body.startAddress);
      const b = parseIp(r.body.endAddress);
      if (a && b && a.n <= s.n && e.n <= b.n) return r;
      const up = linksOf(r.body, 'up')[0];
      const path = up && relPath(up.href);
      if (!path) return { status: 404, body: { description: ['No network of this registry holds the whole range.'] } };
      r = await rdap(path);
    }
    return r;
  }

  function render(my, nodes, statusText) {
    if (my !== generation) return;
    results.replaceChildren(...[].concat(nodes).filter(Boolean));
    results.setAttribute('aria-busy', 'false');
    say(statusText);
  }

  async function run(q, focusResults) {
    const my = ++generation;
    currentQuery = q;
    document.title = q + ' — ' + TITLE;
    results.setAttribute('aria-busy', 'true');
    results.replaceChildren(h('p', { class: 'note' }, 'Searching for “' + q + '”…'));
    say('Searching for “' + q + '”…');
    const c = classify(q);
    let r;
    if (c.kind === 'text') {
      const s = await searchText(q);
      if (my !== generation) return;
      let pick = s;
      if (!s.found.length && !q.includes('*') && q.length >= 2 && !s.limited) {
        pick = await searchText(q + '*');
        if (my !== generation) return;
      }
      if (pick.found.length === 1) {
        const one = pick.found[0];
        if (one.full) {
          r = { status: 200, body: one.body.objectClassName ? one.body : Object.assign({}, one.obj, { notices: one.body.notices }) };
        } else {
          r = await rdap('entity/' + encodeURIComponent(one.obj.handle));
          if (my !== generation) return;
        }
      } else if (pick.found.length > 1) {
        const objs = pick.found.map((f) => f.obj);
        render(my, showMatches(q, objs, pick.body), objs.length + ' matches for “' + q + '”.');
        afterRender(focusResults);
        return;
      } else {
        r = pick.limited || { status: 404, body: { description: ['No network, autnum or entity has this handle or name.'] } };
      }
    } else if (c.kind === 'range') {
      r = await lookupRange(c);
    } else {
      r = await rdap(c.path);
    }
    if (my !== generation) return;
    if (r.status === 200 && r.body && r.body.objectClassName) {
      const obj = r.body;
      render(my, showObject(obj, r.body, my), 'Showing ' + describe(obj) + '.');
      document.title = (obj.handle || q) + ' — ' + TITLE;
    } else {
      const extra = r.status === 302
        ? h('p', null, 'Ask the registry that holds it, or follow ',
          h('a', { href: BASE + r.path }, 'this RDAP query'), ', which redirects there.')
        : null;
      render(my, [h('p', { class: r.status === 404 ? 'note' : 'error', id: 'problem' }, problem(r, q)), extra],
        problem(r, q));
    }
    afterRender(focusResults);
  }

  function afterRender(focusResults) {
    if (!focusResults) return;
    const title = document.getElementById('result-title') || results;
    title.focus({ preventScroll: false });
  }

  function queryOfLocation() {
    return new URLSearchParams(location.search).get('q') || '';
  }

  function clear() {
    generation++;
    currentQuery = null;
    input.value = '';
    document.title = TITLE;
    results.replaceChildren();
    results.setAttribute('aria-busy', 'false');
    say('');
  }

  function navigate(q, focusResults) {
    q = q.trim();
    if (!q) return;
    input.value = q;
    if (q !== queryOfLocation()) history.pushState({ q }, '', pageUrl(q));
    run(q, focusResults);
  }

  function start() {
    form = document.getElementById('search');
    input = document.getElementById('q');
    results = document.getElementById('results');
    statusLine = document.getElementById('status');

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      navigate(input.value, false);
    });

    // Links to other objects run a search here; modified clicks open new tabs as usual.
    document.addEventListener('click', (ev) => {
      const a = ev.target instanceof Element ? ev.target.closest('a[data-q]') : null;
      if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      navigate(a.getAttribute('data-q'), true);
      window.scrollTo(0, 0);
    });

    const home = document.getElementById('home');
    home.addEventListener('click', (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      if (queryOfLocation()) history.pushState({}, '', BASE);
      clear();
      input.focus();
    });

    window.addEventListener('popstate', () => {
      const q = queryOfLocation();
      if (q) {
        input.value = q;
        run(q, false);
      } else {
        clear();
      }
    });

    const q = queryOfLocation();
    if (q) {
      input.value = q;
      history.replaceState({ q }, '', pageUrl(q));
      run(q, false);
    } else {
      input.focus();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
