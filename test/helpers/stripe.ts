/** Calls to the Stripe simulator's own API (as a Dashboard user or Stripe.js would), not through Portico. */
import type { Simulators } from '../../sim/index.js';

export function stripeApi(sims: Simulators) {
  return async (method: string, path: string, body?: Record<string, string>) => {
    const res = await fetch(`${sims.urls.stripe}${path}`, {
      method,
      headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      ...(body ? { body: new URLSearchParams(body).toString() } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
}
