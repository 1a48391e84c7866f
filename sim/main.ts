/**
 * npm run sim: the four simulators on fixed ports, for running the gateway or a benchmark
 * against them from another process.
 */
import { startSimulators, vendorEnv } from './index.js';

const num = (v: string | undefined, d: number) => (v ? Number(v) : d);
const latency = num(process.env.SIM_LATENCY_MS, 0);
const faults = latency ? { latencyMs: latency } : undefined;
const sims = await startSimulators({
  ports: {
    hubspot: num(process.env.SIM_HUBSPOT_PORT, 4101),
    stripe: num(process.env.SIM_STRIPE_PORT, 4102),
    zendesk: num(process.env.SIM_ZENDESK_PORT, 4103),
    s3: num(process.env.SIM_S3_PORT, 4104),
  },
  customers: num(process.env.SIM_CUSTOMERS, 500),
  faults: faults && { hubspot: faults, stripe: faults, zendesk: faults, s3: faults },
});
const c = sims.credentials;
console.log(`Simulators running (${sims.data.customers.length} customers${latency ? `, +${latency} ms per call` : ''}):
  HubSpot  ${sims.urls.hubspot}
  Stripe   ${sims.urls.stripe}
  Zendesk  ${sims.urls.zendesk}
  S3       ${sims.urls.s3} (bucket ${c.s3Bucket})

Point a gateway at them:
  ${Object.entries(vendorEnv(sims))
    .map(([k, v]) => `${k}=${v}`)
    .join(' \\\n  ')} npm start`);
const stop = () => void sims.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
