import { randomUUID } from 'node:crypto'
import { createDatabase } from '@uplink/launchers'
import { inject } from 'vitest'
import type { TestServices } from './global-setup.ts'

/** The Postgres and S3 that the global setup started (call inside a test file). */
export function testServices(): TestServices {
  return inject('uplink')
}

/** A fresh, empty database on the test Postgres server, so each file starts clean. */
export async function testDatabase(): Promise<string> {
  return createDatabase(testServices().databaseUrl, `t_${randomUUID().replace(/-/g, '')}`)
}
