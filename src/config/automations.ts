/** The built-in automations (src/automations/builtins.ts): each switchable, on by default in development. */
import type { AnyAutomation } from '../automations/types.js';
import { bool, int, section } from './vars.js';

export interface AutomationsConfig {
  automations: {
    paymentFailed: boolean;
    paymentSucceeded: boolean;
    subscriptionChanged: boolean;
    ticketSolved: boolean;
    customerSignedUp: boolean;
    /** Runs kept for `automationRuns` and `npm run automations -- list`, newest first (older ones are dropped). */
    runsKept: number;
    /** Runs read, and log the writes each step would make, without making them. */
    dryRun: boolean;
    /** The automations portico.config.ts declares (`automations: [...]`), checked at start-up. */
    declared: readonly AnyAutomation[];
  };
}

export const automations = section({
  vars: {
    AUTOMATION_PAYMENT_FAILED: {
      schema: bool.prefault('false'),
      example: 'true',
      doc: 'Built-in automation `payment-failed`: a failed invoice payment opens one support ticket per invoice and marks the CRM contact past due (docs/automations.md).',
      dev: 'true',
    },
    AUTOMATION_PAYMENT_SUCCEEDED: {
      schema: bool.prefault('false'),
      example: 'true',
      doc: "Built-in automation `payment-succeeded`: a paid invoice marks the CRM contact active with the payment date, solves that invoice's payment-failed ticket and emails the customer that the payment was received (once per invoice).",
      dev: 'true',
    },
    AUTOMATION_SUBSCRIPTION_CHANGED: {
      schema: bool.prefault('false'),
      example: 'true',
      doc: "Built-in automations `subscription-canceled` and `subscription-resumed`: the CRM contact's subscription status set from billing, and an internal note on the customer's open tickets.",
      dev: 'true',
    },
    AUTOMATION_TICKET_SOLVED: {
      schema: bool.prefault('false'),
      example: 'true',
      doc: 'Built-in automation `ticket-solved`: a solved ticket is told to its customer (template `ticket-solved`, once per event, honouring their preferences).',
      dev: 'true',
    },
    AUTOMATION_CUSTOMER_SIGNED_UP: {
      // On everywhere by default: a sign-up always welcomed its customer, in production too.
      schema: bool.prefault('true'),
      example: 'true',
      doc: "Built-in automation `customer-signed-up`: after `registerCustomer` made and linked the customer, the welcome message (template `welcome`) and the admin notice (log line + `admin.notice` audit entry), once per sign-up; its run is in `automationRuns` with the sign-up's own steps. On by default in production too (false: no welcome, no admin notice).",
    },
    AUTOMATION_RUNS_KEPT: {
      schema: int(100, 1_000_000).prefault('10000'),
      example: '10000',
      doc: 'Automation runs kept in Redis for `automationRuns` and `npm run automations -- list` (each with its trigger, steps, attempts, durations and trace id, about 1 KB), newest first: older ones are dropped. The queue keeps what exactly-once needs on its own.',
    },
    AUTOMATION_DRY_RUN: {
      schema: bool.prefault('false'),
      example: 'true',
      doc: "Dry run: automations run their conditions and reads, and log each write a step would make (`dry run: would call`, with the port method and its arguments' shape) instead of making it. The runs are recorded as done (`dryRun: true` in `automationRuns`): an event handled in a dry run is not run again when it is turned off.",
    },
  },
  build: (v): AutomationsConfig => ({
    // `declared` is filled in by loadConfig from the file (code, not a variable).
    automations: {
      paymentFailed: v.AUTOMATION_PAYMENT_FAILED,
      paymentSucceeded: v.AUTOMATION_PAYMENT_SUCCEEDED,
      subscriptionChanged: v.AUTOMATION_SUBSCRIPTION_CHANGED,
      ticketSolved: v.AUTOMATION_TICKET_SOLVED,
      customerSignedUp: v.AUTOMATION_CUSTOMER_SIGNED_UP,
      runsKept: v.AUTOMATION_RUNS_KEPT,
      dryRun: v.AUTOMATION_DRY_RUN,
      declared: [],
    },
  }),
});
