import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Kind, parse } from 'graphql';
import { activeEventSystems, EVENT_SYSTEMS, WEBHOOK_SYSTEMS } from '../../../src/webhooks/index.js';
import { VENDORS } from '../../../src/vendors/index.js';

test('event systems come from the registry: webhook vendors and change-feed CRMs, one queue each', () => {
  assert.deepEqual(
    WEBHOOK_SYSTEMS,
    VENDORS.filter((v) => v.webhook).map((v) => v.name),
  );
  assert.deepEqual([...EVENT_SYSTEMS].sort(), ['hubspot', 'salesforce', 'stripe', 'zendesk']);
  // A webhook and a change feed would share the queue `webhooks-<name>`: a vendor has one or the other.
  for (const v of VENDORS) assert.ok(!(v.webhook && 'changeFeed' in v && v.changeFeed), `${v.name} has both a webhook and a change feed`);
});

test('only the CRM in use has a queue', () => {
  assert.deepEqual(activeEventSystems({ crm: { vendor: 'hubspot' } }).sort(), ['hubspot', 'stripe', 'zendesk']);
  assert.deepEqual(activeEventSystems({ crm: { vendor: 'salesforce' } }).sort(), ['salesforce', 'stripe', 'zendesk']);
});

test('the admin schema lists every event system (written by npm run codegen from the registry)', () => {
  const doc = parse(readFileSync('schema/admin.graphql', 'utf8'));
  const node = doc.definitions.find((d) => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'EventSystem');
  assert.ok(node?.kind === Kind.ENUM_TYPE_DEFINITION);
  const values = (node.values ?? []).map((v) => v.name.value);
  assert.deepEqual([...values].sort(), EVENT_SYSTEMS.map((s) => s.toUpperCase()).sort());
});
