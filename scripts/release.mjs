// `pnpm release [--dry-run]`: packs every published (non-private) workspace package — `pnpm pack`
// runs each one's prepack build — and lists what each tarball ships; without --dry-run it then
// publishes them with `changeset publish` (versions come from `pnpm changeset version`).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dryRun = process.argv.includes('--dry-run')
const sh = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })

const packages = JSON.parse(sh('pnpm', ['ls', '-r', '--depth', '-1', '--json'])).filter(
  (p) => !p.private,
)
if (!packages.length) throw new Error('no published packages: every workspace package is private')

// Pending changesets (informational: `changeset status` exits 1 when changes have none).
try {
  console.log(sh('pnpm', ['exec', 'changeset', 'status']).trim())
} catch {}
const out = mkdtempSync(join(tmpdir(), 'uplink-release-'))
for (const pkg of packages) {
  sh('pnpm', ['pack', '--pack-destination', out], pkg.path)
}
for (const tarball of readdirSync(out)) {
  const path = join(out, tarball)
  const files = sh('tar', ['tzf', path]).trim().split('\n')
  console.log(`${tarball}  ${(statSync(path).size / 1024).toFixed(1)} KiB, ${files.length} files`)
}
if (dryRun) {
  console.log(`dry run: tarballs in ${out}; nothing published`)
} else {
  execFileSync('pnpm', ['exec', 'changeset', 'publish'], { stdio: 'inherit' })
}
