/**
 * Support mutations against the Zendesk simulator with a real Redis: tickets and comments written
 * once, read-your-writes, who a comment is written by, ownership (zero writes when refused),
 * input errors naming the field, no automatic retry of an unkeyed creation, and a keyed creation
 * that opens one ticket however often it is sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { runOnSubgraph } from '../helpers/subgraph.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'writessupport', UPSTREAM_RETRIES: '2' } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

const OPEN = `mutation($i: OpenTicketInput!) { openTicket(input: $i) { id subject status priority } }`;
const COMMENT = `mutation($id: ID!, $body: String!) { addTicketComment(ticketId: $id, body: $body) { id body author } }`;
const TICKETS = `{ me { tickets(first: 100) { nodes { id subject comments { id body author } } } } }`;
const writes = () => {
  const r = sims.stats('zendesk').byRoute;
  return (r['POST /api/v2/tickets'] ?? 0) + (r['PUT /api/v2/tickets/{id}'] ?? 0);
};
const customer = (id = '1001') => t.token('customer', id);

/** Ids of the tickets with this subject, as Zendesk holds them now (its own API, not through Portico's cache). */
async function ticketIds(subject: string): Promise<string[]> {
  const { zendeskEmail, zendeskApiToken } = sims.credentials;
  const user = sims.data.customers.find((c) => c.crmId === '1001')!.zendeskUserId;
  const res = await fetch(`${sims.urls.zendesk}/api/v2/users/${user}/tickets/requested.json?per_page=100`, {
    headers: { authorization: `Basic ${Buffer.from(`${zendeskEmail}/token:${zendeskApiToken}`).toString('base64')}` },
  });
  assert.equal(res.status, 200);
  const { tickets } = (await res.json()) as { tickets: { id: number; subject: string }[] };
  return tickets.filter((x) => x.subject === subject).map((x) => String(x.id));
}

async function openTicket(token: string, input: Record<string, unknown>) {
  const res = await t.gql(OPEN, { token, variables: { i: input } });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.openTicket as { id: string; subject: string; status: string; priority: string | null };
}

describe('openTicket and addTicketComment', () => {
  test('a customer opens a ticket and answers it; both show on the next read', async () => {
    const token = customer();
    const before = await t.gql(TICKETS, { token });
    assert.equal(before.body.errors, undefined);
    await t.app.cache.settle();
    sims.resetStats();
    const ticket = await openTicket(token, { subject: '  Meter reading  ', body: 'My meter shows 0042.', priority: 'HIGH' });
    assert.deepEqual({ ...ticket, id: undefined }, { id: undefined, subject: 'Meter reading', status: 'NEW', priority: 'HIGH' });
    assert.deepEqual(sims.stats('zendesk').byRoute, { 'GET /api/v2/users/show_many': 1, 'POST /api/v2/tickets': 1 });

    const listed = await t.gql(TICKETS, { token });
    const mine = listed.body.data.me.tickets.nodes.find((n: { id: string }) => n.id === ticket.id);
    assert.deepEqual(
      mine?.comments.map((c: { body: string; author: string }) => [c.body, c.author]),
      [['My meter shows 0042.', 'Ada Lovelace']],
    );
    await t.app.cache.settle();

    sims.resetStats();
    const res = await t.gql(COMMENT, { token, variables: { id: ticket.id, body: 'Photo attached later.' } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(
      { ...res.body.data.addTicketComment, id: undefined },
      { id: undefined, body: 'Photo attached later.', author: 'Ada Lovelace' },
    );
    assert.equal(writes(), 1);
    const again = await t.gql(TICKETS, { token });
    const comments = again.body.data.me.tickets.nodes.find((n: { id: string }) => n.id === ticket.id).comments;
    assert.deepEqual(
      comments.map((c: { body: string }) => c.body),
      ['My meter shows 0042.', 'Photo attached later.'],
    );
  });

  test("an agent's comment is written by the agent's own Zendesk user; a staff member without one is refused", async () => {
    const ticket = await openTicket(customer(), { subject: 'Agent reply', body: 'Hello?' });
    const res = await t.gql(COMMENT, { token: t.token('agent', 'agent-1'), variables: { id: ticket.id, body: 'On it.' } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.equal(res.body.data.addTicketComment.author, 'Sam Support');
    sims.resetStats();
    const unlinked = await t.gql(COMMENT, { token: t.token('admin', 'admin-7'), variables: { id: ticket.id, body: 'Hi' } });
    assert.equal(unlinked.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.match(unlinked.body.errors?.[0]?.message ?? '', /staff:admin-7/);
    assert.equal(writes(), 0);
  });

  test("another customer's ticket, or one that does not exist, is FORBIDDEN with no write", async () => {
    const ticket = await openTicket(customer('1001'), { subject: 'Private', body: 'Mine only.' });
    sims.resetStats();
    for (const id of [ticket.id, '999999999']) {
      const res = await t.gql(COMMENT, { token: customer('1002'), variables: { id, body: 'Let me in' } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', id);
      assert.equal(res.body.data, null);
    }
    const named = await t.gql(OPEN, { token: customer('1002'), variables: { i: { subject: 'x', body: 'y', customerId: '1001' } } });
    assert.equal(named.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(writes(), 0);
    // Staff see a missing ticket as such.
    const missing = await t.gql(COMMENT, { token: t.token('agent', 'agent-1'), variables: { id: '999999999', body: 'x' } });
    assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('bad input names the field, before any call', async () => {
    sims.resetStats();
    const cases: [string, Record<string, unknown>, string][] = [
      [OPEN, { i: { subject: ' ', body: 'x' } }, 'input.subject'],
      [OPEN, { i: { subject: 'x'.repeat(151), body: 'x' } }, 'input.subject'],
      [OPEN, { i: { subject: 'x', body: '' } }, 'input.body'],
      [OPEN, { i: { subject: 'x', body: 'y', priority: 'UNKNOWN' } }, 'input.priority'],
      [COMMENT, { id: '12a', body: 'x' }, 'ticketId'],
      [COMMENT, { id: '1', body: '  ' }, 'body'],
    ];
    for (const [q, variables, argument] of cases) {
      const res = await t.gql(q, { token: customer(), variables });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', argument);
      assert.equal(res.body.errors?.[0]?.extensions?.argument, argument);
    }
    const staff = await t.gql(OPEN, { token: t.token('agent'), variables: { i: { subject: 'x', body: 'y' } } });
    assert.equal(staff.body.errors?.[0]?.extensions?.argument, 'input.customerId');
    assert.equal(sims.stats('zendesk').total, 0);
  });
});

describe('exactly once', () => {
  test('an unkeyed ticket creation is retried after a 503 under a key of its own: one ticket, reported done', async () => {
    sims.resetStats();
    // Deterministic faults: the 1st request (the user lookup) fails and is retried, the 3rd (the creation) fails and is retried.
    sims.setFaults('zendesk', { failureRate: 0.5 });
    let res;
    try {
      res = await t.gql(OPEN, { token: customer(), variables: { i: { subject: 'Flaky', body: 'x' } } });
    } finally {
      sims.setFaults('zendesk', {});
    }
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(sims.stats('zendesk').byRoute, { 'GET /api/v2/users/show_many': 2, 'POST /api/v2/tickets': 2 });
    assert.deepEqual(await ticketIds('Flaky'), [res.body.data.openTicket.id]);
  });

  for (const as of ['reset', 'status'] as const) {
    test(`Zendesk makes an unkeyed ticket and its answer is lost (${as}): the retry gets that ticket, not a second; reported done`, async () => {
      const subject = `Lost answer ${as}`;
      sims.resetStats();
      sims.setFaults('zendesk', { loseAnswers: 1, loseAnswerAs: as });
      let res;
      try {
        res = await t.gql(OPEN, { token: customer(), variables: { i: { subject, body: 'x' } } });
      } finally {
        sims.setFaults('zendesk', {});
      }
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.equal(sims.stats('zendesk').byRoute['POST /api/v2/tickets'], 2, 'the lost attempt and its retry');
      assert.deepEqual(await ticketIds(subject), [res.body.data.openTicket.id]);
    });
  }

  test('a comment is never retried: a 503 on it is the answer', async () => {
    const ticket = await openTicket(customer(), { subject: 'No double comments', body: 'x' });
    sims.resetStats();
    // The ticket and user reads fail once each and are retried (1st, 3rd); the comment (5th) fails.
    sims.setFaults('zendesk', { failureRate: 0.5 });
    try {
      const res = await t.gql(COMMENT, { token: customer(), variables: { id: ticket.id, body: 'Once' } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(res.body.errors?.[0]?.extensions?.system, 'support');
      assert.deepEqual(sims.stats('zendesk').byRoute, {
        'GET /api/v2/tickets/{id}': 2,
        'GET /api/v2/users/{id}': 2,
        'PUT /api/v2/tickets/{id}': 1,
      });
    } finally {
      sims.setFaults('zendesk', {});
    }
  });

  test("over HTTP: the client's retry with the same Idempotency-Key opens no second ticket", async () => {
    const token = customer('1004');
    const headers = { 'idempotency-key': 'support-form-91c2' };
    const input = { subject: 'Retried form', body: 'Sent twice by a flaky network.' };
    sims.resetStats();
    const first = await t.gql(OPEN, { token, headers, variables: { i: input } });
    const retry = await t.gql(OPEN, { token, headers, variables: { i: input } });
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    assert.deepEqual(retry.body, first.body);
    assert.equal(sims.stats('zendesk').byRoute['POST /api/v2/tickets'], 1);
  });

  test('a keyed creation sent again (client retry, or our retry after a 503) opens one ticket', async () => {
    const run = (key: string) =>
      runOnSubgraph(t, 'support', `mutation { openTicket(input: { subject: "Once", body: "Only once." }) { id } }`, {
        role: 'customer',
        sub: '1003',
        customerId: '1003',
        idempotencyKey: key,
      });
    sims.resetStats();
    // The creation's first attempt fails (503) and is retried with the same Zendesk key.
    sims.setFaults('zendesk', { failureRate: 0.5 });
    let first;
    try {
      sims.resetStats();
      // 1st request (user lookup) fails, 2nd succeeds, 3rd (creation) fails, 4th (its retry) succeeds.
      first = await run('user:1003:key-1');
    } finally {
      sims.setFaults('zendesk', {});
    }
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal(sims.stats('zendesk').byRoute['POST /api/v2/tickets'], 2);
    const second = await run('user:1003:key-1');
    assert.equal(second.data?.openTicket.id, first.data?.openTicket.id);
    const other = await run('user:1003:key-2');
    assert.notEqual(other.data?.openTicket.id, first.data?.openTicket.id);
    const listed = await t.gql(`{ me { tickets(first: 100) { nodes { id subject } } } }`, { token: customer('1003') });
    assert.equal(listed.body.data.me.tickets.nodes.filter((n: { subject: string }) => n.subject === 'Once').length, 2);
  });
});
