import type { IncomingMessage, ServerResponse } from 'node:http'
import { Server } from '@tus/server'
import { EXPOSED_HEADERS, TUS_RESUMABLE, TUS_VERSION } from '@tus/utils'
import { sendNodeResponse } from 'srvx/node'
import { CHECKSUM_ALGORITHMS, type DeclaredChecksum, parseUploadChecksum } from './checksum.ts'
import { applyCors } from './cors.ts'
import { codeForStatus, knownAnswer } from './error-answers.ts'
import { ERROR_CODE_HEADER, isTusError, type TusError, tusError } from './errors.ts'
import { nodeRequest, readNodeBodies } from './node-body.ts'
import { outageAnswer } from './outage-answers.ts'
import { parseReprDigest, REPR_DIGEST_HEADER } from './repr-digest.ts'
import { releaseLocksAhead, withRequestState } from './request-state.ts'
import { isSafeRawPath } from './upload-id.ts'

type ServerOptions = ConstructorParameters<typeof Server>[0]

export interface UplinkServerOptions extends Omit<ServerOptions, 'allowedOrigins'> {
  /** Accept `Upload-Defer-Length` on POST (only with a configured maximum). */
  allowDeferredLength: boolean
  /** Origins whose requests get CORS headers (an empty list: none). */
  corsOrigins: readonly string[]
  /**
   * Runs before a HEAD reports a complete upload (Upload-Offset = Upload-Length): a client
   * that resumes after a lost final answer sends no PATCH, so what that PATCH would have
   * settled is settled here. A thrown tus error becomes the answer.
   */
  beforeCompleteHead?: ((id: string) => Promise<void>) | undefined
}

const OFFSET_STREAM = 'application/offset+octet-stream'

/** What a PATCH declared about its body (Upload-Checksum) and the whole file (Repr-Digest). */
interface PatchDeclarations {
  checksum?: DeclaredChecksum
  reprDigest?: string
}

/**
 * @tus/server with Uplink's protocol layer around it: the checks that must run before it parses
 * anything (version, media type, offsets, unsafe paths, deferred lengths, checksum header), the
 * checksum extension, and one CORS / 401 / 409 / 460 / error-code treatment for every response.
 */
export class UplinkTusServer extends Server {
  private readonly allowDeferredLength: boolean
  private readonly corsOrigins: readonly string[]
  private readonly beforeCompleteHead: UplinkServerOptions['beforeCompleteHead']
  /** Headers (and code) of the tus error answered to a request (@tus/server sends status and body only). */
  private readonly errorHeaders: WeakMap<Request, Record<string, string>>

  constructor(options: UplinkServerOptions) {
    const { allowDeferredLength, corsOrigins, beforeCompleteHead, onResponseError, ...rest } =
      options
    const errorHeaders = new WeakMap<Request, Record<string, string>>()
    super({
      ...rest,
      // A page may declare the whole file's digest on a PATCH (see `checkPatch`).
      allowedHeaders: [...(rest.allowedHeaders ?? []), REPR_DIGEST_HEADER],
      onResponseError: async (req, err) => {
        const answer = (await onResponseError?.(req, err)) ?? knownAnswer(err)
        if (isTusError(answer)) {
          errorHeaders.set(req, { ...answer.headers, [ERROR_CODE_HEADER]: answer.code })
        }
        return answer
      },
    })
    this.allowDeferredLength = allowDeferredLength
    this.corsOrigins = corsOrigins
    this.beforeCompleteHead = beforeCompleteHead
    this.errorHeaders = errorHeaders
    readNodeBodies(this)
  }

  override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = nodeRequest(req, res)
    const response = await this.respond(request, req.url ?? '')
    return sendNodeResponse(res, response)
  }

  override async handleWeb(req: Request): Promise<Response> {
    return this.respond(req, new URL(req.url).pathname)
  }

  /**
   * Each request runs with its own state: what it read of an upload is not read again, a
   * PATCH's Upload-Checksum reaches the store's write (see `declaredChecksum`) and its
   * Repr-Digest the ownership check, which records it on the document.
   */
  private respond(req: Request, rawPath: string): Promise<Response> {
    const checked = this.check(req, rawPath)
    const declared = isTusError(checked) ? {} : checked
    return withRequestState(declared, async () => {
      try {
        return await this.respondChecked(req, checked)
      } finally {
        releaseLocksAhead()
      }
    })
  }

  private async respondChecked(
    req: Request,
    checked: TusError | PatchDeclarations,
  ): Promise<Response> {
    let res: Response
    if (isTusError(checked)) res = this.refusal(checked)
    else res = await super.handleWeb(req)
    if (req.method === 'HEAD') res = await this.settleCompleteHead(req, res)
    return this.finish(req, res)
  }

  private async settleCompleteHead(req: Request, res: Response): Promise<Response> {
    const offset = res.headers.get('upload-offset')
    if (!this.beforeCompleteHead || res.status !== 200 || offset === null) return res
    if (offset !== res.headers.get('upload-length')) return res
    const id = this.handlers.HEAD.getFileIdFromRequest(req)
    if (!id) return res
    try {
      await this.beforeCompleteHead(id)
      return res
    } catch (err) {
      const answer = knownAnswer(err) ?? outageAnswer(err)
      if (!answer) throw err
      return this.refusal(answer)
    }
  }

  /** What must be refused before @tus/server sees the request, and what a PATCH declared. */
  private check(req: Request, rawPath: string): TusError | PatchDeclarations {
    const method = req.method
    const header = (name: string) => req.headers.get(name)
    if (method === 'OPTIONS') return {}
    if (method === 'GET') {
      return tusError(
        'method_not_allowed',
        'tus uploads cannot be downloaded here; use /documents/:id/download',
        { Allow: 'POST, HEAD, PATCH, DELETE, OPTIONS' },
      )
    }
    // tus: "If the version specified by the Client is not supported by the Server, it MUST
    // respond with the 412 Precondition Failed status and MUST include the Tus-Version header".
    const version = header('tus-resumable')
    if (version !== TUS_RESUMABLE) {
      return tusError(
        'tus_version_unsupported',
        version === null
          ? `Tus-Resumable is required on every request but OPTIONS; send Tus-Resumable: ${TUS_RESUMABLE}`
          : `Tus-Resumable ${version} is not supported; this server speaks ${TUS_VERSION.join(', ')}`,
        { 'Tus-Version': TUS_VERSION.join(',') },
      )
    }
    if (!isSafeRawPath(rawPath)) return tusError('upload_not_found')
    if (method === 'POST') return this.checkPost(req)
    if (method === 'PATCH') return this.checkPatch(req)
    return {}
  }

  private checkPost(req: Request): TusError | object {
    const header = (name: string) => req.headers.get(name)
    if (header('upload-defer-length') !== null && !this.allowDeferredLength) {
      return tusError(
        'bad_input',
        'Upload-Defer-Length is not accepted here; send Upload-Length with the file size in bytes',
      )
    }
    const hasBody =
      Number(header('content-length') ?? '0') > 0 || header('transfer-encoding') !== null
    // creation-with-upload: the initial data needs "Content-Type: application/offset+octet-stream".
    if (hasBody && header('content-type') !== OFFSET_STREAM) {
      return tusError(
        'content_type_required',
        `a POST with a body must send Content-Type: ${OFFSET_STREAM} (the body is the upload's first bytes); send no body otherwise`,
      )
    }
    if (hasBody && header('upload-checksum') !== null) {
      return tusError(
        'bad_input',
        'Upload-Checksum is verified on PATCH requests only; create the upload without a body, then PATCH it',
      )
    }
    return {}
  }

  private checkPatch(req: Request): TusError | PatchDeclarations {
    const header = (name: string) => req.headers.get(name)
    // tus: "All PATCH requests MUST use Content-Type: application/offset+octet-stream,
    // otherwise the server SHOULD return a 415 Unsupported Media Type status."
    if (header('content-type') !== OFFSET_STREAM) {
      return tusError(
        'content_type_required',
        `PATCH needs Content-Type: ${OFFSET_STREAM} (got ${header('content-type') ?? 'none'})`,
      )
    }
    // tus: "The Client MUST include the Upload-Offset header" on PATCH; no offset is a bad request.
    if (header('upload-offset') === null) {
      return tusError(
        'bad_input',
        'PATCH needs Upload-Offset: the offset from HEAD where these bytes start',
      )
    }
    if (header('upload-length') !== null && !this.allowDeferredLength) {
      return tusError(
        'bad_input',
        'Upload-Length was fixed when the upload was created and cannot change; send PATCH without it',
      )
    }
    const declared: PatchDeclarations = {}
    const raw = header('upload-checksum')
    if (raw !== null) {
      const checksum = parseUploadChecksum(raw)
      if (isTusError(checksum)) return checksum
      declared.checksum = checksum
    }
    // The whole file's SHA-256, declared at any PATCH (the web app: the last one, once it has
    // hashed every byte); recorded like the creation metadata's `sha256`.
    const digest = header(REPR_DIGEST_HEADER)
    if (digest !== null) {
      const sha256 = parseReprDigest(digest)
      if (isTusError(sha256)) return sha256
      if (sha256 !== undefined) declared.reprDigest = sha256
    }
    return declared
  }

  private refusal(refusal: TusError): Response {
    return new Response(refusal.body, {
      status: refusal.status_code,
      headers: {
        'Tus-Resumable': TUS_RESUMABLE,
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(refusal.body)),
        ...refusal.headers,
        [ERROR_CODE_HEADER]: refusal.code,
      },
    })
  }

  /** The same headers on every answer, whichever code produced it. */
  private async finish(req: Request, res: Response): Promise<Response> {
    const headers = res.headers
    for (const [name, value] of Object.entries(this.errorHeaders.get(req) ?? {})) {
      headers.set(name, value)
    }
    // Every error answer names its catalogue code, also those @tus/server writes itself.
    if (res.status >= 400 && !headers.has(ERROR_CODE_HEADER)) {
      headers.set(ERROR_CODE_HEADER, codeForStatus(res.status))
    }
    headers.set('Access-Control-Expose-Headers', this.exposedHeaders())
    if (req.method === 'OPTIONS' && res.status === 204) {
      // tus checksum: "The Tus-Checksum-Algorithm response header MUST be a comma-separated
      // list of the checksum algorithms supported by the server."
      headers.set('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','))
    }
    if (res.status === 401) {
      // RFC 6750 §3: a 401 "MUST include the HTTP WWW-Authenticate response header field".
      const sent = req.headers.get('authorization') !== null
      headers.set(
        'WWW-Authenticate',
        `Bearer realm="uplink"${sent ? ', error="invalid_token"' : ''}`,
      )
    }
    if (res.status === 409 && req.method === 'PATCH' && !headers.has('Upload-Offset')) {
      const offset = await this.currentOffset(req)
      if (offset !== undefined) headers.set('Upload-Offset', String(offset))
    }
    applyCors(headers, this.corsOrigins, req.headers.get('origin'))
    if (res.status === 460) {
      return new Response(res.body, {
        status: res.status,
        statusText: 'Checksum Mismatch',
        headers,
      })
    }
    if (req.method === 'OPTIONS' && res.status === 204) {
      // tus: "A successful response indicated by the 204 No Content or 200 OK status MUST
      // contain the Tus-Version header"; tusd and the clients' test suites expect 200.
      headers.set('Content-Length', '0')
      return new Response(null, { status: 200, headers })
    }
    return res
  }

  private exposedHeaders(): string {
    return [
      EXPOSED_HEADERS,
      ERROR_CODE_HEADER,
      REPR_DIGEST_HEADER,
      ...(this.options.exposedHeaders ?? []),
    ].join(', ')
  }

  /** Where the upload stands now, to tell a client with the wrong offset where to resume. */
  private async currentOffset(req: Request): Promise<number | undefined> {
    const id = this.handlers.PATCH.getFileIdFromRequest(req)
    if (!id) return undefined
    try {
      return (await this.datastore.getUpload(id)).offset
    } catch {
      return undefined
    }
  }
}
