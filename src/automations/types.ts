/**
 * How an automation is declared: a trigger (a domain event type, src/ports/events.ts), an optional
 * condition, and ordered steps over the domain ports. Typed end to end: a step's `event.data` is
 * the trigger's data. docs/automations.md has a complete example.
 */
import type { Logger } from '../platform/logger.js';
import type { BillingPort } from '../ports/billing.js';
import type { CrmPort } from '../ports/crm.js';
import type { DomainEvent, DomainEventType } from '../ports/events.js';
import type { NotificationPort } from '../ports/notifications.js';
import type { SupportPort } from '../ports/support.js';

/** The ports a step may call. */
export interface AutomationPorts {
  crm: CrmPort;
  billing: BillingPort;
  support: SupportPort;
  /** Telling the customer (email; src/notifications). */
  notifications: NotificationPort;
}

type Methods<P> = { [K in keyof P]: P[K] extends (...args: never[]) => unknown ? K & string : never }[keyof P];

/** A port method a step declares it calls, e.g. `support.createTicket`. */
export type PortCapability = {
  [D in keyof AutomationPorts]: `${D}.${Methods<AutomationPorts[D]>}`;
}[keyof AutomationPorts];

/** What a step records when it is done (checkpointed in the job, shown in its audit entry). */
export type StepOutput = Readonly<Record<string, string | number | boolean | null>>;

export interface StepContext<T extends DomainEventType> {
  event: DomainEvent<T>;
  /** The ports, limited to the methods the step declared in `uses` (another throws). */
  ports: AutomationPorts;
  /** The key of this step's vendor writes, from (automation, event id, step): the same on every retry and redelivery. */
  key: string;
  /**
   * A key from (automation, step, `scope`) instead of the event id: for a write that must happen
   * once per object whatever event triggers it (one ticket per invoice, over several failed attempts).
   */
  keyFor: (scope: string) => string;
  /** The outputs of the steps done before this one, by step name. */
  results: Readonly<Record<string, StepOutput>>;
  logger: Logger;
}

export interface AutomationStep<T extends DomainEventType> {
  /** Unique in its automation: the checkpoint and the key are by name, so renaming a step re-runs it. */
  name: string;
  /** The port methods it calls: each is checked against the ports in use at start-up. */
  uses: readonly PortCapability[];
  /**
   * Does the step. It must be safe to run again after a failure (a lost answer): pass `key` (or
   * `keyFor`) to vendor writes that take a key, read before writing otherwise, or write absolute
   * values. Return `stop(reason)` to end the run here, completed.
   */
  run(ctx: StepContext<T>): Promise<StepOutput | StepStop | void>;
}

export interface Automation<T extends DomainEventType = DomainEventType> {
  /** Lower-case letters, digits and dashes: its queue jobs, keys and audit entries carry it. */
  name: string;
  description?: string;
  trigger: T;
  /**
   * Runs the automation for this event only when true. Evaluated once per run (its answer is
   * checkpointed), before the first step.
   */
  when?: (event: DomainEvent<T>, ports: AutomationPorts) => boolean | Promise<boolean>;
  steps: readonly AutomationStep<T>[];
}

/** Any automation, whatever its trigger (what lists hold). */
export type AnyAutomation = { [T in DomainEventType]: Automation<T> }[DomainEventType];

/** Declares an automation with its types checked (the trigger types each step's event). */
export function defineAutomation<T extends DomainEventType>(a: Automation<T>): Automation<T> {
  return a;
}

const STOP = Symbol('stop');
export interface StepStop {
  readonly [STOP]: string;
  readonly output?: StepOutput;
}
/** A step's answer that ends the run, completed, after this step (e.g. the invoice is already paid). */
export function stop(reason: string, output?: StepOutput): StepStop {
  return { [STOP]: reason, output };
}
export function stopReason(v: unknown): string | undefined {
  return v && typeof v === 'object' && STOP in v ? (v as StepStop)[STOP] : undefined;
}
