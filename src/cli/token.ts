// ./vigil token create|list|revoke: the API tokens of the app's HTTP server (src/web/auth.ts).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { VigilConfig } from '../config.ts';
import { ROLES, type Role, TokenError, TokenStore } from '../web/auth.ts';
import { table } from './table.ts';

export function tokenFile(config: VigilConfig): string {
  return join(config.home, 'keys', 'api-tokens.json');
}

export async function tokenCommand(config: VigilConfig, args: string[], say: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const store = new TokenStore(tokenFile(config));
  const [action, name] = positionals;
  try {
    switch (action) {
      case 'create': {
        if (!values.name || !values.role) throw new TokenError('token create needs --name and --role');
        if (!ROLES.includes(values.role as Role)) throw new TokenError(`token role: one of ${ROLES.join(', ')}`);
        const token = store.create(values.name, values.role as Role);
        process.stderr.write(`token ${values.name} (${values.role}) created; it is shown once, keep it safe:\n`);
        say(token);
        return 0;
      }
      case 'list': {
        const tokens = store.list().map(({ name: n, role, created }) => ({ name: n, role, created }));
        if (values.json) say(JSON.stringify({ tokens }));
        else say(table(['name', 'role', 'created'], tokens.map((t) => [t.name, t.role, t.created])));
        return 0;
      }
      case 'revoke': {
        if (!name) throw new TokenError('token revoke needs the token name');
        if (!store.revoke(name)) throw new TokenError(`no token named ${name}`);
        say(`token ${name} revoked`);
        return 0;
      }
      default:
        throw new TokenError('token: create, list or revoke');
    }
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    process.stderr.write(`vigil: ${err.message}\n`);
    return 64;
  }
}
