/**
 * The Portico sandbox: GraphiQL (bundled, no CDN) with a persona picker. The page asks the
 * server for a development token for the chosen persona and sends it as the Authorization header;
 * it never holds a signing key or an upstream secret. Outside development the picker is replaced
 * by a field to paste a token. Beside the bundled SMTP simulator, an outbox panel shows the emails
 * customers would have received.
 */
import { GraphiQL } from 'graphiql';
import { getOperationAST, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { createClient } from 'graphql-sse';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/graphiql.css';
import './sandbox.css';

interface SandboxConfig {
  personas: boolean;
  scopes: string[];
  operations: { name: string; query: string }[];
  customerIds: string[];
  /** The server has the development SMTP simulator's outbox (/sandbox/outbox.json). */
  outbox: boolean;
}

interface OutboxMail {
  at: string;
  from: string | null;
  to: string[];
  subject: string | null;
  text: string | null;
}

/** The emails the development SMTP simulator kept, newest first; read when opened and on Refresh. */
function Outbox() {
  const [mails, setMails] = useState<OutboxMail[] | undefined>(undefined);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    const res = await fetch('/sandbox/outbox.json');
    if (!res.ok) return setError(`Could not read the outbox: ${res.status}`);
    const body = (await res.json()) as { total: number; emails: OutboxMail[] };
    setError('');
    setTotal(body.total);
    setMails(body.emails);
  }, []);
  useEffect(() => void load(), [load]);
  return (
    <aside className="outbox" data-testid="outbox">
      <div className="outbox-head">
        <strong>Outbox</strong> <span>{mails ? `${total} sent (SMTP simulator)` : 'loading...'}</span>{' '}
        <button data-testid="outbox-refresh" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error && <p className="status">{error}</p>}
      {mails?.length === 0 && <p className="status">No email sent yet.</p>}
      {mails?.map((m, i) => (
        <details key={`${m.at}-${i}`} data-testid="outbox-item" open={i === 0}>
          <summary>
            <span className="outbox-subject">{m.subject ?? '(no subject)'}</span> to {m.to.join(', ')}{' '}
            <time dateTime={m.at}>{new Date(m.at).toLocaleTimeString()}</time>
          </summary>
          <pre>{m.text ?? ''}</pre>
        </details>
      ))}
    </aside>
  );
}

type Persona = 'customer' | 'agent' | 'admin' | 'partner';

function App({ config }: { config: SandboxConfig }) {
  const [persona, setPersona] = useState<Persona>('customer');
  const [customerId, setCustomerId] = useState(config.customerIds[0] ?? '1001');
  const [scopes, setScopes] = useState<string[]>(['crm.contacts:read', 'billing.invoices:read']);
  const [token, setToken] = useState('');
  // The persona the current token belongs to (the picker may already show another one).
  const [signedIn, setSignedIn] = useState<Persona | undefined>(undefined);
  const [status, setStatus] = useState(config.personas ? 'Pick a persona and press "Use persona".' : 'Paste a bearer token to explore.');
  const [outboxOpen, setOutboxOpen] = useState(false);

  const usePersona = useCallback(async () => {
    setStatus('Getting a development token...');
    const res = await fetch('/sandbox/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona, customerId, scopes }),
    });
    const body = (await res.json()) as { token?: string; label?: string; error?: string };
    if (!res.ok || !body.token) return setStatus(`Could not get a token: ${body.error ?? res.status}`);
    setToken(body.token);
    setSignedIn(persona);
    setStatus(`Signed in as ${body.label}.`);
  }, [persona, customerId, scopes]);

  useEffect(() => {
    if (!config.personas) return;
    void usePersona();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const fetcher = useMemo(
    () => async (asked: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null }) => {
      const params = { ...asked, operationName: effectiveOperationName(asked.query, asked.operationName) };
      // Subscriptions run over SSE (/graphql/stream): GraphiQL shows each push as it arrives.
      if (isSubscription(params.query, params.operationName)) {
        const sse = createClient({
          url: '/graphql/stream',
          headers: (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {}),
          retryAttempts: 0,
        });
        return sse.iterate({
          query: params.query,
          operationName: params.operationName ?? undefined,
          variables: params.variables ?? undefined,
        });
      }
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(params),
      });
      return res.json();
    },
    [token],
  );

  // Customers start on their dashboard; staff and partners (who have no `me`) on the customer search.
  const first = signedIn && signedIn !== 'customer' ? 'customer-search' : 'dashboard';
  const tabs = [
    ...[...config.operations].sort((a, b) => Number(b.name === first) - Number(a.name === first)).map((o) => ({ query: o.query })),
    // The subscription tab: pushes arrive when a system reports a change (e.g. the simulator pays an invoice).
    { query: live(signedIn === 'customer' || !signedIn ? undefined : (config.customerIds[0] ?? '1001')) },
  ];

  return (
    <div className="sandbox">
      <header className="sandbox-bar">
        <strong>Portico sandbox</strong>
        {config.personas ? (
          <>
            <label>
              Persona{' '}
              <select data-testid="persona" value={persona} onChange={(e) => setPersona(e.target.value as Persona)}>
                <option value="customer">Customer</option>
                <option value="agent">Support agent</option>
                <option value="admin">Admin</option>
                <option value="partner">Partner</option>
              </select>
            </label>
            {persona === 'customer' && (
              <label>
                Customer{' '}
                <input
                  data-testid="customer"
                  list="customer-ids"
                  size={8}
                  value={customerId}
                  onChange={(e) => setCustomerId(e.target.value.trim())}
                />
                <datalist id="customer-ids">
                  {config.customerIds.map((id) => (
                    <option key={id} value={id} />
                  ))}
                </datalist>
              </label>
            )}
            {persona === 'partner' && (
              <span className="scopes">
                {config.scopes.map((s) => (
                  <label key={s}>
                    <input
                      type="checkbox"
                      checked={scopes.includes(s)}
                      onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
                    />{' '}
                    {s}
                  </label>
                ))}
              </span>
            )}
            <button data-testid="use-persona" onClick={() => void usePersona()}>
              Use persona
            </button>
          </>
        ) : (
          <input
            data-testid="token"
            placeholder="Bearer token"
            value={token}
            onChange={(e) => setToken(e.target.value.replace(/^Bearer\s+/i, ''))}
          />
        )}
        <span data-testid="status" className="status">
          {status}
        </span>
        {config.outbox && (
          <button data-testid="outbox-toggle" className="outbox-toggle" onClick={() => setOutboxOpen(!outboxOpen)}>
            {outboxOpen ? 'Hide outbox' : 'Outbox'}
          </button>
        )}
      </header>
      {outboxOpen && <Outbox />}
      <main className="sandbox-main">
        <GraphiQL
          key={token}
          fetcher={fetcher as never}
          defaultTabs={tabs}
          isHeadersEditorEnabled={false}
          shouldPersistHeaders={false}
          storage={memoryStorage()}
        />
      </main>
    </div>
  );
}

/**
 * The operation to run: GraphiQL's, unless the document has no operation of that name and only one
 * operation (right after a tab switch GraphiQL still sends the previous tab's name for a moment, and
 * the server rightly refuses "no operation named ..."): then that one.
 */
function effectiveOperationName(query: string, operationName?: string | null): string | null | undefined {
  if (!operationName) return operationName;
  try {
    const ops = parse(query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (ops.some((d) => d.name?.value === operationName) || ops.length !== 1) return operationName;
    return ops[0].name?.value ?? null;
  } catch {
    return operationName;
  }
}

function isSubscription(query: string, operationName?: string | null): boolean {
  try {
    return getOperationAST(parse(query), operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

/** The subscription tab's document: the caller's own record (customers) or a named customer (staff, partners). */
function live(id: string | undefined): string {
  return `# Pushes the state again whenever a system reports a change (docs/realtime.md).
subscription Live {
  customerChanged${id ? `(id: "${id}")` : ''} {
    reason { system type at }
    customer { id name billing { balance invoices(first: 5) { nodes { id number status } } } }
  }
}
`;
}

/** No localStorage: tokens never outlive the page. */
function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    clear: () => m.clear(),
    length: 0,
  };
}

const config = (await (await fetch('/sandbox/config.json')).json()) as SandboxConfig;
createRoot(document.getElementById('root')!).render(<App config={config} />);
