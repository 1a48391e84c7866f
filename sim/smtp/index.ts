/**
 * The SMTP simulator (development and tests): an `smtp-server` on loopback that accepts every
 * message (any or no credentials, no TLS) and keeps what was sent, in order, as raw RFC 5322 text,
 * so a test or the developer sees exactly what a customer would receive. Not a vendor: customer
 * email goes through any SMTP relay, and this stands in for one (SMTP_URL). Each message is also
 * parsed (mailparser) for its subject and text part: what the sandbox's outbox shows.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SentMail {
  from: string | null;
  to: string[];
  /** The message as the relay received it (headers and body). */
  raw: string;
  at: string;
  /** Parsed from the message: its decoded subject and text part (null when it has none). */
  subject: string | null;
  text: string | null;
}

export interface SmtpSimulator {
  /** `smtp://user:pass@127.0.0.1:<port>`: what SMTP_URL points at. */
  url: string;
  /** Every message accepted, oldest first. */
  outbox(): readonly SentMail[];
  clear(): void;
  /** The next N messages are refused with a 451 (a relay that is temporarily down). */
  failNext(n: number): void;
  /**
   * The next N messages are taken (kept in the outbox), then the connection is dropped before the
   * relay's 250 reaches the sender: sent, and the sender cannot know it.
   */
  loseAnswers(n: number): void;
  close(): Promise<void>;
}

export async function startSmtpSimulator(opts: { host?: string; port?: number } = {}): Promise<SmtpSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const sent: SentMail[] = [];
  let failures = 0;
  let losses = 0;
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth: (_auth, _session, cb) => cb(null, { user: 'sim' }),
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          const err = Object.assign(new Error('simulated temporary failure'), { responseCode: 451 });
          return cb(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw)
          .then(
            (m) => ({ subject: m.subject ?? null, text: m.text ?? null }),
            () => ({ subject: null, text: null }),
          )
          .then((parsed) => {
            sent.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              at: new Date().toISOString(),
              ...parsed,
            });
            if (losses > 0) {
              losses--;
              // smtp-server keeps its open connections (with their sockets) in `connections`.
              const open = (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections;
              for (const c of open) if (c.id === session.id) c._socket.destroy();
              return;
            }
            // Accepted once it is in the outbox: whoever waits for the send finds it there.
            cb();
          });
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://sim:sim@${host}:${port}`,
    outbox: () => sent,
    clear: () => void sent.splice(0),
    failNext: (n) => void (failures = n),
    loseAnswers: (n) => void (losses = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
