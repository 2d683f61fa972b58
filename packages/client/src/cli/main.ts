import { UplinkError } from '../errors.ts'
import { exitCodeFor, parseCliArgs, USAGE, UsageError } from './args.ts'
import { runCommand } from './commands.ts'

/** The `uplink` CLI; resolves to the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const controller = new AbortController()
  const onSigint = () => {
    // A second Ctrl-C leaves at once; the first lets the upload stop cleanly.
    if (controller.signal.aborted) process.exit(130)
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  try {
    const args = parseCliArgs(argv, env)
    if (args.help || !args.command) {
      process.stdout.write(`${USAGE}\n`)
      return args.help ? 0 : 2
    }
    await runCommand(args, {
      stdout: process.stdout,
      stderr: process.stderr,
      signal: controller.signal,
    })
    return 0
  } catch (err) {
    process.stderr.write(`${describe(err)}\n`)
    return exitCodeFor(err)
  } finally {
    process.off('SIGINT', onSigint)
  }
}

function describe(err: unknown): string {
  if (err instanceof UsageError) return `uplink: ${err.message}\n\n${USAGE}`
  if (err instanceof UplinkError) {
    if (err.code === 'ABORTED') return '\nuplink: interrupted; run the same command again to resume'
    return `uplink: ${err.message}\n  (${err.hint})`
  }
  return `uplink: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
}

main(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code
})
