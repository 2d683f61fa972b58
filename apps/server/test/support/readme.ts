import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const readme = fileURLToPath(new URL('../../../../README.md', import.meta.url))

/** The fenced code block after `<!-- example: name -->` in the README, exactly as written. */
export function readmeExample(name: string): string {
  const text = readFileSync(readme, 'utf8')
  const at = text.indexOf(`<!-- example: ${name} -->`)
  if (at < 0) throw new Error(`README.md has no <!-- example: ${name} --> block`)
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at))
  if (!block?.[1]) throw new Error(`README.md example ${name} has no code block after it`)
  return block[1]
}
