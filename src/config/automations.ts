/** The built-in automations (src/automations/builtins.ts): each switchable, on by default in development. */
import type { AnyAutomation } from '../automations/types.js';
import { bool, section } from './vars.js';

export interface AutomationsConfig {
  automations: {
    paymentFailed: boolean;
    paymentSucceeded: boolean;
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
  },
  build: (v): AutomationsConfig => ({
    // `declared` is filled in by loadConfig from the file (code, not a variable).
    automations: { paymentFailed: v.AUTOMATION_PAYMENT_FAILED, paymentSucceeded: v.AUTOMATION_PAYMENT_SUCCEEDED, declared: [] },
  }),
});
