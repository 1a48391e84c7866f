/**
 * Sign-up (`registerCustomer`): a signed-in user whose token names no customer becomes one. The
 * CRM contact is created first (the owner of contact identity), then the billing customer and the
 * support user, all linked (customer links); then the sign-up's domain event
 * `crm.customer.registered` is stored (the `customer-signed-up` automation run, with these steps
 * recorded in it, and the partner webhooks); then the identity link (subject -> customer id) that
 * makes the user's next request, on any instance, that customer. The mutation answers after that;
 * the welcome message and the admin notice are the run's own steps (src/automations/builtins.ts).
 *
 * Exactly once: every step is keyed by the sign-up key derived from the subject (the CRM's unique
 * field, the billing system's idempotency key, the support user's external id = the customer id,
 * the event id and so the run's job id), so a retry or a concurrent second request makes nothing
 * twice and ends on the same customer; a lock per subject keeps two concurrent requests from racing
 * step by step (the second waits for the first, then is "already registered").
 * The event is stored before the identity link: a sign-up that answered has its run stored, and one
 * that failed before is retried whole (the same event id: one run).
 * Once the identity link exists, registering again is refused (BAD_USER_INPUT, `alreadyRegistered`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BillingPort } from '../ports/billing.js';
import { ContactConflictError, ContactInvalidError, type CrmContact, type CrmPort } from '../ports/crm.js';
import type { DomainEvent } from '../ports/events.js';
import type { SupportPort } from '../ports/support.js';
import type { Logger } from '../platform/logger.js';
import { BadUserInputError } from '../errors/index.js';
import type { CustomerLinks } from './links.js';
import { signupKey, type IdentityLinks } from './identities.js';

export interface SignupDeps {
  crm: CrmPort;
  billing: BillingPort;
  support: SupportPort;
  links: Pick<CustomerLinks, 'update'>;
  identities: IdentityLinks;
  /** Where the sign-up's event goes (the automation run and partner webhooks); absent: nowhere (tests of the steps alone). */
  registered?: SignupEvents;
  logger?: Logger;
}

/** A step the sign-up made, as its run records it. */
export interface SignupStep {
  name: string;
  durationMs: number;
  output?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface SignupEvents {
  /** Stores the event (its run, with the steps done so far); throws when it cannot be stored (the sign-up fails, nothing linked). */
  emit(event: DomainEvent<'crm.customer.registered'>, steps: readonly SignupStep[]): Promise<void>;
  /** Records a step done after the event was stored (the identity link); never throws. */
  note(event: DomainEvent<'crm.customer.registered'>, step: SignupStep): Promise<void>;
}

/** The sign-up's event id: from the sign-up key, so a retried sign-up raises the same event. */
export const signupEventId = (key: string) => `portico:signup:${key}`;

export interface SignupInput {
  /** The full name, as the person typed it: the last word is the last name. */
  name: string;
  email: string | null;
  company: string | null;
}

export interface SignupResult {
  contact: CrmContact;
  billingCustomerId: string;
  supportUserId: string;
  /** The sign-up's domain event id (its run: `customer-signed-up.<event id>`). */
  eventId: string;
}

/** How long one sign-up may hold its subject's lock (a crashed one frees it after this). */
const LOCK_MS = 60_000;
/** How long a concurrent sign-up of the same user waits for the one in flight, and how often it looks. */
const LOCK_WAIT_MS = 15_000;
const LOCK_POLL_MS = 100;

export class AlreadyRegisteredError extends BadUserInputError {
  constructor() {
    super('This sign-in is already registered as a customer: sign in again to use it.', 'input');
    this.extensions.alreadyRegistered = true;
  }
}

/** "Ada King Lovelace" -> first "Ada King", last "Lovelace"; one word is the last name. */
export function splitName(name: string): { firstName: string | null; lastName: string } {
  const words = name.trim().split(/\s+/);
  const lastName = words.pop() ?? '';
  return { firstName: words.length ? words.join(' ') : null, lastName };
}

export function createSignup(deps: SignupDeps) {
  return {
    /** Registers the identity `subject` as a new customer (see the module comment). */
    async register(subject: string, input: SignupInput): Promise<SignupResult> {
      if (await deps.identities.get(subject)) throw new AlreadyRegisteredError();
      // A concurrent sign-up of the same user (a client retrying while the first is in flight):
      // wait for it, then this one is the clear "already registered" (or, if it failed, takes over).
      for (const waitUntil = Date.now() + LOCK_WAIT_MS; !(await deps.identities.lock(subject, LOCK_MS));) {
        if (Date.now() > waitUntil)
          throw new BadUserInputError('A sign-up of this user is still in progress: try again in a moment.', 'input');
        await sleep(LOCK_POLL_MS);
        if (await deps.identities.get(subject)) throw new AlreadyRegisteredError();
      }
      try {
        // Checked again under the lock: a concurrent request may have finished meanwhile.
        if (await deps.identities.get(subject)) throw new AlreadyRegisteredError();
        const key = signupKey(subject);
        const steps: SignupStep[] = [];
        const timed = async <T>(name: string, fn: () => Promise<T>, output: (r: T) => SignupStep['output']): Promise<T> => {
          const started = Date.now();
          const r = await fn();
          steps.push({ name, durationMs: Date.now() - started, output: output(r) });
          return r;
        };
        let contact: CrmContact;
        try {
          contact = await timed(
            'create-contact',
            () => deps.crm.createContact(key, { ...splitName(input.name), email: input.email, company: input.company }),
            (c) => ({ crmId: c.id }),
          );
        } catch (err) {
          if (err instanceof ContactConflictError)
            throw new BadUserInputError('A customer with this email exists already: sign in with that account.', 'input.email');
          if (err instanceof ContactInvalidError) throw new BadUserInputError(`The CRM refused the sign-up: ${err.message}`, 'input');
          throw err;
        }
        const name = input.name.trim();
        const billing = await timed(
          'create-billing-customer',
          () => deps.billing.createCustomer(contact.id, { name, email: input.email }, `portico-signup-${key}`),
          (b) => ({ billingCustomerId: b.id }),
        );
        const support = await timed(
          'create-support-user',
          () => deps.support.upsertUser(contact.id, { name, email: input.email }),
          (u) => ({ supportUserId: u.id }),
        );
        await timed(
          'link-accounts',
          () => deps.links.update(contact.id, { billingCustomerId: billing.id, supportUserId: support.id }),
          () => ({}),
        );
        const event: DomainEvent<'crm.customer.registered'> = {
          id: signupEventId(key),
          type: 'crm.customer.registered',
          at: new Date().toISOString(),
          data: { crmId: contact.id, billingCustomerId: billing.id, supportUserId: support.id },
        };
        await deps.registered?.emit(event, steps);
        const started = Date.now();
        const linked = await deps.identities.link(subject, contact.id);
        if (linked !== contact.id) throw new AlreadyRegisteredError();
        await deps.registered?.note(event, { name: 'link-identity', durationMs: Date.now() - started, output: {} });
        return { contact, billingCustomerId: billing.id, supportUserId: support.id, eventId: event.id };
      } finally {
        await deps.identities.unlock(subject).catch(() => undefined);
      }
    },
  };
}
export type Signup = ReturnType<typeof createSignup>;
