import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'
import { type RunningService, spawnService } from './spawn-service.ts'

/** The EICAR anti-virus test string: harmless, and every scanner treats it as malware. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

export interface RunningClamd {
  tcp: { host: string; port: number }
  socket: { path: string }
  stop(): Promise<void>
}

/** clamd's `zPING` → `PONG`, without the client of @uplink/uploads (launchers import no app code). */
function ping(address: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address.port, address.host)
    let text = ''
    socket.setTimeout(2000, () => socket.destroy())
    socket.on('connect', () => socket.write('zPING\0'))
    socket.on('data', (d: Buffer) => {
      text += d.toString()
    })
    socket.on('close', () => resolve(text.replace(/\0/g, '').trim() === 'PONG'))
    socket.on('error', () => {})
  })
}

/**
 * Starts a real clamd (Debian's clamav-daemon) on a free port and a unix socket, with a
 * signature database made here: one body signature for EICAR. No signature downloads.
 */
export async function startClamd(): Promise<RunningClamd> {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-clamd-'))
  const db = join(dir, 'db')
  mkdirSync(db)
  // .ndb body signature: Name:TargetType(0 = any file):Offset(* = anywhere):HexSignature
  writeFileSync(
    join(db, 'uplink-test.ndb'),
    `Uplink.Test.EICAR:0:*:${Buffer.from(EICAR).toString('hex')}\n`,
  )
  const port = await freePort()
  const socketPath = join(dir, 'clamd.sock')
  const conf = join(dir, 'clamd.conf')
  writeFileSync(
    conf,
    [
      'Foreground yes',
      `DatabaseDirectory ${db}`,
      `LocalSocket ${socketPath}`,
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      'StreamMaxLength 10M',
      'Bytecode no',
      '',
    ].join('\n'),
  )
  const tcp = { host: '127.0.0.1', port }
  let clamd: RunningService
  try {
    // Foreground: clamd stays the child, so stop() (SIGTERM) reaches it.
    clamd = await spawnService({
      name: 'clamd (PING)',
      command: 'clamd',
      args: ['-c', conf],
      ready: () => ping(tcp),
    })
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const stop = async () => {
    await clamd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return { tcp, socket: { path: socketPath }, stop }
}
