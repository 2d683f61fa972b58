import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, type RunningService, spawnService } from '@uplink/testing'

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
  const endpoint = `http://127.0.0.1:${port}`
  let sqs: RunningService
  try {
    sqs = await spawnService({
      name: 'ElasticMQ',
      command: 'java',
      args: [
        // Only the quick JIT (C1) and the serial GC: half the CPU of the JVM defaults to start
        // (3.5 against 7 CPU s) for a test that sends a few dozen requests.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-Xmx256m',
        `-Dconfig.file=${conf}`,
        '-cp',
        `${lib}/*`,
        'org.elasticmq.server.Main',
      ],
      ready: async () => (await fetch(`${endpoint}/?Action=ListQueues`)).ok,
      timeoutMs: 180_000, // a safety net: the JVM starts slowly on a loaded machine
    })
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const stop = async () => {
    await sqs.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return {
    endpoint,
    region: 'elasticmq',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    stop,
  }
}
