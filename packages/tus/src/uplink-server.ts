import type { IncomingMessage, ServerResponse } from 'node:http'
import { Server } from '@tus/server'
import { EXPOSED_HEADERS, TUS_RESUMABLE, TUS_VERSION } from '@tus/utils'
import { isSafeRawPath } from './upload-id.ts'

type ServerOptions = ConstructorParameters<typeof Server>[0]

export interface UplinkServerOptions extends ServerOptions {
  /** Accept `Upload-Defer-Length` on POST (only with a configured maximum). */
  allowDeferredLength: boolean
}

/**
 * @tus/server with the checks that must run before it parses anything: protocol version,
 * unsafe upload paths, deferred lengths we do not accept, and no downloads through tus.
 */
export class UplinkTusServer extends Server {
  private readonly allowDeferredLength: boolean

  constructor(options: UplinkServerOptions) {
    const { allowDeferredLength, ...rest } = options
    super(rest)
    this.allowDeferredLength = allowDeferredLength
  }

  override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = this.refuse(req)
    if (!refusal) return super.handle(req, res)
    const headers: Record<string, string> = {
      'Tus-Resumable': TUS_RESUMABLE,
      'Content-Type': 'text/plain; charset=utf-8',
      'Access-Control-Expose-Headers': [
        EXPOSED_HEADERS,
        ...(this.options.exposedHeaders ?? []),
      ].join(', '),
      ...corsOrigin(this.options.allowedOrigins, req.headers.origin),
      ...refusal.headers,
    }
    const body = `${refusal.message}\n`
    res.writeHead(refusal.status, { ...headers, 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
    // Unread request bodies are drained by Node; nothing else to release here.
  }

  private refuse(
    req: IncomingMessage,
  ): { status: number; message: string; headers?: Record<string, string> } | undefined {
    const method = req.method ?? ''
    if (method === 'OPTIONS') return undefined
    if (method === 'GET') {
      return {
        status: 405,
        message: 'tus uploads cannot be downloaded here; use /documents/:id/download',
        headers: { Allow: 'POST, HEAD, PATCH, DELETE, OPTIONS' },
      }
    }
    // "If the version specified by the Client is not supported by the Server, it MUST respond
    // with the 412 Precondition Failed status and MUST include the Tus-Version header."
    const version = req.headers['tus-resumable']
    if (version !== undefined && version !== TUS_RESUMABLE) {
      return {
        status: 412,
        message: `Tus-Resumable ${version} is not supported; this server speaks ${TUS_VERSION.join(', ')}`,
        headers: { 'Tus-Version': TUS_VERSION.join(',') },
      }
    }
    if (!isSafeRawPath(req.url ?? '')) return { status: 404, message: 'upload not found' }
    if (method === 'POST' && req.headers['upload-defer-length'] !== undefined) {
      if (!this.allowDeferredLength) {
        return {
          status: 400,
          message:
            'Upload-Defer-Length is not accepted here; send Upload-Length with the file size in bytes',
        }
      }
    }
    return undefined
  }
}

function corsOrigin(
  allowed: string[] | ((origin: string) => boolean) | undefined,
  origin: string | undefined,
): Record<string, string> {
  if (!allowed) return { 'Access-Control-Allow-Origin': '*' }
  if (!origin) return {}
  const ok = typeof allowed === 'function' ? allowed(origin) : allowed.includes(origin)
  return ok ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {}
}
