/** Entitlements from a billing account: active or trialing subscriptions unlock their plan's features. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entitlementsOf } from '../../../src/subgraphs/billing/index.js';
import type { Subscription } from '../../../src/ports/billing.js';

const PLANS = { Pro: ['portal', 'exports'], Starter: ['portal'] };
const account = (s: Partial<Subscription> | null) => ({
  subscription: s && {
    id: 'sub_1',
    status: 'ACTIVE' as const,
    plan: 'Pro',
    planId: null,
    currentPeriodEnd: null,
    cancelAtPeriodEnd: false,
    ...s,
  },
});

test('active or trialing: the plan and its features; one set to end stays active', () => {
  assert.deepEqual(entitlementsOf(account({}), PLANS), { plan: 'Pro', active: true, features: ['portal', 'exports'] });
  assert.deepEqual(entitlementsOf(account({ status: 'TRIALING', plan: 'Starter' }), PLANS), {
    plan: 'Starter',
    active: true,
    features: ['portal'],
  });
  assert.deepEqual(entitlementsOf(account({ cancelAtPeriodEnd: true }), PLANS), {
    plan: 'Pro',
    active: true,
    features: ['portal', 'exports'],
  });
});

test('past due, canceled, unknown, none: inactive and no feature; a plan not configured unlocks none', () => {
  for (const status of ['PAST_DUE', 'CANCELED', 'UNPAID', 'INCOMPLETE', 'UNKNOWN'] as const)
    assert.deepEqual(entitlementsOf(account({ status }), PLANS), { plan: 'Pro', active: false, features: [] }, status);
  assert.deepEqual(entitlementsOf(account(null), PLANS), { plan: null, active: false, features: [] });
  assert.deepEqual(entitlementsOf(null, PLANS), { plan: null, active: false, features: [] });
  assert.deepEqual(entitlementsOf(account({ plan: 'Gold' }), PLANS), { plan: 'Gold', active: true, features: [] });
  assert.deepEqual(entitlementsOf(account({ plan: 'constructor' }), PLANS), { plan: 'constructor', active: true, features: [] });
});
