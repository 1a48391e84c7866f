/**
 * Every write records one audit entry through the app's AuditLog before it answers: the action,
 * the customer, the systems and field names, the outcome, and who (from the request context).
 * The entries are observed on the app's own AuditLog (the call passes through to it).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditEvent } from '../../src/audit/index.js';
import { tapAudit, type TappedEntry } from '../helpers/audit-tap.js';
import { startTestApp, TEST_CRM, type TestApp } from '../helpers/app.js';

let t: TestApp;
let entries: TappedEntry[] = [];

before(async () => {
  t = await startTestApp();
  entries = tapAudit(t);
});
after(() => t.close());

const run = async (token: string, query: string) => {
  entries.length = 0;
  const res = await t.gql(query, { token });
  return { res, entries: [...entries] };
};

test('each write leaves one entry: action, customer, systems, fields, outcome and who', async () => {
  const ticket = String(t.sims.data.customers[0].tickets[0].id);
  const cases: [string, string, Partial<AuditEvent>][] = [
    [
      t.token('customer', '1001'),
      'mutation { openTicket(input: { subject: "Audit", body: "Trail" }) { id } }',
      { action: 'ticket.open', customerId: '1001', systems: ['zendesk'], fields: ['subject', 'body', 'priority'], outcome: 'ok' },
    ],
    [
      t.token('agent', 'agent-1'),
      `mutation { addTicketComment(ticketId: "${ticket}", body: "Noted") { id } }`,
      { action: 'ticket.comment', customerId: '1001', systems: ['zendesk'], fields: ['comment.body'], outcome: 'ok' },
    ],
    [
      t.token('customer', '1002'),
      `mutation { addTicketComment(ticketId: "${ticket}", body: "Mine?") { id } }`,
      { action: 'ticket.comment', customerId: '1001', systems: ['zendesk'], fields: ['comment.body'], outcome: 'denied' },
    ],
    [
      t.token('customer', '1001'),
      'mutation { requestDocumentUpload(input: { name: "a.pdf", contentType: "application/pdf", size: 10 }) { id } }',
      { action: 'document.upload.request', customerId: '1001', systems: ['s3'], fields: ['name', 'contentType', 'size'], outcome: 'ok' },
    ],
    [
      t.token('customer', '1001'),
      'mutation { requestDocumentUpload(input: { name: "a.exe", contentType: "application/x-msdownload", size: 10 }) { id } }',
      {
        action: 'document.upload.request',
        customerId: '1001',
        systems: ['s3'],
        fields: ['name', 'contentType', 'size'],
        outcome: 'failed',
      },
    ],
    [
      t.token('customer', '1001'),
      'mutation { cancelSubscription { id } }',
      { action: 'subscription.cancel', customerId: '1001', systems: ['stripe'], fields: ['cancel_at_period_end'], outcome: 'ok' },
    ],
    [
      t.token('customer', '1001'),
      'mutation { resumeSubscription(customerId: "1002") { id } }',
      // Recorded against the customer targeted, so 1002's own log shows the attempt.
      { action: 'subscription.resume', customerId: '1002', systems: ['stripe'], fields: ['cancel_at_period_end'], outcome: 'denied' },
    ],
    [
      t.token('customer', '1002'),
      'mutation { updateContact(id: "1001", input: { phone: "+1 555 0199" }) { id } }',
      // Refused before the CRM is called, and before the input is read; in 1001's log.
      { action: 'contact.update', customerId: '1001', systems: [TEST_CRM], fields: ['phone'], outcome: 'denied' },
    ],
  ];
  for (const [token, query, expected] of cases) {
    const { res, entries: got } = await run(token, query);
    assert.equal(got.length, 1, `${query}: ${JSON.stringify(res.body)}`);
    const { detail: _d, actor, ...entry } = got[0];
    assert.deepEqual({ ...entry, customerId: entry.customerId ?? null }, { ...expected, customerId: expected.customerId ?? null }, query);
    const subject = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub as string;
    assert.deepEqual(actor, { kind: 'user', subject, roles: [subject.startsWith('agent') ? 'agent' : 'customer'] }, query);
  }
});
