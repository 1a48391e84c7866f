/** The built-in automations (src/automations/builtins.ts): each switchable, on by default in development. */
import { bool, section } from './vars.js';

export interface AutomationsConfig {
  automations: { paymentFailed: boolean; paymentSucceeded: boolean };
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
    automations: { paymentFailed: v.AUTOMATION_PAYMENT_FAILED, paymentSucceeded: v.AUTOMATION_PAYMENT_SUCCEEDED },
  }),
});
