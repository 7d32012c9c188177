// Exit 0 when node_modules holds exactly what package-lock.json locks (npm's hidden lockfile
// node_modules/.package-lock.json agrees entry by entry; a locked package may be absent only if it is
// optional, e.g. another platform's binary), so scripts/setup.sh can skip `npm ci`. Exit 1 otherwise.
const { readFileSync } = require('node:fs');
const read = (f) => { try { return JSON.parse(readFileSync(f, 'utf8')).packages ?? {}; } catch { return null; } };
const locked = read('package-lock.json');
const installed = read('node_modules/.package-lock.json');
if (!locked || !installed) process.exit(1);
for (const [k, v] of Object.entries(installed)) if (JSON.stringify(v) !== JSON.stringify(locked[k])) process.exit(1);
for (const [k, v] of Object.entries(locked)) if (k !== '' && !(k in installed) && !v.optional) process.exit(1);
process.exit(0);
