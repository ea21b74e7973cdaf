import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../src/errors/error-catalogue';

describe('error catalogue', () => {
  it('is documented in the README exactly as the code defines it', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = /<!-- error-catalogue:start -->([\s\S]*?)<!-- error-catalogue:end -->/.exec(readme)?.[1] ?? '';
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
    const defined = Object.entries(ERROR_CATALOGUE).map(([code, v]) => [code, v.status, v.summary]);
    expect(documented).toEqual(defined);
  });
});
