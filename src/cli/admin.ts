import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load-config';
import { connectMongo } from '../storage/mongo-client';
import { credentialsRepository } from '../auth/credentials.repository';
import { authService } from '../auth/auth.service';
import { isScope, SCOPES, type Scope } from '../auth/scopes';
import { failedJobsCommand, rebuildCommand, retryFailedCommand } from '../competency/admin-commands';

/** Where the tool writes; tests pass their own. `progress` redraws a progress line in place (terminals). */
export interface AdminIo { log(line: string): void; error(line: string): void; progress?(line: string): void }

type Services = { auth: ReturnType<typeof authService>; repo: ReturnType<typeof credentialsRepository> };

async function withServices<T>(env: NodeJS.ProcessEnv, fn: (s: Services) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
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

/** Admin command-line tool: stores and API credentials. `npm run admin -- --help`. Resolves to the exit code. */
export async function runAdmin(argv: string[], env: NodeJS.ProcessEnv, io: AdminIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('lrs-admin').description('Manage stores, API credentials and competency rebuilds of the LRS (reads MONGODB_URI / MONGODB_DB, REDIS_URL / LRS_QUEUE_PREFIX)');
  // Set before the subcommands are declared so they inherit it: errors return a code, never exit.
  program.exitOverride();
  program.configureOutput({ writeOut: (t) => io.log(t.trimEnd()), writeErr: (t) => io.error(t.trimEnd()) });

  const store = program.command('store').description('stores (tenants)');
  store.command('create').argument('<id>', 'store id', parseStoreId).option('--name <name>', 'display name')
    .action(async (id: string, opts: { name?: string }) => withServices(env, async ({ repo }) => {
      await repo.ensureStore(id, opts.name ?? id, new Date());
      io.log(`store ${id} ready`);
    }));
  store.command('list').action(async () => withServices(env, async ({ repo }) => {
    for (const s of await repo.listStores()) io.log(`${s._id}\t${s.name}\t${s.createdAt.toISOString()}`);
  }));

  const cred = program.command('credential').description('API credentials (HTTP Basic key/secret)');
  cred.command('create').requiredOption('--store <id>', 'store the credential acts in', parseStoreId)
    .option('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, parseScopes, ['statements/write', 'statements/read/mine'] as Scope[])
    .requiredOption('--name <name>', 'who uses it (shown as the authority name)')
    .action(async (opts: { store: string; scopes: Scope[]; name: string }) => withServices(env, async ({ auth }) => {
      const { key, secret } = await auth.createCredential(opts);
      io.log(JSON.stringify({ key, secret, store: opts.store, scopes: opts.scopes }, null, 2));
      io.error('The secret is shown once; it is stored only as a hash.');
    }));
  cred.command('list').option('--store <id>', 'only this store', parseStoreId).action(async (opts: { store?: string }) => withServices(env, async ({ repo }) => {
    for (const c of await repo.list(opts.store)) {
      io.log(`${c.key}\t${c.store}\t${c.scopes.join(',')}\t${c.name}${c.revokedAt ? `\trevoked ${c.revokedAt.toISOString()}` : ''}`);
    }
  }));
  cred.command('revoke').argument('<key>').action(async (key: string) => withServices(env, async ({ repo }) => {
    if (!(await repo.revoke(key, new Date()))) { io.error(`no active credential ${key}`); exitCode = 1; return; }
    io.log(`revoked ${key} (cached verifications expire within a minute)`);
  }));

  // Competency pipeline: rebuilds and failed jobs (Redis, REDIS_URL / LRS_QUEUE_PREFIX).
  program.command('rebuild').description('re-score a store\'s history under its current frameworks and rules (a competency worker runs it)')
    .requiredOption('--store <id>', 'store to rebuild', parseStoreId)
    .option('--no-wait', 'enqueue and return at once instead of following the progress')
    .option('--timeout <seconds>', 'give up waiting after this long', (v) => Number(v))
    .action(async (opts: { store: string; wait: boolean; timeout?: number }) => {
      exitCode = await rebuildCommand(loadConfig(env), { store: opts.store, wait: opts.wait, timeoutS: opts.timeout }, io);
    });
  program.command('failed-jobs').description('list failed scoring, rebuild and write-back jobs, newest first')
    .option('--store <id>', 'only this store', parseStoreId)
    .option('--queue <name>', 'scoring, rebuild or writeback')
    .option('--limit <n>', 'most jobs listed per queue', (v) => Number(v), 100)
    .action(async (opts: { store?: string; queue?: string; limit: number }) => {
      exitCode = await failedJobsCommand(loadConfig(env), opts, io);
    });
  program.command('retry-failed').description('move failed scoring jobs back to the queue (after fixing their cause)')
    .option('--store <id>', 'only this store', parseStoreId)
    .action(async (opts: { store?: string }) => {
      exitCode = await retryFailedCommand(loadConfig(env), opts, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    if (code === 0) return 0;
    if (code === undefined) io.error((err as Error).message);
    return code ?? 1;
  }
  return exitCode;
}

if (require.main === module) {
  const progress = process.stderr.isTTY ? (l: string) => { process.stderr.write(l === '\n' ? l : `\r${l}`); } : undefined;
  runAdmin(process.argv.slice(2), process.env, { log: (l) => console.log(l), error: (l) => console.error(l), progress })
    .then((code) => process.exit(code), (err: Error) => { console.error(err.message); process.exit(1); });
}
