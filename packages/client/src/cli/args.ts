import { parseArgs } from 'node:util'
import { UplinkError } from '../errors.ts'

/** The CLI's usage text. */
export const USAGE = `Usage: uplink <command> [options]

Commands:
  upload <file> --purpose <p> [--method auto|tus|multipart|put]
                         upload a file; prints the document id. Ctrl-C, then the
                         same command again, resumes a multipart or tus upload.
  ls                     list my documents
  info <id>              show one document (JSON)
  download <id> [dest]   save a document (default: its filename, in this directory),
                         checked against its verified SHA-256
  rm <id>                delete a document

Options:
  --url <url>            server URL (default: $UPLINK_URL)
  --token <token>        bearer token (default: $UPLINK_TOKEN)
  --concurrency <n>      multipart part uploads in flight (default 4)
  --state-dir <dir>      where resume state is kept
  -h, --help             show this help

Exit codes: 0 ok, 1 failure, 2 usage, 3 unauthorized, 4 server unreachable,
5 rejected (policy, input or inspection), 6 not found, 130 interrupted.`

/** A mistake on the command line (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export interface CliArgs {
  command: string | undefined
  positionals: string[]
  url: string
  token: string
  purpose: string | undefined
  method: 'auto' | 'tus' | 'multipart' | 'put'
  concurrency: number
  stateDir: string | undefined
  help: boolean
}

const METHODS = ['auto', 'tus', 'multipart', 'put'] as const

/** Parses argv (without `node script`) and the environment; throws UsageError. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv): CliArgs {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals } = parsed
  const method = values.method ?? 'auto'
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`--method must be one of ${METHODS.join(', ')}, got "${method}"`)
  }
  const concurrency = Number(values.concurrency ?? 4)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new UsageError('--concurrency must be a whole number from 1 to 32')
  }
  const [command, ...rest] = positionals
  return {
    command,
    positionals: rest,
    url: values.url ?? env.UPLINK_URL ?? '',
    token: values.token ?? env.UPLINK_TOKEN ?? '',
    purpose: values.purpose,
    method: method as CliArgs['method'],
    concurrency,
    stateDir: values['state-dir'],
    help: values.help ?? false,
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      purpose: { type: 'string', short: 'p' },
      method: { type: 'string', short: 'm' },
      concurrency: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

/** Checks what every server command needs: a URL and a token. */
export function requireServer(args: CliArgs): { url: string; token: string } {
  if (!args.token) {
    throw new UplinkError(
      'UNAUTHORIZED',
      'no token: set UPLINK_TOKEN or pass --token (a dev server prints one; another user: pnpm run token <userId>)',
    )
  }
  if (!args.url) throw new UsageError('no server URL: set UPLINK_URL or pass --url')
  return { url: args.url, token: args.token }
}

/** The exit code for an error (see USAGE). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return 2
  if (!(err instanceof UplinkError)) return 1
  switch (err.code) {
    case 'UNAUTHORIZED':
      return 3
    case 'NETWORK':
      return 4
    case 'BAD_REQUEST':
    case 'TOO_LARGE':
    case 'REJECTED':
    case 'INVALID_SOURCE':
    case 'PRECONDITION_FAILED':
    case 'CONFLICT':
      return 5
    case 'NOT_FOUND':
      return 6
    case 'ABORTED':
      return 130
    default:
      return 1
  }
}
