/**
 * A wrong automation fails at start-up with a message naming it: an unknown trigger, a step calling
 * a method the port in use does not have, a duplicate. The built-ins pass the same check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  paymentFailed,
  paymentSucceeded,
  subscriptionCanceled,
  subscriptionResumed,
  ticketSolved,
  customerSignedUp,
} from '../../../src/automations/builtins.js';
import {
  AutomationDeclarationError,
  automationKey,
  checkAutomations,
  defineAutomation,
  type AnyAutomation,
  type AutomationPorts,
} from '../../../src/automations/index.js';

const fn = async () => undefined;
/** Ports with the named methods only (the check looks at what the objects in use can do). */
const ports = (methods: Record<keyof AutomationPorts, string[]>) =>
  Object.fromEntries(
    Object.entries(methods).map(([d, ms]) => [d, Object.fromEntries(ms.map((m) => [m, fn]))]),
  ) as unknown as AutomationPorts;

const FULL = ports({
  crm: ['setBillingStanding', 'setSubscriptionStatus', 'getContacts'],
  billing: ['invoicesOf', 'subscriptionWithCustomer'],
  support: ['userIdsByCrmIds', 'ticketByExternalId', 'createTicket', 'solveTicket', 'requestedTickets', 'addNote'],
  notifications: ['notifyCustomer', 'notifyAdmins'],
});

test('the built-ins pass the start-up check', () => {
  assert.doesNotThrow(() =>
    checkAutomations(
      [paymentFailed, paymentSucceeded, subscriptionCanceled, subscriptionResumed, ticketSolved, customerSignedUp] as AnyAutomation[],
      FULL,
    ),
  );
});

test('an unknown trigger is refused, naming the automation and the trigger', () => {
  const bad = { name: 'typo', trigger: 'billing.invoice.payed', steps: [{ name: 's', uses: [], run: fn }] } as unknown as AnyAutomation;
  assert.throws(
    () => checkAutomations([bad], FULL),
    (e: Error) => e instanceof AutomationDeclarationError && /automation "typo": unknown trigger "billing.invoice.payed"/.test(e.message),
  );
});

test('a step calling what the port in use cannot do is refused, naming the step and the method', () => {
  const noSolve = ports({ crm: ['setBillingStanding'], billing: ['invoicesOf'], support: ['ticketByExternalId'], notifications: [] });
  assert.throws(
    () => checkAutomations([paymentSucceeded], noSolve),
    (e: Error) =>
      e instanceof AutomationDeclarationError &&
      e.message ===
        'automation "payment-succeeded", step "solve-ticket": the support port in use cannot do "solveTicket" (support.solveTicket)',
  );
});

test('duplicate names and a bad name are refused', () => {
  const a = defineAutomation({ name: 'x', trigger: 'crm.contact.updated', steps: [{ name: 's', uses: [], run: fn }] });
  assert.throws(() => checkAutomations([a, a] as AnyAutomation[], FULL), /automation "x" is declared twice/);
  assert.throws(() => checkAutomations([{ ...a, name: 'Bad Name' }] as AnyAutomation[], FULL), /lower-case letters/);
});

test('step keys are stable and differ by automation, event and step', () => {
  assert.equal(automationKey('a', 'e', 's'), automationKey('a', 'e', 's'));
  assert.notEqual(automationKey('a', 'e', 's'), automationKey('a', 'e', 't'));
  assert.notEqual(automationKey('a', 'e', 's'), automationKey('b', 'e', 's'));
  assert.ok(automationKey('a', 'e', 's').length < 255);
});

test('portico.config.ts declares automations: carried to the config; anything else is refused naming the key', async () => {
  const { loadConfig, ConfigError } = await import('../../../src/config/index.js');
  const mine = defineAutomation({ name: 'vip-paid', trigger: 'billing.invoice.paid', steps: [{ name: 's', uses: [], run: fn }] });
  const env = { SIMULATORS: 'true' };
  assert.deepEqual(
    loadConfig(env, { automations: [mine] }).automations.declared.map((a) => a.name),
    ['vip-paid'],
  );
  assert.throws(
    () => loadConfig(env, { automations: [{ name: 'x' } as unknown as AnyAutomation] }),
    (e: Error) => e instanceof ConfigError && /automations\.0: not an automation/.test(e.message),
  );
});
