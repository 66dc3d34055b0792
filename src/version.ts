import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version, read once from package.json (found from src/ under tests and dist/src/ when built). */
export function cliVersion(): string {
  if (cached) return cached;
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'robofy' && pkg.version) return (cached = pkg.version);
    } catch {
      // not at this level; try the next
    }
  }
  return (cached = '0.0.0');
}
