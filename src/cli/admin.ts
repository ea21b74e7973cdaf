import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load-config';
import { connectMongo } from '../storage/mongo-client';
import { credentialsRepository } from '../auth/credentials.repository';
import { authService } from '../auth/auth.service';
import { isScope, SCOPES, type Scope } from '../auth/scopes';

/** Admin command-line tool: stores (tenants) and API credentials. `npm run admin -- --help`. */
async function withServices<T>(fn: (s: { auth: ReturnType<typeof authService>; repo: ReturnType<typeof credentialsRepository> }) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const { client, db } = await connectMongo({ uri: config.mongo.uri, db: config.mongo.db, appName: 'lrs-admin' });
  try {
    const repo = credentialsRepository(db);
    await repo.ensureIndexes();
    return await fn({ auth: authService({ credentials: repo }), repo });
  } finally {
    await client.close();
  }
}

function parseScopes(value: string): Scope[] {
  const scopes = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0 || scopes.length === 0) throw new InvalidArgumentError(`unknown scope(s) ${bad.join(', ')}; choose from ${SCOPES.join(', ')}`);
  return scopes as Scope[];
}

function parseStoreId(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(value)) throw new InvalidArgumentError('store ids are lower-case letters, digits and dashes');
  return value;
}

const program = new Command('lrs-admin').description('Manage stores and API credentials of the LRS (reads MONGODB_URI / MONGODB_DB)');

const store = program.command('store').description('stores (tenants)');
store.command('create').argument('<id>', 'store id', parseStoreId).option('--name <name>', 'display name')
  .action(async (id: string, opts: { name?: string }) => withServices(async ({ repo }) => {
    await repo.ensureStore(id, opts.name ?? id, new Date());
    console.log(`store ${id} ready`);
  }));
store.command('list').action(async () => withServices(async ({ repo }) => {
  for (const s of await repo.listStores()) console.log(`${s._id}\t${s.name}\t${s.createdAt.toISOString()}`);
}));

const cred = program.command('credential').description('API credentials (HTTP Basic key/secret)');
cred.command('create').requiredOption('--store <id>', 'store the credential acts in', parseStoreId)
  .option('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, parseScopes, ['statements/write', 'statements/read/mine'] as Scope[])
  .requiredOption('--name <name>', 'who uses it (shown as the authority name)')
  .action(async (opts: { store: string; scopes: Scope[]; name: string }) => withServices(async ({ auth }) => {
    const { key, secret } = await auth.createCredential(opts);
    console.log(JSON.stringify({ key, secret, store: opts.store, scopes: opts.scopes }, null, 2));
    console.error('The secret is shown once; it is stored only as a hash.');
  }));
cred.command('list').option('--store <id>', 'only this store', parseStoreId).action(async (opts: { store?: string }) => withServices(async ({ repo }) => {
  for (const c of await repo.list(opts.store)) {
    console.log(`${c.key}\t${c.store}\t${c.scopes.join(',')}\t${c.name}${c.revokedAt ? `\trevoked ${c.revokedAt.toISOString()}` : ''}`);
  }
}));
cred.command('revoke').argument('<key>').action(async (key: string) => withServices(async ({ repo }) => {
  if (!(await repo.revoke(key, new Date()))) { console.error(`no active credential ${key}`); process.exitCode = 1; return; }
  console.log(`revoked ${key} (cached verifications expire within a minute)`);
}));

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
