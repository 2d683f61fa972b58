// Emits the declarations of the client and of the workspace packages its types reach
// (AppRouter lives in @uplink/api), then rewrites their imports so the tree under
// dist/types stands alone: `@uplink/x` → a relative path, `./y.ts` → `./y.js`.
import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tmp = join(root, 'build/types')
const out = join(root, 'dist/types')
// TypeScript 7 exports no `bin/tsc` subpath: find the bin beside its package.json.
const tsc = join(
  dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
  'bin/tsc',
)

rmSync(tmp, { recursive: true, force: true })
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' })
} catch (err) {
  throw new Error(`declarations failed (tsc -p tsconfig.build.json):\n${err.stdout}${err.stderr}`)
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* files(path)
    else if (path.endsWith('.d.ts')) yield path
  }
}

for (const file of files(tmp)) {
  const text = readFileSync(file, 'utf8')
    .replace(/(from\s+|import\()'(\.{1,2}\/[^']+)\.ts'/g, "$1'$2.js'")
    .replace(/(from\s+|import\()'@uplink\/([a-z-]+)'/g, (_m, lead, pkg) => {
      let rel = relative(dirname(file), join(tmp, pkg, 'src/index.js'))
      if (!rel.startsWith('.')) rel = `./${rel}`
      return `${lead}'${rel}'`
    })
  writeFileSync(file, text)
}
rmSync(out, { recursive: true, force: true })
cpSync(tmp, out, { recursive: true })
rmSync(join(root, 'build'), { recursive: true, force: true })
