import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { consumerTsc } from './support/consumer-pack.ts'

// A new user's view of @uplink/client's package and types: the packed tarball installed with npm
// into a project outside the monorepo (test/support/consumer-pack.ts), typechecked with
// skipLibCheck off (the declarations must stand alone). Nothing here depends on the Node running
// it (tsc reads files; the tarball is what it is), so CI runs it once (`test:types`, Node 24);
// consumer.int.test.ts runs the same projects on every Node.
const dir = inject('consumerDir')

describe('@uplink/client installed from its tarball outside the monorepo', () => {
  it('ships built JavaScript and declarations with no workspace dependencies', async () => {
    const pkgDir = join(dir, 'node_modules/@uplink/client')
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'))
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      '@trpc/client',
      '@trpc/server',
      'mime-types',
      'tus-js-client',
      'zod',
    ])
    expect(JSON.stringify(pkg.dependencies)).not.toMatch(/workspace:|@uplink\//)
    // require(esm): the same ES module build for both conditions (Node >= 22.12, the engines).
    expect(pkg.exports['.']).toEqual({
      types: expect.stringMatching(/\.d\.ts$/),
      import: './dist/index.mjs',
      require: './dist/index.mjs',
    })
    const files = await readdir(pkgDir, { recursive: true })
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
    // No server-side declarations: the router's context is opaque, db and storage are not shipped.
    expect(files.filter((f) => /^dist\/types\/(db|storage|uploads)\//.test(f))).toEqual([])
  })

  it('typechecks a strict app with moduleResolution nodenext, wrong procedure names refused', async () => {
    await consumerTsc(dir, ['-p', 'tsconfig.json', '--noEmit'])
  })

  it('typechecks the same app with moduleResolution bundler', async () => {
    await consumerTsc(dir, ['-p', 'tsconfig.bundler.json'])
  })

  it('typechecks a CommonJS app (skipLibCheck off): its imports of the ES module client are allowed', async () => {
    await consumerTsc(dir, ['-p', 'tsconfig.json', '--noEmit'], join(dir, 'cjs'))
  })
})
