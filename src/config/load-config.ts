import Ajv from 'ajv';
import configSchema from '../../schemas/config.schema.json';

/**
 * Validated, frozen configuration. Only entrypoints call {@link loadConfig}; everything else
 * receives the parts it needs.
 */
export interface Config {
  /** HTTP port. @defaultValue 8080 */
  readonly port: number;
  /** Interface to bind. @defaultValue `0.0.0.0` */
  readonly host: string;
  readonly mongo: {
    /** @defaultValue `mongodb://127.0.0.1:27017` */
    readonly uri: string;
    /** Database name. @defaultValue `lrs` */
    readonly db: string;
  };
  /** @defaultValue `redis://127.0.0.1:6379` */
  readonly redisUrl: string;
  /** BullMQ queue prefix, so several deployments can share one Redis. @defaultValue `lrs` */
  readonly queuePrefix: string;
  /** How stored statements are enqueued for scoring. */
  readonly scoringQueue: {
    /**
     * Statements stored within this many ms are enqueued together, in one Redis round trip, as
     * jobs the workers score side by side. @defaultValue 10
     */
    readonly lingerMs: number;
    /** Most statements per scoring job. @defaultValue 50 */
    readonly maxPerJob: number;
  };
  /** pino level. @defaultValue `info` */
  readonly logLevel: string;
  /** Allowed CORS origins; `*` allows any origin (browser content is served from anywhere). @defaultValue `*` */
  readonly corsOrigins: '*' | readonly string[];
  readonly statements: {
    /** `limit` used when a GET /statements gives none (or 0). @defaultValue 100 */
    readonly limitDefault: number;
    /** Largest page the LRS returns, whatever `limit` asks. @defaultValue 500 */
    readonly limitMax: number;
    /** Largest JSON request body. @defaultValue 10 MiB */
    readonly bodyLimitBytes: number;
    /**
     * Subtracted from the consistency watermark to cover writes in flight in *other* API
     * processes and clock skew between them. @defaultValue 1000
     */
    readonly consistencyMarginMs: number;
  };
  readonly attachments: {
    /**
     * Largest multipart/mixed statement request (statements plus attachment content); larger is
     * 413, refused by its Content-Length before reading or while counting the bytes.
     * @defaultValue 64 MiB
     */
    readonly maxBytes: number;
    /**
     * How often each API process removes attachment content left unreferenced for a day by
     * crashed requests; 0 turns the clean-up off. @defaultValue 3600000 (hourly)
     */
    readonly sweepIntervalMs: number;
  };
  /** Seeds a credential with scope `all` in the default store at start, when both are set. */
  readonly defaultCredential?: { readonly key: string; readonly secret: string };
  /** Bearer JWT verification; absent when neither a secret nor a public key is configured. */
  readonly jwt?: {
    readonly key: string;
    readonly algorithms: readonly string[];
    readonly issuer?: string;
    readonly audience?: string;
  };
  /**
   * Open Badges credentials (/api): the issuer's signing key, a PEM private key (RSA of 2048 bits
   * or more, signing RS256, or EC P-256, signing ES256). Absent: a key pair is generated once and
   * kept in MongoDB (`badge_keys`), so every API process and restart signs with the same key.
   */
  readonly badges: { readonly privateKey?: string };
  /**
   * The LRS's public base URL (e.g. `https://lrs.example.com`), used in the ids of badge issuers
   * and achievements. Absent: taken from each request's protocol and Host.
   */
  readonly publicUrl?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const DEFAULTS: Record<string, string> = {
  PORT: '8080',
  HOST: '0.0.0.0',
  MONGODB_URI: 'mongodb://127.0.0.1:27017',
  MONGODB_DB: 'lrs',
  REDIS_URL: 'redis://127.0.0.1:6379',
  LRS_LOG_LEVEL: 'info',
  LRS_CORS_ORIGINS: '*',
  LRS_STATEMENT_LIMIT_DEFAULT: '100',
  LRS_STATEMENT_LIMIT_MAX: '500',
  LRS_BODY_LIMIT_BYTES: String(10 * 1024 * 1024),
  LRS_CONSISTENCY_MARGIN_MS: '1000',
  LRS_ATTACHMENT_MAX_BYTES: String(64 * 1024 * 1024),
  LRS_ATTACHMENT_SWEEP_MS: '3600000',
  LRS_JWT_ALGORITHMS: 'HS256',
  LRS_QUEUE_PREFIX: 'lrs',
  LRS_SCORING_LINGER_MS: '10',
  LRS_SCORING_JOB_MAX: '50',
};
const INTEGER_KEYS = new Set(['PORT', 'LRS_STATEMENT_LIMIT_DEFAULT', 'LRS_STATEMENT_LIMIT_MAX', 'LRS_BODY_LIMIT_BYTES', 'LRS_CONSISTENCY_MARGIN_MS', 'LRS_ATTACHMENT_MAX_BYTES', 'LRS_ATTACHMENT_SWEEP_MS', 'LRS_SCORING_LINGER_MS', 'LRS_SCORING_JOB_MAX']);
const LIST_KEYS = new Set(['LRS_JWT_ALGORITHMS']);
const KNOWN_KEYS = Object.keys(configSchema.properties);
const SECRET_KEYS = new Set(['LRS_API_SECRET_DEFAULT', 'LRS_JWT_SECRET', 'LRS_BADGE_PRIVATE_KEY']);

const ajv = new Ajv({ allErrors: true });
const validateRaw = ajv.compile(configSchema);

/**
 * Reads the environment variables this LRS knows, validates them all at once and returns a frozen
 * {@link Config}. Throws {@link ConfigError} listing every problem (secrets are never echoed).
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of KNOWN_KEYS) {
    const value = env[key] !== undefined && env[key] !== '' ? env[key] : DEFAULTS[key];
    if (value === undefined) continue;
    if (INTEGER_KEYS.has(key)) {
      raw[key] = /^-?\d+$/.test(value) ? Number(value) : value;
    } else if (LIST_KEYS.has(key)) {
      raw[key] = value.split(',').map((s) => s.trim()).filter(Boolean);
    } else {
      raw[key] = value;
    }
  }
  // MONGODB_URI may carry the database name in its path (mongodb://host/dbname).
  if (env.MONGODB_DB === undefined || env.MONGODB_DB === '') {
    const fromUri = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(String(raw.MONGODB_URI ?? ''));
    if (fromUri?.[1]) raw.MONGODB_DB = decodeURIComponent(fromUri[1]);
  }
  if (!validateRaw(raw)) {
    for (const e of validateRaw.errors ?? []) {
      const key = e.instancePath.replace(/^\//, '').split('/')[0] ?? '';
      const shown = SECRET_KEYS.has(key) ? '' : ` (got ${JSON.stringify(raw[key])})`;
      problems.push(`${key || 'config'} ${e.message ?? 'is invalid'}${shown}`);
    }
  }
  if ((raw.LRS_API_KEY_DEFAULT === undefined) !== (raw.LRS_API_SECRET_DEFAULT === undefined)) {
    problems.push('LRS_API_KEY_DEFAULT and LRS_API_SECRET_DEFAULT must be set together');
  }
  if (raw.LRS_JWT_SECRET !== undefined && raw.LRS_JWT_PUBLIC_KEY !== undefined) {
    problems.push('set only one of LRS_JWT_SECRET (HS* algorithms) and LRS_JWT_PUBLIC_KEY (RS/ES/PS algorithms)');
  }
  const algorithms = (raw.LRS_JWT_ALGORITHMS as string[] | undefined) ?? [];
  if (raw.LRS_JWT_SECRET !== undefined && algorithms.some((a) => !a.startsWith('HS'))) {
    problems.push('LRS_JWT_ALGORITHMS must list only HS* algorithms when LRS_JWT_SECRET is used');
  }
  if (raw.LRS_JWT_PUBLIC_KEY !== undefined && algorithms.some((a) => a.startsWith('HS'))) {
    problems.push('LRS_JWT_ALGORITHMS must not list HS* algorithms when LRS_JWT_PUBLIC_KEY is used');
  }
  if (Number(raw.LRS_STATEMENT_LIMIT_DEFAULT) > Number(raw.LRS_STATEMENT_LIMIT_MAX)) {
    problems.push('LRS_STATEMENT_LIMIT_DEFAULT must not exceed LRS_STATEMENT_LIMIT_MAX');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const jwtKey = (raw.LRS_JWT_SECRET ?? raw.LRS_JWT_PUBLIC_KEY) as string | undefined;
  const cors = String(raw.LRS_CORS_ORIGINS);
  const config: Config = {
    port: raw.PORT as number,
    host: raw.HOST as string,
    mongo: { uri: raw.MONGODB_URI as string, db: raw.MONGODB_DB as string },
    redisUrl: raw.REDIS_URL as string,
    queuePrefix: raw.LRS_QUEUE_PREFIX as string,
    scoringQueue: { lingerMs: raw.LRS_SCORING_LINGER_MS as number, maxPerJob: raw.LRS_SCORING_JOB_MAX as number },
    logLevel: raw.LRS_LOG_LEVEL as string,
    corsOrigins: cors === '*' ? '*' : cors.split(',').map((s) => s.trim()).filter(Boolean),
    statements: {
      limitDefault: raw.LRS_STATEMENT_LIMIT_DEFAULT as number,
      limitMax: raw.LRS_STATEMENT_LIMIT_MAX as number,
      bodyLimitBytes: raw.LRS_BODY_LIMIT_BYTES as number,
      consistencyMarginMs: raw.LRS_CONSISTENCY_MARGIN_MS as number,
    },
    attachments: {
      maxBytes: raw.LRS_ATTACHMENT_MAX_BYTES as number,
      sweepIntervalMs: raw.LRS_ATTACHMENT_SWEEP_MS as number,
    },
    defaultCredential: raw.LRS_API_KEY_DEFAULT !== undefined
      ? { key: raw.LRS_API_KEY_DEFAULT as string, secret: raw.LRS_API_SECRET_DEFAULT as string }
      : undefined,
    jwt: jwtKey !== undefined
      ? {
        key: jwtKey.replace(/\\n/g, '\n'),
        algorithms,
        issuer: raw.LRS_JWT_ISSUER as string | undefined,
        audience: raw.LRS_JWT_AUDIENCE as string | undefined,
      }
      : undefined,
    badges: { privateKey: (raw.LRS_BADGE_PRIVATE_KEY as string | undefined)?.replace(/\\n/g, '\n') },
    publicUrl: (raw.LRS_PUBLIC_URL as string | undefined)?.replace(/\/+$/, ''),
  };
  return deepFreeze(config);
}

/** The configuration with secrets replaced, for the start-up log line. */
export function redactConfig(config: Config): unknown {
  return {
    ...config,
    mongo: { ...config.mongo, uri: config.mongo.uri.replace(/\/\/[^@/]*@/, '//***@') },
    redisUrl: config.redisUrl.replace(/\/\/[^@/]*@/, '//***@'),
    defaultCredential: config.defaultCredential ? { key: config.defaultCredential.key, secret: '***' } : undefined,
    jwt: config.jwt ? { ...config.jwt, key: '***' } : undefined,
    badges: { privateKey: config.badges.privateKey ? '***' : undefined },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
