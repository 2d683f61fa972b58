import { createHash, createHmac } from 'node:crypto'
import type { S3Config } from './versitygw.ts'

/** Temporary credentials, as STS returns them. */
export interface TemporaryCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: Date
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex')

/**
 * STS AssumeRole against an S3 server's own STS endpoint (MinIO: `POST /` with
 * `Action=AssumeRole`, signed with its root keys for service `sts`).
 */
export async function assumeRole(
  s3: S3Config,
  options: { durationSeconds?: number } = {},
): Promise<TemporaryCredentials> {
  const body = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    DurationSeconds: String(options.durationSeconds ?? 900),
  }).toString()
  const url = new URL(s3.endpoint)
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')
  const scope = `${amzDate.slice(0, 8)}/${s3.region}/sts/aws4_request`
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    host: url.host,
    'x-amz-content-sha256': sha256(body),
    'x-amz-date': amzDate,
  }
  const names = Object.keys(headers).sort()
  const canonical = [
    'POST',
    '/',
    '',
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    headers['x-amz-content-sha256'],
  ].join('\n')
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')
  let key = hmac(`AWS4${s3.secretAccessKey}`, amzDate.slice(0, 8))
  for (const part of [s3.region, 'sts', 'aws4_request']) key = hmac(key, part)
  const signature = createHmac('sha256', key).update(toSign).digest('hex')
  const authorization = `AWS4-HMAC-SHA256 Credential=${s3.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`
  const { host: _host, ...sent } = headers
  const res = await fetch(new URL('/', url), {
    method: 'POST',
    headers: { ...sent, authorization },
    body,
  })
  const xml = await res.text()
  if (!res.ok) throw new Error(`AssumeRole answered ${res.status}: ${xml}`)
  const field = (name: string) => {
    const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]
    if (!value) throw new Error(`AssumeRole answer has no ${name}: ${xml}`)
    return value
  }
  return {
    accessKeyId: field('AccessKeyId'),
    secretAccessKey: field('SecretAccessKey'),
    sessionToken: field('SessionToken'),
    expiration: new Date(field('Expiration')),
  }
}
