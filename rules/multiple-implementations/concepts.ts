import type { Options } from '../../src/engine/rule.js';

/** A concept as the config declares it (multiple-implementations' `concepts` option). */
export const CONCEPT = {
  type: 'object',
  additionalProperties: false,
  properties: {
    description: { type: 'string', description: 'what an implementation is, for `comply explain <concept>`' },
    variants: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
      },
      description:
        'variant name → signal globs over qualified call names (an array entry needs all of its globs; url:* matches auth-looking string literals)',
    },
    bases: { type: 'array', items: { type: 'string' }, description: 'base-class globs that make a class an implementation' },
    names: { type: 'array', items: { type: 'string' }, description: 'class-name globs: evidence only, never enough alone' },
    max: { type: 'integer', minimum: 1, default: 1, description: 'how many implementations a scope may have' },
    scope: { enum: ['service', 'repo'], default: 'service', description: 'count per service, or across the repo' },
    canonical: { type: 'array', items: { type: 'string' }, description: 'path globs of the canonical implementation(s); the others are the findings' },
    includeTests: { type: 'boolean', default: false, description: 'count implementations in test code too' },
  },
} as const;

/** A concept in force: the defaults of CONCEPT filled in. */
export type Concept = Options<typeof CONCEPT.properties> & { description: string; variants: Record<string, SignalPattern[]> };

/**
 * Built-in concepts. A class implements a concept when its signals (what it calls or constructs, qualified through
 * its file's imports, and `url:` literals) match: names and base classes alone never make an implementation, so a
 * `DatabaseManager` that only formats URLs, or a facade that delegates to another manager, is not one.
 * A signal entry is a glob over qualified names; an array entry needs all of its globs.
 */
export type SignalPattern = string | string[];

/** A built-in concept: what CONCEPT declares, its defaults left to it. They leave max, scope and includeTests to the
 * defaults, so that a config entry that overrides a built-in (and carries the defaults) changes only what it says. */
type BuiltinConcept = Pick<Concept, 'description' | 'variants' | 'names'>;

const HTTP = ['httpx.*', 'requests.*', 'aiohttp.*', 'fetch', 'axios', 'axios.*', 'urllib.request.*'];

export const BUILTIN_CONCEPTS: Record<string, BuiltinConcept> = {
  'database-manager': {
    description: 'A class that opens connections or pools to a database. One per database kind per service.',
    variants: {
      postgresql: [
        'sqlalchemy.create_engine',
        'sqlalchemy.engine.create_engine',
        'sqlalchemy.ext.asyncio.create_async_engine',
        'asyncpg.create_pool',
        'asyncpg.connect',
        'psycopg2.connect',
        'psycopg2.pool.*',
        'psycopg.connect',
        'psycopg.AsyncConnection.connect',
        'psycopg_pool.*',
        'pg.Pool',
        'pg.Client',
      ],
      redis: [
        'redis.Redis',
        'redis.StrictRedis',
        'redis.from_url',
        'redis.ConnectionPool*',
        'redis.asyncio.Redis',
        'redis.asyncio.from_url',
        'redis.asyncio.ConnectionPool*',
        'redis.asyncio.client.Redis',
        'aioredis.*',
        'ioredis',
        'ioredis.*',
        'redis.createClient',
      ],
      clickhouse: [
        'clickhouse_connect.get_client',
        'clickhouse_connect.get_async_client',
        'clickhouse_connect.driver.*',
        'clickhouse_driver.Client',
        'clickhouse_driver.connect',
        'aiochclient.ChClient',
        'asynch.connect',
        'asynch.create_pool',
        '@clickhouse/client.createClient',
      ],
      mongodb: ['pymongo.MongoClient', 'motor.motor_asyncio.AsyncIOMotorClient', 'mongodb.MongoClient', 'mongoose.connect'],
      sqlite: ['sqlite3.connect', 'aiosqlite.connect'],
    },
    names: ['*Database*', '*DB*', '*Db*', '*Postgres*', '*Redis*', '*ClickHouse*', '*Clickhouse*', '*Connection*', '*Pool*'],
  },
  'auth-client': {
    description:
      'A class that validates tokens itself (jwt.decode, jose, jsonwebtoken.verify) or calls an auth service over HTTP (an HTTP client together with an auth or token URL). One per service.',
    variants: {
      auth: [
        'jwt.decode',
        'jose.jwt.decode',
        'jose.jwtVerify',
        'jsonwebtoken.verify',
        'jsonwebtoken.decode',
        'jwt-decode.*',
        'jwt-decode',
        'google.oauth2.id_token.verify_oauth2_token',
        ...HTTP.map((h) => [h, 'url:*']),
      ],
    },
    names: ['*Auth*', '*Token*', '*JWT*', '*Jwt*', '*OAuth*', '*Session*'],
  },
};
