import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, waitFor } from '@uplink/testing'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

export interface RunningSqs {
  endpoint: string
  region: string
  credentials: { accessKeyId: string; secretAccessKey: string }
  stop(): Promise<void>
}

/**
 * Starts ElasticMQ (a real SQS-compatible server, run with the machine's java) on a free
 * loopback port; scripts/ensure-elasticmq.sh fetches it from Maven Central on first use.
 */
export async function startElasticMq(): Promise<RunningSqs> {
  const lib = execFileSync('bash', [join(repoRoot, 'scripts/ensure-elasticmq.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()
  const dir = mkdtempSync(join(tmpdir(), 'uplink-sqs-'))
  const port = await freePort()
  const conf = join(dir, 'elasticmq.conf')
  writeFileSync(
    conf,
    `include classpath("application.conf")
node-address { protocol = http, host = 127.0.0.1, port = ${port}, context-path = "" }
rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }
rest-stats { enabled = false }
`,
  )
  const child = spawn(
    'java',
    ['-Xmx256m', `-Dconfig.file=${conf}`, '-cp', `${lib}/*`, 'org.elasticmq.server.Main'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const endpoint = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(
      'ElasticMQ to answer',
      async () => {
        if (child.exitCode !== null) throw new Error(`ElasticMQ exited: ${stderr}`)
        const res = await fetch(`${endpoint}/?Action=ListQueues`).catch(() => undefined)
        return res?.ok ?? false
      },
      60_000,
    )
  } catch (err) {
    await stop()
    throw err
  }
  return {
    endpoint,
    region: 'elasticmq',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    stop,
  }
}
