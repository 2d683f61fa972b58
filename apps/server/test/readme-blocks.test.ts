import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { docFiles, repoRoot } from './support/readme.ts'

// Every shell block a reader may paste is either run by a test (`<!-- example: name -->`, read
// with readmeExample) or says why not (`<!-- not-run: reason -->`, e.g. production only).

const packageReadmes = ['packages', 'apps'].flatMap((dir) =>
  readdirSync(join(repoRoot, dir))
    .map((name) => join(dir, name, 'README.md'))
    .filter((path) => existsSync(join(repoRoot, path))),
)
const documents = [...docFiles(), ...packageReadmes]

interface ShellBlock {
  file: string
  line: number
  marker: string | undefined
}

function shellBlocks(file: string): ShellBlock[] {
  const lines = readFileSync(join(repoRoot, file), 'utf8').split('\n')
  const blocks: ShellBlock[] = []
  let inFence = false
  lines.forEach((text, i) => {
    if (!text.startsWith('```')) return
    if (!inFence && /^```(sh|bash|shell|console|zsh)\s*$/.test(text)) {
      blocks.push({ file, line: i + 1, marker: lines[i - 1]?.match(/^<!-- (.*) -->$/)?.[1] })
    }
    inFence = !inFence
  })
  return blocks
}

const testSources = readdirSync(fileURLToPath(new URL('.', import.meta.url)))
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => readFileSync(fileURLToPath(new URL(name, import.meta.url)), 'utf8'))
  .join('\n')

describe('README and docs shell blocks', () => {
  const blocks = documents.flatMap(shellBlocks)

  it('finds the shell blocks of README.md, docs/*.md, packages/*/README.md and apps/*/README.md', () => {
    expect(documents).toContain('README.md')
    expect(documents).toContain('docs/uploads.md')
    expect(documents).toContain('packages/tus/README.md')
    expect(new Set(blocks.map((b) => b.file))).toContain('docs/uploads.md')
  })

  it('marks every shell block as run by a test or says why it is not run', () => {
    const unmarked = blocks
      .filter((b) => !/^(example: [a-z0-9-]+|not-run: .+)$/.test(b.marker ?? ''))
      .map((b) => `${b.file}:${b.line}`)
    expect(unmarked, 'put <!-- example: name --> (and run it) or <!-- not-run: why -->').toEqual([])
  })

  it('runs every shell example in a test (readmeExample reads README.md and docs/*.md)', () => {
    const examples = blocks.filter((b) => b.marker?.startsWith('example: '))
    expect(examples.length).toBeGreaterThan(3)
    for (const b of examples) {
      const name = b.marker?.slice('example: '.length) ?? ''
      expect(docFiles(), `example ${name} in ${b.file}`).toContain(b.file)
      expect(testSources, `no test runs readmeExample('${name}')`).toContain(
        `readmeExample('${name}')`,
      )
    }
  })
})
