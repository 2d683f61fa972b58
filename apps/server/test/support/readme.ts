import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The checkout's root directory. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))

/** The documents whose examples tests run: the front page and every docs/*.md, root-relative. */
export function docFiles(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`)
  return ['README.md', ...docs]
}

/**
 * The fenced code block after `<!-- example: name -->`, exactly as written, wherever it lives
 * (README.md or docs/*.md). A name must appear once, so a test never runs a stale copy.
 */
export function readmeExample(name: string): string {
  const marker = `<!-- example: ${name} -->`
  const found = docFiles().flatMap((file) => {
    const text = readFileSync(join(repoRoot, file), 'utf8')
    const at = text.indexOf(marker)
    return at < 0 ? [] : [{ file, after: text.slice(at) }]
  })
  if (found.length !== 1) {
    const where = found.map((f) => f.file).join(', ') || 'none of README.md, docs/*.md'
    throw new Error(`${marker} must be in exactly one document; found in ${where}`)
  }
  const [{ file, after }] = found as [{ file: string; after: string }]
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(after)
  if (!block?.[1]) throw new Error(`${file} example ${name} has no code block after it`)
  return block[1]
}
