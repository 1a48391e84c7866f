/** The built-in automations (src/automations/builtins.ts): each switchable, on by default in development. */
import type { AnyAutomation } from '../automations/types.js';
import { bool, section } from './vars.js';

export interface AutomationsConfig {
  automations: {
    paymentFailed: boolean;
    paymentSucceeded: boolean;
    subscriptionChanged: boolean;
    ticketSolved: boolean;
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
      doc: "Built-in automation `payment-succeeded`: a paid invoice marks the CRM contact active with the payment date and solves that invoice's payment-failed ticket.",
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
  },
  build: (v): AutomationsConfig => ({
    // `declared` is filled in by loadConfig from the file (code, not a variable).
    automations: {
      paymentFailed: v.AUTOMATION_PAYMENT_FAILED,
      paymentSucceeded: v.AUTOMATION_PAYMENT_SUCCEEDED,
      subscriptionChanged: v.AUTOMATION_SUBSCRIPTION_CHANGED,
      ticketSolved: v.AUTOMATION_TICKET_SOLVED,
      declared: [],
    },
  }),
});
