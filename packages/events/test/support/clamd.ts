import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, type RunningService, spawnService } from '@uplink/testing'
import { type ClamdAddress, clamdPing } from '../../src/clamav.ts'

/** The EICAR anti-virus test string: harmless, and every scanner treats it as malware. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

export interface RunningClamd {
  tcp: ClamdAddress & { host: string; port: number }
  socket: ClamdAddress & { path: string }
  stop(): Promise<void>
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
      ready: () => clamdPing(tcp),
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
