/**
 * The Zendesk simulator speaks the Support API as Zendesk does: users by ids and external ids,
 * requested tickets with cursor and offset pagination, comments with sideloaded users, writes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../../sim/index.js';

let sims: Simulators;
let auth: string;
const call = async (method: string, pathOrUrl: string, body?: unknown, authorization = auth) => {
  const res = await fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${sims.urls.zendesk}${pathOrUrl}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
};

before(async () => {
  sims = await startSimulators({ customers: 50 });
  const c = sims.credentials;
  auth = `Basic ${Buffer.from(`${c.zendeskEmail}/token:${c.zendeskApiToken}`).toString('base64')}`;
});
after(() => sims.close());

test('users: show_many by ids and external_ids, show, 404, with and without .json', async () => {
  const [a, b] = sims.data.customers;
  const byIds = await call('GET', `/api/v2/users/show_many.json?ids=${a.zendeskUserId},${b.zendeskUserId}`);
  assert.equal(byIds.status, 200);
  assert.deepEqual(
    byIds.body.users.map((u: any) => u.external_id),
    ['1001', '1002'],
  );
  const byExt = await call('GET', '/api/v2/users/show_many?external_ids=1001,1002');
  assert.deepEqual(
    byExt.body.users.map((u: any) => u.id),
    [a.zendeskUserId, b.zendeskUserId],
  );
  const one = await call('GET', `/api/v2/users/${a.zendeskUserId}`);
  assert.equal(one.body.user.name, 'Ada Lovelace');
  assert.equal(one.body.user.role, 'end-user');
  assert.equal(one.body.user.url, `${sims.urls.zendesk}/api/v2/users/${a.zendeskUserId}.json`);
  const missing = await call('GET', '/api/v2/users/1.json');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { error: 'RecordNotFound', description: 'Not found' });
  const tooMany = await call('GET', `/api/v2/users/show_many?ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`);
  assert.equal(tooMany.status, 400);
  assert.equal(sims.stats('zendesk').byRoute['GET /api/v2/users/show_many'], 3);
});

test('requested tickets: cursor pagination following links.next, and offset pagination', async () => {
  const ada = sims.data.customers[0];
  const ids: number[] = [];
  let next: string | null = `/api/v2/users/${ada.zendeskUserId}/tickets/requested?page[size]=2&sort=-updated_at`;
  let pages = 0;
  while (next) {
    const res = await call('GET', next);
    assert.equal(res.status, 200);
    ids.push(...res.body.tickets.map((t: any) => t.id));
    assert.equal(typeof res.body.meta.has_more, 'boolean');
    next = res.body.meta.has_more ? res.body.links.next : null;
    pages++;
  }
  assert.equal(pages, 2);
  const expected = [...ada.tickets].sort((x, y) => y.updated_at.localeCompare(x.updated_at)).map((t) => t.id);
  assert.deepEqual(ids, expected);
  const offset = await call('GET', `/api/v2/users/${ada.zendeskUserId}/tickets/requested.json`);
  assert.equal(offset.body.count, 3);
  assert.equal(offset.body.next_page, null);
  assert.equal(offset.body.tickets.length, 3);
  const t = offset.body.tickets[0];
  for (const k of [
    'id',
    'url',
    'external_id',
    'subject',
    'description',
    'status',
    'priority',
    'requester_id',
    'submitter_id',
    'assignee_id',
    'created_at',
    'updated_at',
    'tags',
  ])
    assert.ok(k in t, k);
  assert.equal(sims.stats('zendesk').byRoute['GET /api/v2/users/{id}/tickets/requested'], 3);
});

test('tickets show_many, show, comments with sideloaded users', async () => {
  const ada = sims.data.customers[0];
  const many = await call('GET', `/api/v2/tickets/show_many.json?ids=${ada.tickets.map((t) => t.id).join(',')}`);
  assert.equal(many.body.tickets.length, 3);
  const ticket = ada.tickets.find((t) => t.comments.some((c) => c.author_id !== ada.zendeskUserId)) ?? ada.tickets[0];
  const one = await call('GET', `/api/v2/tickets/${ticket.id}`);
  assert.equal(one.body.ticket.subject, ticket.subject);
  const comments = await call('GET', `/api/v2/tickets/${ticket.id}/comments.json?include=users`);
  assert.equal(comments.body.count, ticket.comments.length);
  assert.deepEqual(
    comments.body.comments.map((c: any) => c.id),
    ticket.comments.map((c) => c.id),
  );
  const authors = new Set(ticket.comments.map((c) => c.author_id));
  assert.deepEqual(new Set(comments.body.users.map((u: any) => u.id)), authors);
  const plain = await call('GET', `/api/v2/tickets/${ticket.id}/comments`);
  assert.equal(plain.body.users, undefined);
});

test('create and update a ticket', async () => {
  const c = sims.data.customers[1];
  const created = await call('POST', '/api/v2/tickets.json', {
    ticket: { subject: 'Help', comment: { body: 'It broke' }, requester_id: c.zendeskUserId, priority: 'high' },
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.ticket.status, 'new');
  assert.equal(created.body.ticket.priority, 'high');
  const id = created.body.ticket.id;
  const updated = await call('PUT', `/api/v2/tickets/${id}.json`, {
    ticket: { status: 'solved', comment: { body: 'Fixed', author_id: sims.data.agents[0].id } },
  });
  assert.equal(updated.status, 200);
  assert.equal(updated.body.ticket.status, 'solved');
  const comments = await call('GET', `/api/v2/tickets/${id}/comments`);
  assert.deepEqual(
    comments.body.comments.map((x: any) => x.body),
    ['It broke', 'Fixed'],
  );
  const requested = await call('GET', `/api/v2/users/${c.zendeskUserId}/tickets/requested`);
  assert.equal(requested.body.count, c.tickets.length + 1);
});

test('auth: Basic email/token, Bearer, and the 401 body', async () => {
  const ok = await call('GET', '/api/v2/users/show_many?ids=1', undefined, `Bearer ${sims.credentials.zendeskApiToken}`);
  assert.equal(ok.status, 200);
  const denied = await call(
    'GET',
    '/api/v2/users/show_many?ids=1',
    undefined,
    `Basic ${Buffer.from('someone@example.com/token:nope').toString('base64')}`,
  );
  assert.equal(denied.status, 401);
  assert.deepEqual(denied.body, { error: "Couldn't authenticate you" });
});

test('ticket creation with Idempotency-Key: a repeat answers the first ticket, other parameters are refused', async () => {
  const requester = sims.data.customers[0].zendeskUserId;
  const send = (subject: string, key: string) =>
    fetch(`${sims.urls.zendesk}/api/v2/tickets`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ ticket: { subject, comment: { body: 'x' }, requester_id: requester } }),
    });
  const first = await send('Once', 'k-1');
  assert.equal(first.status, 201);
  assert.equal(first.headers.get('x-idempotency-lookup'), 'miss');
  const id = ((await first.json()) as any).ticket.id;
  const again = await send('Once', 'k-1');
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('x-idempotency-lookup'), 'hit');
  assert.equal(((await again.json()) as any).ticket.id, id);
  const other = await send('Twice', 'k-1');
  assert.equal(other.status, 400);
  assert.equal(((await other.json()) as any).error, 'IdempotentRequestError');
});

test('a comment update answers the audit with the new comment; an unknown author is refused', async () => {
  const ticket = sims.data.customers[0].tickets[0].id;
  const agent = sims.data.agents[0].id;
  const ok = await call('PUT', `/api/v2/tickets/${ticket}`, { ticket: { comment: { body: 'From an agent', author_id: agent } } });
  assert.equal(ok.status, 200);
  const ev = ok.body.audit.events.find((e: any) => e.type === 'Comment');
  assert.deepEqual([ev.author_id, ev.body, ev.public], [agent, 'From an agent', true]);
  const bad = await call('PUT', `/api/v2/tickets/${ticket}`, { ticket: { comment: { body: 'x', author_id: 1 } } });
  assert.equal(bad.status, 422);
  const users = await call('GET', `/api/v2/users/show_many?external_ids=staff:agent-1,staff:admin-1`);
  assert.deepEqual(users.body.users.map((u: any) => u.external_id).sort(), ['staff:admin-1', 'staff:agent-1']);
});
