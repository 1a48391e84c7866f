/** Verifying user tokens and minting partner tokens. */
import { z } from 'zod';
import { int, list, section } from './vars.js';

export const DEV_JWT_SECRET = 'portico-dev-only-secret-change-me-0000000000';
export const DEV_PARTNER_SECRET = 'portico-dev-only-partner-secret-0000000000';

export interface AuthConfig {
  auth: {
    algorithms: string[];
    secret?: string;
    publicKey?: string;
    jwksUrl?: string;
    partnerSecret: string;
    issuer: string;
    audience: string;
    rolesClaim: string;
    customerIdClaim: string;
    clockToleranceS: number;
    devSecret: boolean;
  };
}

export const auth = section({
  vars: {
    AUTH_JWT_ALGORITHMS: {
      schema: list
        .pipe(z.array(z.enum(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'])).min(1))
        .prefault('HS256'),
      example: 'RS256',
      doc: 'Allowed JWT signature algorithms (comma-separated). Tokens signed otherwise are rejected.',
    },
    AUTH_JWT_SECRET: {
      schema: z.string().min(32, 'must be at least 32 characters'),
      example: '$(openssl rand -base64 48)',
      doc: 'HMAC secret for HS* tokens. Development has a built-in one; production has none.',
      secret: true,
      dev: DEV_JWT_SECRET,
      devRefused: 'secret',
    },
    AUTH_JWT_PUBLIC_KEY: {
      schema: z.string().includes('BEGIN'),
      example: '"-----BEGIN PUBLIC KEY-----\\n..."',
      doc: 'PEM public key for RS*/ES*/PS* tokens (alternative to a JWKS URL).',
    },
    AUTH_JWKS_URL: {
      schema: z.url(),
      example: 'https://example.eu.auth0.com/.well-known/jwks.json',
      doc: 'JWKS of the identity provider for RS*/ES*/PS* tokens (keys cached, unknown kid re-fetched at most 10 times a minute).',
    },
    PARTNER_TOKEN_SECRET: {
      schema: z.string().min(32, 'must be at least 32 characters'),
      example: '$(openssl rand -base64 48)',
      doc: 'HMAC secret of the partner tokens Portico mints. Development has a built-in one.',
      secret: true,
      dev: DEV_PARTNER_SECRET,
      devRefused: 'secret',
    },
    AUTH_ISSUER: {
      schema: z.string().min(1),
      example: 'https://example.eu.auth0.com/',
      doc: 'Required `iss` of user tokens.',
      dev: 'portico-dev',
      requiredInProduction: 'in production',
    },
    AUTH_AUDIENCE: {
      schema: z.string().min(1).prefault('portico'),
      example: 'https://api.example.com',
      doc: 'Required `aud` of user tokens.',
    },
    AUTH_ROLES_CLAIM: {
      schema: z.string().min(1).prefault('roles'),
      example: 'https://example.com/roles',
      doc: 'Claim holding the role(s): a string or an array of `customer`, `agent`, `admin`.',
    },
    AUTH_CUSTOMER_ID_CLAIM: {
      schema: z.string().min(1).prefault('crm_contact_id'),
      example: 'crm_contact_id',
      doc: "Claim holding a customer's CRM contact id (without it: the customer `registerCustomer` linked the subject to, else `sub`).",
    },
    AUTH_CLOCK_TOLERANCE_S: { schema: int(0, 300).prefault('30'), example: '30', doc: 'Seconds of clock skew allowed for `exp`/`nbf`.' },
  },
  build: (v, { need }): AuthConfig => {
    const algorithms = v.AUTH_JWT_ALGORITHMS;
    if (algorithms.some((a) => a.startsWith('HS')))
      need('AUTH_JWT_SECRET', v.AUTH_JWT_SECRET, 'when AUTH_JWT_ALGORITHMS contains an HS algorithm');
    if (algorithms.some((a) => !a.startsWith('HS')) && !v.AUTH_JWKS_URL)
      need(
        'AUTH_JWT_PUBLIC_KEY',
        v.AUTH_JWT_PUBLIC_KEY,
        'when AUTH_JWT_ALGORITHMS contains RS/ES/PS algorithms and no AUTH_JWKS_URL is set',
      );
    need('PARTNER_TOKEN_SECRET', v.PARTNER_TOKEN_SECRET, 'to mint and verify partner tokens');
    return {
      auth: {
        algorithms,
        secret: v.AUTH_JWT_SECRET,
        publicKey: v.AUTH_JWT_PUBLIC_KEY,
        jwksUrl: v.AUTH_JWKS_URL,
        partnerSecret: v.PARTNER_TOKEN_SECRET ?? '',
        issuer: v.AUTH_ISSUER ?? 'portico-dev',
        audience: v.AUTH_AUDIENCE,
        rolesClaim: v.AUTH_ROLES_CLAIM,
        customerIdClaim: v.AUTH_CUSTOMER_ID_CLAIM,
        clockToleranceS: v.AUTH_CLOCK_TOLERANCE_S,
        devSecret: v.AUTH_JWT_SECRET === DEV_JWT_SECRET,
      },
    };
  },
});
