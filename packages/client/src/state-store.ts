import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** What a resumed upload needs to find its way back. Never a signed URL. */
export type UploadState =
  | { method: 'multipart'; documentId: string; partSize: number; partCount: number }
  | { method: 'tus'; uploadUrl: string; documentId?: string | undefined }

/** The default state dir: `$XDG_STATE_HOME/uplink`, else `~/.local/state/uplink`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'uplink')
}

/**
 * The resume key of one file for one server and purpose: the same path, size and mtime
 * (an unchanged file) resumes; anything else starts afresh.
 */
export function resumeKey(parts: {
  serverUrl: string
  purpose: string
  method: string
  identity: string
}): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.serverUrl, parts.purpose, parts.method, parts.identity]))
    .digest('hex')
    .slice(0, 32)
}

/** One JSON file per in-progress upload under `dir`; writes are atomic (temp file + rename). */
export class StateStore {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    if (!/^[\w-]{1,128}$/.test(key)) throw new RangeError(`bad state key ${key}`)
    return join(this.dir, `${key}.json`)
  }

  /** The saved state, or undefined when there is none or it cannot be read. */
  async get(key: string): Promise<UploadState | undefined> {
    try {
      return JSON.parse(await readFile(this.file(key), 'utf8')) as UploadState
    } catch {
      return undefined
    }
  }

  async set(key: string, state: UploadState): Promise<void> {
    const target = this.file(key)
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const tmp = join(this.dir, `.${key}.${randomUUID()}.tmp`)
    await writeFile(tmp, JSON.stringify(state), { mode: 0o600 })
    await rename(tmp, target)
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true })
  }

  /** Every saved key with its state. */
  async entries(): Promise<[string, UploadState][]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch {
      return []
    }
    const out: [string, UploadState][] = []
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue
      const key = name.slice(0, -5)
      const state = await this.get(key)
      if (state) out.push([key, state])
    }
    return out
  }
}
