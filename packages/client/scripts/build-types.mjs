// Emits the declarations of the client and of the workspace packages its types reach
// (AppRouter lives in @uplink/api), rewrites their imports so the tree under dist/types
// stands alone (`@uplink/x` → a relative path, `./y.ts` → `./y.js`), and ships only the files
// reachable from the client's entry. The router's server-side context (database, S3 client,
// signers) is replaced by an opaque type: a client never sees it, and its types would need
// packages a client never installs. The build fails if the shipped tree still names a package
// that is not a dependency of the client, or a file it does not ship.
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tmp = join(root, 'build/types')
const out = join(root, 'dist/types')
const ENTRY = 'client/src/index.d.ts'
// TypeScript 7 exports no `bin/tsc` subpath: find the bin beside its package.json.
const tsc = join(
  dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
  'bin/tsc',
)

/** What the client ships of @uplink/api: the router's shape, not the server that runs it. */
const API_STUBS = {
  'api/src/index.d.ts': "export type { AppRouter } from './root.js';\n",
  'api/src/trpc.d.ts':
    "/** The server's per-request context (database, storage, signers): opaque to clients. */\n" +
    'export interface Context {\n    readonly __serverSide: never;\n}\n',
}

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

// Every module specifier of a declaration file: `from '…'`, `import('…')`, `import("…")`.
const SPECIFIER = /(from\s+|import\()(['"])([^'"]+)\2/g

for (const file of files(tmp)) {
  const text = readFileSync(file, 'utf8').replace(SPECIFIER, (m, lead, _q, spec) => {
    if (spec.startsWith('.')) return `${lead}'${spec.replace(/\.ts$/, '.js')}'`
    const pkg = spec.match(/^@uplink\/([a-z-]+)$/)?.[1]
    if (!pkg) return m
    let rel = relative(dirname(file), join(tmp, pkg, 'src/index.js'))
    if (!rel.startsWith('.')) rel = `./${rel}`
    return `${lead}'${rel}'`
  })
  writeFileSync(file, text)
}
for (const [path, text] of Object.entries(API_STUBS)) writeFileSync(join(tmp, path), text)

// Walk the imports from the entry; keep what is reached, refuse what a consumer lacks.
const { dependencies = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const packageOf = (spec) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/')
const allowed = (spec) =>
  spec.startsWith('node:') || builtinModules.includes(spec) || packageOf(spec) in dependencies
const reached = new Set()
const problems = []
const queue = [ENTRY]
while (queue.length > 0) {
  const file = queue.pop()
  if (reached.has(file)) continue
  reached.add(file)
  for (const [, , , spec] of readFileSync(join(tmp, file), 'utf8').matchAll(SPECIFIER)) {
    if (!spec.startsWith('.')) {
      if (!allowed(spec)) problems.push(`${file} imports ${spec}, not a dependency of the client`)
      continue
    }
    const target = join(dirname(file), spec.replace(/\.js$/, '.d.ts'))
    if (existsSync(join(tmp, target))) queue.push(target)
    else problems.push(`${file} imports ${spec}, which has no declaration file`)
  }
}
if (problems.length > 0) {
  throw new Error(`the client's declarations do not stand alone:\n${problems.join('\n')}`)
}

rmSync(out, { recursive: true, force: true })
for (const file of reached) {
  mkdirSync(dirname(join(out, file)), { recursive: true })
  cpSync(join(tmp, file), join(out, file))
}
rmSync(join(root, 'build'), { recursive: true, force: true })
