/**
 * Customer email over SMTP (nodemailer; any provider's relay, SMTP_URL). Templates live in the repo,
 * `templates/email/<locale>/<template>.{subject.txt,txt,html}`, each sent as text and HTML; `{{name}}`
 * placeholders, HTML-escaped in the HTML part, and a placeholder without a value is an error, never an
 * empty hole. One email per (key, template), ever:
 *
 *   marker SET NX "pending" -> send -> marker "sent"
 *   a send that failed before the relay had the whole message (refused, no connection, cut before
 *   the message's end was written) drops the marker: the retry sends it;
 *   a send whose connection failed after the whole message was written, with no answer from the
 *   relay (it may have taken it: an "applied, then failed" send) keeps the marker -> `unknown`;
 *   a marker found "sent" -> `duplicate`; found "pending" (an attempt died mid-send, so whether the
 *   relay took it is unknown) -> `unknown`, not sent again: never two.
 *
 * Whether the whole message was written is nodemailer's own signal: its SMTP connection logs the
 * message's byte counts once the data stream (with the final dot) has gone to the socket. Each send
 * has its own transport (nodemailer's default is a connection per message anyway) so that log line
 * belongs to this message.
 *
 * The Message-ID is derived from the key, so a relay that dedupes by it drops a copy too.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import type { Logger } from '../platform/logger.js';
import type { NotificationMeter } from './metrics.js';
import { shippedPath } from '../platform/shipped.js';
import { CUSTOMER_TEMPLATES, type ChannelOutcome, type CustomerTemplate } from '../ports/notifications.js';

export const DEFAULT_LOCALE = 'en';

interface Template {
  subject: string;
  text: string;
  html: string;
}

/** Every template of every locale in `dir`; throws at start-up when the default locale lacks one. */
export function loadEmailTemplates(dir = shippedPath('templates/email')): Map<string, Template> {
  if (!dir) throw new Error('templates/email not found next to the code; the templates/ folder must ship with the build.');
  const out = new Map<string, Template>();
  for (const locale of readdirLocales(dir))
    for (const t of CUSTOMER_TEMPLATES) {
      const base = join(dir, locale, t);
      if (!existsSync(`${base}.txt`)) continue;
      out.set(`${locale}/${t}`, {
        subject: readFileSync(`${base}.subject.txt`, 'utf8').trim(),
        text: readFileSync(`${base}.txt`, 'utf8'),
        html: readFileSync(`${base}.html`, 'utf8'),
      });
    }
  for (const t of CUSTOMER_TEMPLATES)
    if (!out.has(`${DEFAULT_LOCALE}/${t}`))
      throw new Error(`templates/email/${DEFAULT_LOCALE}/${t}.txt is missing: every template needs its ${DEFAULT_LOCALE} version.`);
  return out;
}

function readdirLocales(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => /^[a-z]{2}(-[A-Z]{2})?$/.test(d))
    .sort();
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Fills `{{name}}` placeholders; throws naming a placeholder with no value. */
export function render(text: string, data: Readonly<Record<string, string>>, html: boolean): string {
  return text.replace(/\{\{\s*([a-zA-Z][a-zA-Z0-9]*)\s*\}\}/g, (_m, name: string) => {
    const v = data[name];
    if (v === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return html ? escapeHtml(v) : v;
  });
}

export interface EmailChannel {
  /** False when SMTP_URL is not set (or there is no Redis for the once-only marker): nothing is sent. */
  readonly available: boolean;
  /** The template's subject, filled: also a push notification's title. */
  subject(template: CustomerTemplate, data: Readonly<Record<string, string>>, locale?: string): string;
  send(m: {
    key: string;
    to: string;
    template: CustomerTemplate;
    locale?: string;
    data: Readonly<Record<string, string>>;
  }): Promise<ChannelOutcome>;
  close(): void;
}

export function createEmailChannel(o: {
  smtpUrl?: string;
  from: string;
  redis?: Redis;
  prefix: string;
  logger: Logger;
  meter?: NotificationMeter;
}): EmailChannel {
  const templates = loadEmailTemplates();
  const { redis } = o;
  const pick = (template: CustomerTemplate, locale?: string) =>
    templates.get(`${locale ?? DEFAULT_LOCALE}/${template}`) ?? templates.get(`${DEFAULT_LOCALE}/${template}`)!;
  const subject = (template: CustomerTemplate, data: Readonly<Record<string, string>>, locale?: string) =>
    render(pick(template, locale).subject, data, false);
  if (!o.smtpUrl || !redis) return { available: false, subject, send: async () => 'no_recipient', close: () => undefined };
  const smtpUrl = o.smtpUrl;
  return {
    available: true,
    subject,
    async send(m) {
      const id = createHash('sha256').update(`${m.template}\n${m.key}`).digest('hex').slice(0, 40);
      const marker = `${o.prefix}:notify:email:${id}`;
      const claimed = await redis.set(marker, 'pending', 'EX', 30 * 86_400, 'NX');
      if (claimed !== 'OK') return (await redis.get(marker)) === 'sent' ? 'duplicate' : 'unknown';
      const t = pick(m.template, m.locale);
      const started = performance.now();
      let written = false;
      const transport = nodemailer.createTransport({ url: smtpUrl, logger: dataWrittenLogger(() => (written = true)) });
      try {
        await transport.sendMail({
          from: o.from,
          to: m.to,
          subject: render(t.subject, m.data, false),
          text: render(t.text, m.data, false),
          html: render(t.html, m.data, true),
          messageId: `<${id}@portico.notifications>`,
          headers: { 'X-Portico-Template': m.template },
        });
      } catch (err) {
        o.meter?.attempt('email', 'failed', (performance.now() - started) / 1000);
        if (written && (err as { responseCode?: number }).responseCode === undefined) {
          // The relay had the whole message and never answered: it may have taken it. Never two.
          o.logger.warn(
            { template: m.template, code: (err as { code?: string }).code },
            'email: connection lost after the message was sent; not sent again',
          );
          return 'unknown';
        }
        // Not taken by the relay: the next attempt may send it.
        await redis.del(marker);
        throw err;
      } finally {
        transport.close();
      }
      o.meter?.attempt('email', 'ok', (performance.now() - started) / 1000);
      await redis.set(marker, 'sent', 'EX', 30 * 86_400);
      return 'sent';
    },
    close: () => undefined,
  };
}

/**
 * A nodemailer logger that only watches for the SMTP connection's "message written" line (its
 * `tnx: 'message'` info entry with the byte counts, logged when the data stream ends on the socket).
 */
function dataWrittenLogger(onWritten: () => void) {
  const ignore = () => undefined;
  return {
    trace: ignore,
    debug: ignore,
    info: (entry: unknown) => {
      if ((entry as { tnx?: string } | undefined)?.tnx === 'message' && 'outByteCount' in (entry as object)) onWritten();
    },
    warn: ignore,
    error: ignore,
    fatal: ignore,
  };
}
