import { spawn } from 'node:child_process'

/** How one run of an external tool (ffprobe, ffmpeg) ended. */
export type ToolResult =
  | { kind: 'ok'; stdout: Buffer; stderr: string }
  /** The binary is not there (or not executable): the caller skips its step. */
  | { kind: 'missing'; message: string }
  | { kind: 'failed'; exitCode: number | null; stderr: string }
  | { kind: 'timeout'; stderr: string }
  | { kind: 'too-large'; stderr: string }

export interface RunToolOptions {
  /** Killed (SIGKILL) after this long. */
  timeoutMs: number
  /** Killed once stdout passes this many bytes. */
  maxStdoutBytes: number
  /** stderr kept for the log (the rest is dropped, the tool is not killed for it). */
  maxStderrBytes?: number
}

const DEFAULT_MAX_STDERR = 16 * 1024

/**
 * Runs `path args…` without a shell, bounded in time and output. stderr is returned redacted
 * (see `redactUrls`): ffmpeg echoes its input URL in errors, and ours are signed.
 */
export function runTool(
  path: string,
  args: string[],
  options: RunToolOptions,
): Promise<ToolResult> {
  const maxStderr = options.maxStderrBytes ?? DEFAULT_MAX_STDERR
  return new Promise((resolve) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false })
    const out: Buffer[] = []
    let outBytes = 0
    let err = ''
    let ended: 'timeout' | 'too-large' | undefined
    const kill = (why: 'timeout' | 'too-large') => {
      ended ??= why
      child.kill('SIGKILL')
    }
    const timer = setTimeout(() => kill('timeout'), options.timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length
      if (outBytes > options.maxStdoutBytes) return kill('too-large')
      out.push(chunk)
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      if (err.length < maxStderr) err += chunk.slice(0, maxStderr - err.length)
    })
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      // ENOENT: not on PATH / no such file; EACCES: not executable.
      if (e.code === 'ENOENT' || e.code === 'EACCES') {
        resolve({ kind: 'missing', message: `${path}: ${e.code}` })
      } else resolve({ kind: 'failed', exitCode: null, stderr: redactUrls(e.message) })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const stderr = redactUrls(err)
      if (ended) resolve({ kind: ended, stderr })
      else if (code === 0) resolve({ kind: 'ok', stdout: Buffer.concat(out), stderr })
      else resolve({ kind: 'failed', exitCode: code, stderr })
    })
  })
}

/** A URL's query string, up to the ": " ffmpeg puts after its input name, or the end of the URL. */
const URL_QUERY = /(https?:\/\/[^\s"'?]*)\?[^\s"']*?(?=: |[\s"']|$)/gim
const AMZ_PARAM = /X-Amz-[A-Za-z-]+=[^&\s"']*/gi

/** Cuts query strings off URLs and any stray `X-Amz-*=` parameter (rule 2: never log a signed URL). */
export function redactUrls(text: string): string {
  return text.replace(URL_QUERY, '$1?[redacted]').replace(AMZ_PARAM, '[redacted]')
}
