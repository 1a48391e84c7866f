/**
 * The notification port: telling a customer something (email today, mobile push when a device is
 * registered), in Portico's words. Automations call it as a step (`notifications.notifyCustomer`);
 * src/notifications implements it (SMTP through nodemailer). No channel or provider detail crosses it.
 */

/** The messages Portico sends a customer; each has templates in src/notifications/templates/<channel>/<locale>/. */
export const CUSTOMER_TEMPLATES = ['payment-failed', 'payment-received', 'ticket-solved', 'welcome', 'security-alert'] as const;
export type CustomerTemplate = (typeof CUSTOMER_TEMPLATES)[number];

/**
 * What a customer chooses channels for. `security` (sign-in and account security messages) is
 * transactional and cannot be turned off.
 */
export const NOTIFICATION_KINDS = ['billing', 'support', 'account', 'security'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NOTIFICATION_CHANNELS = ['email', 'push'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** The kind of each template: preferences are per kind. */
export const TEMPLATE_KIND: Readonly<Record<CustomerTemplate, NotificationKind>> = {
  'payment-failed': 'billing',
  'payment-received': 'billing',
  'ticket-solved': 'support',
  welcome: 'account',
  'security-alert': 'security',
};

export interface CustomerNotice {
  /**
   * The delivery's key: one message per (key, template, channel), ever (an automation passes its
   * step key, derived from the event id, so a redelivered event sends nothing more).
   */
  key: string;
  /** Portico's customer id. */
  crmId: string;
  template: CustomerTemplate;
  /** Values the template shows (ids, numbers, amounts due); never payment details (no card data). */
  data: Readonly<Record<string, string>>;
}

/** What happened on one channel. */
export type ChannelOutcome =
  | 'sent'
  /** Sent before (the same key): nothing sent now. */
  | 'duplicate'
  /** The customer turned this kind off for this channel. */
  | 'opted_out'
  /** No address or device for this channel, or the channel is not configured. */
  | 'no_recipient'
  /** An earlier attempt crashed mid-send: whether it went out is unknown, so it is not sent again. */
  | 'unknown';

export interface NotifyResult {
  channels: Partial<Record<NotificationChannel, ChannelOutcome>>;
}

/** Something the admins are told of (a sign-up): a log line and an audit entry admins list. */
export interface AdminNotice {
  /** One notice per key, ever (an automation passes its step key). */
  key: string;
  /** What happened, `<object>.<event>`, e.g. `customer.registered`. */
  kind: string;
  /** The customer it is about, when one. */
  customerId: string | null;
  /** One line for the admins, no personal data beyond ids. */
  message: string;
  /** Ids to show with it (never personal data, never secrets). */
  data?: Readonly<Record<string, string>>;
}

export interface NotificationPort {
  /** Sends the customer this notice on every channel their preferences allow, once per key; throws when a channel failed (retry it). */
  notifyCustomer(notice: CustomerNotice): Promise<NotifyResult>;
  /** Tells the admins, once per key: `sent`, or `duplicate` when that key was told before. Throws when it could not be recorded (retry it). */
  notifyAdmins(notice: AdminNotice): Promise<'sent' | 'duplicate'>;
}
