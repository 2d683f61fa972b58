import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { formatBytes } from '@uplink/core'
import { createUplinkClient } from '../client.ts'
import { type CliArgs, requireServer, UsageError } from './args.ts'
import { ProgressBar } from './progress-bar.ts'

/** Where the CLI writes: results on stdout, progress and messages on stderr. */
export interface CliIO {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream
  /** Fires on Ctrl-C. */
  signal: AbortSignal
}

function arg(args: CliArgs, index: number, name: string): string {
  const value = args.positionals[index]
  if (!value) throw new UsageError(`${args.command} needs <${name}>; see uplink --help`)
  return value
}

/** Runs one command; throws UplinkError or UsageError. */
export async function runCommand(args: CliArgs, io: CliIO): Promise<void> {
  // Purposes come from the command line: the server's policy checks them.
  const client = () => createUplinkClient<string>(requireServer(args))
  switch (args.command) {
    case 'upload': {
      const file = arg(args, 0, 'file')
      if (!args.purpose)
        throw new UsageError('upload needs --purpose <purpose>, e.g. --purpose video')
      const bar = new ProgressBar(io.stderr)
      try {
        const doc = await client().uploadFile(file, {
          purpose: args.purpose,
          method: args.method,
          partConcurrency: args.concurrency,
          signal: io.signal,
          onProgress: (p) => bar.update(p.bytesUploaded, p.bytesTotal),
          ...(args.stateDir ? { stateDir: args.stateDir } : {}),
        })
        bar.done()
        io.stderr.write(`uploaded ${doc.filename} (${formatBytes(doc.size)}, ${doc.method})\n`)
        io.stdout.write(`${doc.id}\n`)
      } catch (err) {
        bar.done()
        throw err
      }
      return
    }
    case 'ls': {
      for (const d of await client().list()) {
        io.stdout.write(
          `${d.id}\t${d.status}\t${formatBytes(d.size)}\t${d.purpose}\t${d.createdAt}\t${d.filename}\n`,
        )
      }
      return
    }
    case 'info': {
      const doc = await client().info(arg(args, 0, 'id'))
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`)
      return
    }
    case 'download': {
      const id = arg(args, 0, 'id')
      const c = client()
      let dest = args.positionals[1]
      const isDir = dest
        ? await stat(dest).then(
            (s) => s.isDirectory(),
            () => false,
          )
        : true
      if (!dest || isDir) dest = join(dest ?? '.', (await c.info(id)).filename)
      const bytes = await c.download(id, dest, { signal: io.signal })
      io.stderr.write(`saved ${formatBytes(bytes)} to ${dest}\n`)
      io.stdout.write(`${dest}\n`)
      return
    }
    case 'rm': {
      const doc = await client().remove(arg(args, 0, 'id'))
      io.stdout.write(`deleted ${doc.id}\n`)
      return
    }
    default:
      throw new UsageError(
        args.command ? `unknown command "${args.command}"; see uplink --help` : 'no command given',
      )
  }
}
