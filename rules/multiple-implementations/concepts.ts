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
        'variant name → signal globs over qualified call names (an array entry needs all of its globs in one unit; url:* is an own authentication endpoint given to a call, external-url:* one with a public host, http-call-url:* one given straight to an HTTP-verb call, provider-url:* an OAuth endpoint of code that sends grant_type or response_type)',
    },
    kind: {
      enum: ['resource', 'logic'],
      description:
        'resource (when unset): an owner keeps what a signal call returns (a call used in one function is transient; building an in-repo owner is owning one); logic: every signal call is an implementation, and using an in-repo one is consuming it',
    },
    generic: { type: 'array', items: { type: 'string' }, description: 'generic drivers: the variant comes from the URL scheme given (schemes), else from the unit, file or service' },
    schemes: { type: 'object', additionalProperties: { type: 'string' }, description: 'URL scheme (its part before +) → variant' },
    support: { type: 'array', items: { type: 'string' }, description: 'calls shown as supporting evidence of an owner, never a candidate on their own' },
    bases: { type: 'array', items: { type: 'string' }, description: 'base-class globs that make a class an owner' },
    names: { type: 'array', items: { type: 'string' }, description: 'accepted for compatibility; never evidence' },
    max: { type: 'integer', minimum: 1, default: 1, description: 'how many owners a scope may have' },
    uncounted: {
      type: 'array',
      items: { type: 'string' },
      description: 'variants listed in the inventory but never counted against max (their owners may each be a different thing: a provider configured at run time)',
    },
    scope: { enum: ['service', 'repo'], default: 'service', description: 'count per service, or across the repo' },
    canonical: { type: 'array', items: { type: 'string' }, description: 'path globs of the canonical owner(s); the other owners are the findings (unset: the most imported)' },
    includeTests: { type: 'boolean', default: false, description: 'count implementations in test code too' },
  },
} as const;

/** A concept in force: the defaults of CONCEPT filled in. */
export type Concept = Options<typeof CONCEPT.properties> & { description: string; variants: Record<string, SignalPattern[]> };

/**
 * Built-in concepts. Candidates are classes, module-level functions and module-level code (grouped per module);
 * each gets a role from what its code does with the calls below (ownership.ts), never from its name.
 * A signal entry is a glob over qualified call names (`*` crosses dots); an array entry needs all of its globs.
 * `url:` signals are endpoint-looking literals given to a call (not to a log call or an exception) with no public
 * host of their own (`/auth/token`, `{base}/auth/refresh`, `http://auth-service:8081/token`); `external-url:` ones
 * name a public host (`https://oauth2.googleapis.com/token`).
 */
export type SignalPattern = string | string[];

/** A built-in concept: what CONCEPT declares, its defaults left to it. They leave max, scope and includeTests to the
 * defaults, so that a config entry that overrides a built-in (and carries the defaults) changes only what it says. */
type BuiltinConcept = Pick<Concept, 'description' | 'variants' | 'kind' | 'generic' | 'schemes' | 'support' | 'uncounted'>;

/** redis-py's clients and pools */
const REDIS_PY = [
  'redis.Redis',
  'redis.StrictRedis',
  'redis.from_url',
  'redis.Redis.from_url',
  'redis.StrictRedis.from_url',
  'redis.ConnectionPool*',
  'redis.BlockingConnectionPool*',
  'redis.client.Redis',
  'redis.cluster.RedisCluster',
  'redis.RedisCluster',
  'redis.sentinel.Sentinel',
  'redis.asyncio.Redis',
  'redis.asyncio.StrictRedis',
  'redis.asyncio.from_url',
  'redis.asyncio.Redis.from_url',
  'redis.asyncio.client.Redis.from_url',
  'redis.asyncio.ConnectionPool*',
  'redis.asyncio.BlockingConnectionPool*',
  'redis.asyncio.client.Redis',
  'redis.asyncio.RedisCluster',
  'redis.asyncio.cluster.RedisCluster',
  'redis.asyncio.sentinel.Sentinel',
];

const HTTP = [
  'httpx.*',
  'requests.*',
  'aiohttp.*',
  'urllib.request.*',
  'urllib3.*',
  'fetch',
  'axios',
  'axios.*',
  'ky',
  'ky.*',
  'got',
  'got.*',
  'node-fetch',
  'ofetch.*',
];

/** a call given an own endpoint URL: an HTTP client of the unit's, or a call whose name is an HTTP verb */
const OWN_ENDPOINT: SignalPattern[] = [...HTTP.map((h) => [h, 'url:*']), 'http-call-url:*'];

const provider = (urls: string[], libraries: string[]): SignalPattern[] => [...urls.map((u) => `external-url:${u}`), ...libraries];

export const BUILTIN_CONCEPTS: Record<string, BuiltinConcept> = {
  'database-manager': {
    description:
      'Code that creates and keeps a connection, pool, engine or client of a database: one per database kind per service.',
    kind: 'resource',
    variants: {
      postgresql: [
        'asyncpg.create_pool',
        'asyncpg.pool.create_pool',
        'asyncpg.connect',
        'asyncpg.Pool',
        'asyncpg.Connection',
        'psycopg2.connect',
        'psycopg2.pool.*',
        'psycopg.connect',
        'psycopg.AsyncConnection',
        'psycopg.AsyncConnection.connect',
        'psycopg.Connection.connect',
        'psycopg_pool.*Pool',
        'aiopg.create_pool',
        'aiopg.connect',
        'pg8000.connect',
        'pg8000.native.Connection',
        'peewee.PostgresqlDatabase',
        'playhouse.postgres_ext.PostgresqlExtDatabase',
        'playhouse.pool.PooledPostgresqlDatabase',
        'playhouse.pool.PooledPostgresqlExtDatabase',
        'playhouse.cockroachdb.*Database',
        'pg.Pool',
        'pg.Client',
        'pg.default.Pool',
        'pg.default.Client',
        'postgres',
        'pg-promise',
        '@neondatabase/serverless.*',
        '@vercel/postgres.createPool',
        '@vercel/postgres.createClient',
        'drizzle-orm/node-postgres.drizzle',
        'drizzle-orm/postgres-js.drizzle',
        'drizzle-orm/neon-*.drizzle',
        'drizzle-orm/vercel-postgres.drizzle',
        'drizzle-orm/pglite.drizzle',
        'kysely.PostgresDialect',
      ],
      mysql: [
        'pymysql.connect',
        'pymysql.Connect',
        'pymysql.connections.Connection',
        'MySQLdb.connect',
        'MySQLdb.Connect',
        'aiomysql.create_pool',
        'aiomysql.connect',
        'asyncmy.create_pool',
        'asyncmy.connect',
        'mysql.connector.connect',
        'mysql.connector.pooling.*Pool',
        'peewee.MySQLDatabase',
        'playhouse.pool.PooledMySQLDatabase',
        'playhouse.mysql_ext.*Database',
        'mysql2.createConnection',
        'mysql2.createPool',
        'mysql2/promise.createConnection',
        'mysql2/promise.createPool',
        'mysql.createConnection',
        'mysql.createPool',
        'drizzle-orm/mysql2.drizzle',
        'drizzle-orm/planetscale-serverless.drizzle',
        'kysely.MysqlDialect',
      ],
      sqlite: [
        'sqlite3.connect',
        'aiosqlite.connect',
        'peewee.SqliteDatabase',
        'playhouse.pool.PooledSqliteDatabase',
        'playhouse.sqlite_ext.*Database',
        'playhouse.sqliteq.SqliteQueueDatabase',
        'better-sqlite3',
        'sqlite3.Database',
        'sqlite.open',
        'drizzle-orm/better-sqlite3.drizzle',
        'drizzle-orm/libsql.drizzle',
        'drizzle-orm/bun-sqlite.drizzle',
        '@libsql/client.createClient',
        'kysely.SqliteDialect',
      ],
      redis: [
        ...REDIS_PY,
        // valkey-py, redis-py's fork, keeps its names (`valkey.StrictRedis`, `valkey.asyncio.Redis`)
        ...REDIS_PY.map((p) => p.replace(/^redis\./, 'valkey.')),
        'aioredis.from_url',
        'aioredis.Redis',
        'aioredis.Redis.from_url',
        'aioredis.StrictRedis',
        'aioredis.ConnectionPool*',
        'aioredis.create_redis',
        'aioredis.create_redis_pool',
        'aioredis.create_pool',
        // and its own names
        'valkey.Valkey',
        'valkey.Valkey.from_url',
        'valkey.asyncio.Valkey',
        'valkey.asyncio.Valkey.from_url',
        'ioredis',
        'ioredis.Redis',
        'ioredis.default',
        'ioredis.Cluster',
        'redis.createClient',
        'redis.createCluster',
        '@redis/client.createClient',
        'iovalkey',
        'iovalkey.*',
        '@valkey/valkey-glide.Glide*Client.createClient',
        '@upstash/redis.Redis',
      ],
      clickhouse: [
        'clickhouse_connect.get_client',
        'clickhouse_connect.get_async_client',
        'clickhouse_connect.create_client',
        'clickhouse_connect.create_async_client',
        'clickhouse_connect.driver.create_client',
        'clickhouse_connect.driver.create_async_client',
        'clickhouse_driver.Client',
        'clickhouse_driver.connect',
        'clickhouse_driver.dbapi.connect',
        'aiochclient.ChClient',
        'asynch.connect',
        'asynch.create_pool',
        'asynch.Pool',
        '@clickhouse/client.createClient',
        '@clickhouse/client-web.createClient',
      ],
      mongodb: [
        'pymongo.MongoClient',
        'pymongo.mongo_client.MongoClient',
        'pymongo.AsyncMongoClient',
        'motor.motor_asyncio.AsyncIOMotorClient',
        'motor.motor_tornado.MotorClient',
        'mongoengine.connect',
        'mongoengine.connection.connect',
        'mongoengine.register_connection',
        'mongodb.MongoClient',
        'mongoose.connect',
        'mongoose.createConnection',
        'mongoose.default.connect',
        'mongoose.default.createConnection',
      ],
    },
    generic: [
      'sqlalchemy.create_engine',
      'sqlalchemy.engine.create_engine',
      'sqlalchemy.ext.asyncio.create_async_engine',
      'sqlalchemy.ext.asyncio.engine.create_async_engine',
      'sqlmodel.create_engine',
      'flask_sqlalchemy.SQLAlchemy',
      'playhouse.db_url.connect',
      'databases.Database',
      'tortoise.Tortoise.init',
      'knex',
      'knex.knex',
      'knex.default',
      '@prisma/client.PrismaClient',
      'typeorm.DataSource',
      'typeorm.createConnection',
      'sequelize.Sequelize',
      'sequelize',
      '@mikro-orm/*.MikroORM.init',
      'kysely.Kysely',
    ],
    schemes: {
      postgres: 'postgresql',
      postgresql: 'postgresql',
      pgsql: 'postgresql',
      cockroachdb: 'postgresql',
      mysql: 'mysql',
      mariadb: 'mysql',
      sqlite: 'sqlite',
      redis: 'redis',
      rediss: 'redis',
      valkey: 'redis',
      valkeys: 'redis',
      clickhouse: 'clickhouse',
      clickhouses: 'clickhouse',
      mongodb: 'mongodb',
    },
    support: [
      'sqlalchemy.orm.sessionmaker',
      'sqlalchemy.orm.scoped_session',
      'sqlalchemy.ext.asyncio.async_sessionmaker',
      'sqlalchemy.ext.asyncio.async_scoped_session',
      'sqlmodel.Session',
      'beanie.init_beanie',
    ],
  },
  'auth-client': {
    description:
      "The repo's own token handling: code that decodes or verifies tokens itself (jwt.decode, jose, jsonwebtoken.verify, a session SDK's check such as SuperTokens' get_session) or calls the repo's own auth service over HTTP. One per service.",
    kind: 'logic',
    variants: {
      auth: [
        'jwt.decode',
        'jwt.api_jwt.decode',
        'jwt.PyJWT.decode',
        'jose.jwt.decode',
        'jose.jws.verify',
        'authlib.jose.jwt.decode',
        'jwcrypto.jwt.JWT',
        'jsonwebtoken.verify',
        'jsonwebtoken.decode',
        'jsonwebtoken.default.verify',
        'jose.jwtVerify',
        'jose.decodeJwt',
        'jwt-decode',
        'jwt-decode.jwtDecode',
        'jwt-decode.default',
        // a session SDK's verification (SuperTokens): the repo's own sessions, checked through the SDK
        'supertokens_python.recipe.session.asyncio.get_session',
        'supertokens_python.recipe.session.syncio.get_session',
        'supertokens_python.recipe.session.framework.*.verify_session',
        'supertokens-node/recipe/session.getSession',
        'supertokens-node/recipe/session.default.getSession',
        'supertokens-node/recipe/session/framework/*.verifySession',
        ...OWN_ENDPOINT,
      ],
    },
  },
  'identity-provider-client': {
    description:
      "Code that talks to an outside identity provider's OAuth/OIDC endpoints or SDK (Google, GitHub, Microsoft, Okta, Auth0, Keycloak; `oidc` for a provider configured at run time): one per provider per service. Not the repo's own auth client.",
    kind: 'logic',
    variants: {
      google: provider(
        ['https://accounts.google.com/*', 'https://oauth2.googleapis.com/*', 'https://www.googleapis.com/oauth2/*', 'https://openidconnect.googleapis.com/*'],
        ['google.oauth2.id_token.verify_oauth2_token', 'google.oauth2.id_token.verify_token', 'google.oauth2.id_token.fetch_id_token', 'google_auth_oauthlib.flow.*', 'httpx_oauth.clients.google.*', 'social_core.backends.google.*', 'google-auth-library.OAuth2Client', 'next-auth/providers/google*', '@auth/core/providers/google*'],
      ),
      github: provider(
        ['https://github.com/login/oauth/*'],
        ['httpx_oauth.clients.github.*', 'social_core.backends.github.*', 'next-auth/providers/github*', '@auth/core/providers/github*', '@octokit/oauth-app.*', '@octokit/auth-oauth-*'],
      ),
      microsoft: provider(
        ['https://login.microsoftonline.com/*', 'https://login.live.com/*', 'https://login.windows.net/*'],
        ['msal.ConfidentialClientApplication', 'msal.PublicClientApplication', 'httpx_oauth.clients.microsoft.*', 'social_core.backends.azuread*', '@azure/msal-node.*', '@azure/msal-browser.*', 'next-auth/providers/azure-ad*', '@auth/core/providers/azure-ad*'],
      ),
      okta: provider(['https://*.okta.com/*', 'https://*.oktapreview.com/*'], ['okta_jwt_verifier.*', 'okta.client.Client', 'httpx_oauth.clients.okta.*', '@okta/*', 'next-auth/providers/okta*']),
      auth0: provider(['https://*.auth0.com/*'], ['auth0.authentication.*', 'auth0.management.*', '@auth0/*', 'auth0.*Client', 'next-auth/providers/auth0*']),
      // a Keycloak realm, self-hosted (its URL a setting): known by its client libraries
      keycloak: provider(
        [],
        [
          'keycloak.KeycloakOpenID',
          'keycloak.keycloak_openid.KeycloakOpenID',
          'keycloak.KeycloakAdmin',
          'keycloak.keycloak_admin.KeycloakAdmin',
          'keycloak.KeycloakUMA',
          'keycloak-js',
          'keycloak-js.default',
          'keycloak-connect',
          'keycloak-connect.default',
          'next-auth/providers/keycloak*',
        ],
      ),
      // a provider configured at run time (its discovery URL a setting): a generic OpenID Connect / OAuth client, or
      // an OAuth client of an endpoint whose host is a setting; listed, not counted (uncounted): which provider each
      // talks to is a setting, so two of them are as likely two providers as one
      oidc: [
        'provider-url:*',
        // an OAuth request whose endpoint is a setting (`client.post(self.token_url, data={"grant_type": ...})`)
        ...HTTP.map((h) => [h, 'oauth-grant']),
        'authlib.integrations.*.OAuth',
        'authlib.integrations.*.OAuth2Session',
        'authlib.integrations.*.AsyncOAuth2Client',
        'authlib.integrations.*.OAuth2Client',
        'requests_oauthlib.OAuth2Session',
        'httpx_oauth.clients.openid.OpenID',
        'httpx_oauth.oauth2.OAuth2',
        'httpx_oauth.oauth2.BaseOAuth2',
        'oic.oic.Client',
        'openid-client.Issuer.discover',
        'openid-client.discovery',
        'oidc-client-ts.UserManager',
        'oidc-client.UserManager',
      ],
    },
    uncounted: ['oidc'],
  },
};
