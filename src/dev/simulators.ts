/**
 * Development (SIMULATORS=true): starts the bundled simulator of every registry vendor that has
 * one and points that vendor's config at it; once the gateway listens, the simulators send their
 * signed webhooks to it. Simulator code is loaded here only, by a dynamic import.
 */
import type { Simulators, WebhookTargets } from '../../sim/index.js';
import type { SmtpSimulator } from '../../sim/smtp/index.js';
import type { FcmSimulator } from '../../sim/fcm/index.js';
import type { FcmServiceAccount } from '../config/notifications.js';
import type { Config } from '../config/index.js';
import { VENDORS } from '../vendors/index.js';

export interface Simulated {
  config: Readonly<Config>;
  sims: Simulators;
  /** The SMTP simulator customer email goes to (unless SMTP_URL names a relay): its outbox keeps what was sent. */
  smtp?: SmtpSimulator;
  /** The FCM simulator push goes to (unless FCM_SERVICE_ACCOUNT names a real project). */
  fcm?: FcmSimulator;
  close(): Promise<void>;
}

/** Starts the bundled simulators and points every connector at them (development only). */
export async function withSimulators(config: Readonly<Config>): Promise<Simulated> {
  const { startSimulators } = await import('../../sim/index.js');
  const sims = await startSimulators({ faults: latencyFaults(config.simulators.latencyMs) });
  const sections = VENDORS.flatMap((v) =>
    v.simulator
      ? [v.simulator.configure(config, { url: sims.urls[v.name as keyof Simulators['urls']], credentials: sims.credentials })]
      : [],
  );
  // The simulators' credentials are redacted from logs like real ones (public constants, but a log
  // line that shows them teaches people to paste real ones in the same place).
  const secrets = [
    ...config.secrets,
    ...Object.entries(sims.credentials).flatMap(([name, v]) => (/secret|token/i.test(name) && typeof v === 'string' ? [v] : [])),
  ];
  // Customer email goes to the bundled SMTP simulator unless a relay is configured.
  const smtp = config.notifications.email.smtpUrl ? undefined : await (await import('../../sim/smtp/index.js')).startSmtpSimulator();
  // Push to the bundled FCM simulator unless a Firebase project is configured.
  const fcm = config.notifications.push ? undefined : await (await import('../../sim/fcm/index.js')).startFcmSimulator();
  const fcmAccount = fcm && (JSON.parse(fcm.serviceAccount) as FcmServiceAccount);
  const notifications = {
    notifications: {
      ...config.notifications,
      email: smtp ? { ...config.notifications.email, smtpUrl: smtp.url } : config.notifications.email,
      push: fcm && fcmAccount ? { serviceAccount: fcmAccount, apiUrl: fcm.url } : config.notifications.push,
    },
  };
  const allSecrets = [...secrets, ...(fcmAccount ? [fcmAccount.private_key] : [])];
  return {
    config: Object.freeze(Object.assign({}, config, ...sections, notifications, { secrets: allSecrets }) as Config),
    sims,
    smtp,
    fcm,
    close: async () => (await smtp?.close(), await fcm?.close(), await sims.close()),
  };
}

/** The same added delay (config.simulators.latencyMs) on every simulator. */
function latencyFaults(ms: number) {
  return ms > 0 ? Object.fromEntries(VENDORS.filter((v) => v.simulator).map((v) => [v.name, { latencyMs: ms }])) : undefined;
}

/** The simulators send their signed webhooks to this gateway (`url`), with the dev secrets both know. */
export function connectSimulatorWebhooks(sims: Simulators, url: string, config: Readonly<Config>) {
  sims.webhooks.configure(VENDORS.reduce<WebhookTargets>((t, v) => ({ ...t, ...v.simulator?.webhooks?.(url, config) }), {}));
}
